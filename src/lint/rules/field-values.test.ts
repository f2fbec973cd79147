import { test } from "node:test";
import assert from "node:assert/strict";
import { lintText } from "../linter.ts";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
const threshold = (value: string) =>
  `(list (build-machine (name "b") (systems (list "x86_64-linux")) (user "u") (host-key "${HOST_KEY}") (overload-threshold ${value})))\n`;
const found = (text: string) => lintText("m.scm", text).diagnostics.map((d) => `${d.rule} ${d.severity} ${d.span.text()}`);

test("an overload-threshold above 1 is information (Guix writes 1.8 for its childhurds); 0 or less is an error", () => {
  assert.deepEqual(found(threshold("1.8")), ["overload-threshold info 1.8"]);
  assert.deepEqual(found(threshold("0")), ["overload-threshold error 0"]);
  assert.deepEqual(found(threshold("0.9")), []);
  assert.deepEqual(found(threshold("#f")), []);
});
