import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generateKeyPair, type KeyType } from "../../test/helpers/sshd.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { SshError } from "./errors.ts";
import { credentialsFromEnvironment } from "./credentials.ts";
import { loadClientCredential } from "./private-key.ts";

const dir = tempDir();

function rejects(file: string | null, sources: { passphrase?: string; agentSocket?: string }, code: string, pattern: RegExp): void {
  assert.throws(
    () => loadClientCredential(file, "build1", sources),
    (error: unknown) => error instanceof SshError && error.code === code && error.stage === "auth" && pattern.test(error.message),
  );
}

describe("loadClientCredential", () => {
  for (const type of ["ed25519", "rsa", "ecdsa"] satisfies KeyType[]) {
    for (const format of ["openssh", "pem"] as const) {
      if (type === "ed25519" && format === "pem") continue; // OpenSSH writes ed25519 only in its own format
      it(`reads a ${type} key in ${format} format`, () => {
        const key = generateKeyPair(dir, { type, format });
        const credential = loadClientCredential(key.privateKeyFile, "build1", {});
        assert.equal(credential.kind, "key");
        if (credential.kind === "key") assert.equal(credential.key.getPublicSSH().toString("base64"), key.publicLine.split(" ")[1]);
      });
    }
  }

  it("decrypts encrypted OpenSSH and PEM keys with the passphrase", () => {
    for (const format of ["openssh", "pem"] as const) {
      const key = generateKeyPair(dir, { type: "rsa", format, passphrase: "correct horse" });
      assert.equal(loadClientCredential(key.privateKeyFile, "build1", { passphrase: "correct horse" }).kind, "key");
    }
  });

  it("says how to proceed when an encrypted key has no passphrase and no agent", () => {
    const key = generateKeyPair(dir, { passphrase: "secret" });
    rejects(
      key.privateKeyFile,
      {},
      "key-encrypted",
      /passphrase-protected: load it into ssh-agent \(ssh-add .*\) and set SSH_AUTH_SOCK, or give the passphrase in OFFLOAD_KEY_PASSPHRASE/,
    );
  });

  it("falls back to the agent for an encrypted key, restricted to that key's public half", () => {
    const key = generateKeyPair(dir, { passphrase: "secret" });
    const credential = loadClientCredential(key.privateKeyFile, "build1", { agentSocket: "/tmp/agent.sock" });
    assert.equal(credential.kind, "agent");
    if (credential.kind === "agent") {
      assert.equal(credential.socket, "/tmp/agent.sock");
      assert.equal(credential.publicKey?.toString("base64"), key.publicLine.split(" ")[1]);
    }
  });

  it("finds the public half of an encrypted PEM key in FILE.pub", () => {
    const key = generateKeyPair(dir, { type: "rsa", format: "pem", passphrase: "secret" });
    const credential = loadClientCredential(key.privateKeyFile, "build1", { agentSocket: "/tmp/agent.sock" });
    assert.equal(credential.kind === "agent" ? credential.publicKey?.toString("base64") : null, key.publicLine.split(" ")[1]);
  });

  it("reports a wrong passphrase", () => {
    for (const format of ["openssh", "pem"] as const) {
      const key = generateKeyPair(dir, { type: "ecdsa", format, passphrase: "secret" });
      rejects(key.privateKeyFile, { passphrase: "wrong" }, "key-encrypted", /wrong passphrase/);
    }
  });

  it("explains how to convert a PKCS#8 key", () => {
    const key = generateKeyPair(dir, { type: "rsa", format: "pkcs8" });
    rejects(key.privateKeyFile, {}, "key-format", new RegExp(`PKCS#8 .*ssh-keygen -p -f ${key.privateKeyFile}$`));
  });

  it("reports unreadable, missing and wrong files", () => {
    rejects(join(dir, "missing"), {}, "key-unreadable", /cannot read private key .*missing: no such file/);
    rejects(dir, {}, "key-unreadable", /directory/);
    rejects(null, {}, "key-unreadable", /HOME was unset/);
    const key = generateKeyPair(dir);
    rejects(`${key.privateKeyFile}.pub`, {}, "key-format", /holds a public key, not a private key/);
    const junk = join(dir, "junk");
    writeFileSync(junk, "not a key\n");
    rejects(junk, {}, "key-format", /cannot use private key/);
    if (process.getuid?.() !== 0) {
      chmodSync(key.privateKeyFile, 0);
      rejects(key.privateKeyFile, {}, "key-unreadable", /permission denied/);
    }
  });
});

describe("credentialsFromEnvironment", () => {
  it("takes the passphrase and the agent socket from the variables, empty ones counting as unset", () => {
    assert.deepEqual(credentialsFromEnvironment({ OFFLOAD_KEY_PASSPHRASE: "pw", SSH_AUTH_SOCK: "/tmp/agent" }), {
      passphrase: "pw",
      agentSocket: "/tmp/agent",
    });
    assert.deepEqual(credentialsFromEnvironment({ OFFLOAD_KEY_PASSPHRASE: "", SSH_AUTH_SOCK: "" }), {});
    assert.deepEqual(credentialsFromEnvironment({}), {});
  });
});
