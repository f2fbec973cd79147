import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { lintText } from "../linter.ts";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
const machine = (extra: string) => `(list (build-machine (name "b") (systems (list "x86_64-linux")) (user "u") (host-key "${HOST_KEY}")${extra}))\n`;
const messages = (text: string, options: Parameters<typeof lintText>[2]) =>
  lintText("m.scm", text, options).diagnostics.map((d) => `${d.rule} ${d.severity}: ${d.message}`);

test("--check-files checks the default key of a machine without private-key: root's, as the daemon runs as root", () => {
  const home = tempDir("lint-daemon-home-");
  const found = messages(machine(""), { checkFiles: true, daemonHome: home });
  assert.deepEqual(found, [
    `private-key error: no private-key field, so the daemon (running as root) uses ${home}/.ssh/id_rsa: private key ${home}/.ssh/id_rsa does not exist: Guix fails to load it and never uses this machine`,
  ]);
  mkdirSync(join(home, ".ssh"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "t", "-f", join(home, ".ssh", "id_rsa")], { stdio: "ignore" });
  assert.deepEqual(messages(machine(""), { checkFiles: true, daemonHome: home }), []);
  assert.deepEqual(messages(machine(""), { daemonHome: "/nonexistent" }), [], "without --check-files no file is looked at");
});

test('a key path built from (getenv "HOME") warns, and means root\'s home', () => {
  const text = machine(' (private-key (string-append (getenv "HOME") "/.ssh/id_ed25519"))');
  const [warning, ...rest] = lintText("m.scm", text, { daemonHome: "/root" }).diagnostics;
  assert.deepEqual(rest, []);
  assert.equal(warning?.rule, "private-key-home");
  assert.equal(warning?.severity, "warning");
  assert.equal(warning?.span.text(), '(string-append (getenv "HOME") "/.ssh/id_ed25519")');
  assert.match(warning!.message, /home of root when the daemon loads this file, not yours: here it gives \/root\/\.ssh\/id_ed25519; write the key's full path/);
  assert.deepEqual(messages(machine(' (private-key "/root/.ssh/id_ed25519")'), {}), []);
  assert.deepEqual(messages(machine(' (private-key (string-append (getenv "KEYS") "/id"))'), { load: { env: { KEYS: "/k" } } }), []);
});

test("a documentation path is a placeholder without --check-files", () => {
  assert.deepEqual(messages(machine(' (private-key "/path/to/private-key")'), {}), [
    'placeholder error: private-key "/path/to/private-key" contains a placeholder (a documentation path /path/to/...): fill in the real value',
  ]);
});
