import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { inspectPrivateKey } from "./private-key-file.ts";
import { lintText } from "./linter.ts";

const dir = tempDir("lint-keys-");
function keygen(name: string, ...args: string[]): string {
  const path = `${dir}/${name}`;
  execFileSync("ssh-keygen", ["-q", "-f", path, "-C", "test", ...args], { stdio: "ignore" });
  return path;
}
const good = keygen("good", "-t", "ed25519", "-N", "");
const secret = keygen("secret", "-t", "ed25519", "-N", "passphrase");
const pem = keygen("pem", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "");
const pemSecret = keygen("pem-secret", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "passphrase");
const pkcs8 = keygen("pkcs8", "-t", "rsa", "-b", "2048", "-m", "PKCS8", "-N", "");
const noPub = keygen("nopub", "-t", "ed25519", "-N", "");
rmSync(`${noPub}.pub`);
const open = keygen("open", "-t", "ed25519", "-N", "");
chmodSync(open, 0o644);
writeFileSync(`${dir}/not-a-key`, "hello\n", { mode: 0o600 });

const severities = (path: string) => inspectPrivateKey(path).map((p) => `${p.severity}: ${p.message}`);

test("a good OpenSSH key and a PEM key without passphrase have no problems", () => {
  assert.deepEqual(severities(good), []);
  assert.deepEqual(severities(pem), []);
});

test("missing key file", () => assert.match(severities(`${dir}/none`).join(), /^error: .*does not exist/));
test("passphrase-protected OpenSSH key", () => assert.match(severities(secret).join(), /^error: .*passphrase \(aes256-ctr\)/));
test("passphrase-protected PEM key", () => assert.match(severities(pemSecret).join(), /^error: .*passphrase/));
test("PKCS#8 key", () => assert.match(severities(pkcs8).join(), /^warning: .*PKCS#8/));
test("no .pub beside the key", () => assert.match(severities(noPub).join(), /^info: no .*nopub\.pub/));
test("mode too open", () => assert.match(severities(open).join(), /^warning: .*group or others \(mode 644\)/));
test("not a private key (text, and a public key)", () => {
  assert.match(severities(`${dir}/not-a-key`).join(), /^error: .*is not a private key/);
  assert.match(severities(`${good}.pub`).join(), /looks like a public key/);
});
test("unreadable by the current user", { skip: process.getuid?.() === 0 ? "root reads every file" : false }, () => {
  const locked = keygen("locked", "-t", "ed25519", "-N", "");
  chmodSync(locked, 0o000);
  assert.match(severities(locked).join(), /not readable by the current user/);
});

test("the private-key rule reports at the file name, only with checkFiles", () => {
  const text = `(list (build-machine (name "b") (systems (list "x86_64-linux")) (user "u") (private-key "${secret}")
  (host-key "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF")))`;
  assert.deepEqual(lintText("m.scm", text).diagnostics, []);
  const [d] = lintText("m.scm", text, { checkFiles: true }).diagnostics;
  assert.equal(d!.rule, "private-key");
  assert.equal(d!.span.text(), JSON.stringify(secret));
});
