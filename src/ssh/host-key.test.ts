import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { generateKeyPair } from "../../test/helpers/sshd.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { SshError } from "./errors.ts";
import { describeHostKey, fingerprint, parsePinnedHostKey } from "./host-key.ts";

const dir = tempDir();
const keys = {
  ed25519: generateKeyPair(dir, { type: "ed25519" }),
  rsa: generateKeyPair(dir, { type: "rsa" }),
  ecdsa: generateKeyPair(dir, { type: "ecdsa" }),
};

function invalid(hostKey: string, pattern: RegExp): void {
  assert.throws(
    () => parsePinnedHostKey(hostKey, "build1"),
    (error: unknown) => error instanceof SshError && error.code === "host-key-invalid" && error.stage === "host-key" && pattern.test(error.message),
  );
}

describe("parsePinnedHostKey", () => {
  it("decodes each key type and restricts the offered algorithms to it", () => {
    assert.deepEqual(parsePinnedHostKey(keys.ed25519.publicLine, "m").algorithms, ["ssh-ed25519"]);
    assert.deepEqual(parsePinnedHostKey(keys.rsa.publicLine, "m").algorithms, ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
    assert.deepEqual(parsePinnedHostKey(keys.ecdsa.publicLine, "m").algorithms, ["ecdsa-sha2-nistp256"]);
  });

  it("gives the same fingerprint as ssh-keygen -l", () => {
    for (const key of Object.values(keys)) {
      const expected = execFileSync("ssh-keygen", ["-l", "-f", `${key.privateKeyFile}.pub`], { encoding: "utf8" }).split(" ")[1];
      assert.equal(parsePinnedHostKey(key.publicLine, "m").fingerprint, expected);
    }
  });

  it("ignores the comment and surrounding space", () => {
    const [type, base64] = keys.ed25519.publicLine.split(" ");
    const pin = parsePinnedHostKey(`  ${type}   ${base64}  some comment with spaces `, "m");
    assert.equal(pin.base64, base64);
    assert.deepEqual(pin.blob, Buffer.from(base64!, "base64"));
  });

  it("rejects malformed keys with host-key-invalid", () => {
    const [, base64] = keys.ed25519.publicLine.split(" ");
    invalid("", /expected "TYPE BASE64/);
    invalid("ssh-ed25519", /expected "TYPE BASE64/);
    invalid(`ssh-foo ${base64}`, /unsupported key type "ssh-foo"/);
    invalid("ssh-ed25519 not*base64", /not valid base64/);
    invalid(`ssh-rsa ${base64}`, /says "ssh-rsa" but its data is a ssh-ed25519 key/);
    invalid(`ssh-ed25519 ${Buffer.from("garbage").toString("base64")}`, /not an SSH public key/);
  });
});

describe("fingerprint and describeHostKey", () => {
  it("describe a received blob", () => {
    const blob = Buffer.from(keys.rsa.publicLine.split(" ")[1]!, "base64");
    const description = describeHostKey(blob);
    assert.equal(description.type, "ssh-rsa");
    assert.equal(description.fingerprint, fingerprint(blob));
    assert.match(description.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
