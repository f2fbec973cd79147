import { test } from "node:test";
import assert from "node:assert/strict";
import { isPlaceholderSymbol, placeholderIn } from "./placeholder-text.ts";

test("placeholders are found", () => {
  for (const text of ["", "  ", "FIXME", "ssh-ed25519 AAAAC3Nza…", "ssh-ed25519 xxxx…", "xxxxxxxx", "$(cat key.pub)", "${HOST}", "<host name>", "ssh-ed25519 AAAA... root@x", "TODO", "/path/to/private-key", "path/to/key"]) {
    assert.ok(placeholderIn(text), text);
  }
});

test("real values are not placeholders", () => {
  for (const text of ["build1.example.org", "todo-list.example.org", "root@(none)", "/etc/guix/machines.scm", "/srv/xpath/to/key", "/home/path/top", "zlib@openssh.com,zlib", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF root@build2"]) {
    assert.equal(placeholderIn(text), undefined, text);
  }
});

test("template symbols", () => {
  assert.ok(isPlaceholderSymbol("${SYSTEMS}"));
  assert.ok(!isPlaceholderSymbol("%openssh-private-key"));
});
