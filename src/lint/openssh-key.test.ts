import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { checkPublicKeyLine, keyTokens } from "./openssh-key.ts";

const ed25519 = readFileSync("fixtures/lint/keys/host.pub", "utf8");

test("a real ed25519 key, with or without comment and trailing newline, is well formed", () => {
  assert.deepEqual(checkPublicKeyLine(ed25519).problems, []);
  assert.deepEqual(checkPublicKeyLine(ed25519.split(" ").slice(0, 2).join(" ")).problems, []);
});

test("tokens split on any whitespace, like string-tokenize", () => {
  assert.deepEqual(
    keyTokens(" a\tb\n c ").map((t) => t.text),
    ["a", "b", "c"],
  );
});

test("malformed keys: one word, unknown type, bad base64, type mismatch, truncated", () => {
  const [type, base64] = ed25519.split(" ") as [string, string];
  assert.match(checkPublicKeyLine(base64).problems[0]!.message, /TYPE BASE64/);
  assert.match(checkPublicKeyLine(`ssh-foo ${base64}`).problems[0]!.message, /not an OpenSSH key type/);
  assert.match(checkPublicKeyLine(`${type} ${base64.slice(0, -1)}`).problems[0]!.message, /base64/);
  assert.match(checkPublicKeyLine(`ssh-rsa ${base64}`).problems[0]!.message, /of type "ssh-ed25519", not "ssh-rsa"/);
  const short = Buffer.from(base64, "base64").subarray(0, 40).toString("base64");
  assert.match(checkPublicKeyLine(`${type} ${short}`).problems[0]!.message, /the Ed25519 key is truncated/);
});
