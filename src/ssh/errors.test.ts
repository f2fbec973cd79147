import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errorMessage, HostKeyMismatchError, SshError } from "./errors.ts";

const expected = { type: "ssh-ed25519", base64: "AAAAexpected", fingerprint: "SHA256:expected" };
const presented = { type: "ssh-ed25519", base64: "AAAApresented", fingerprint: "SHA256:presented" };

describe("SshError", () => {
  it("carries a stable code, the machine and the stage", () => {
    const error = new SshError("refused", "build1", "connection refused", { stage: "tcp" });
    assert.equal(error.code, "refused");
    assert.equal(error.machine, "build1");
    assert.equal(error.stage, "tcp");
    assert.equal(error.name, "SshError");
    assert.ok(error instanceof Error);
  });
});

describe("HostKeyMismatchError", () => {
  it("shows both keys with fingerprints and the line to edit", () => {
    const error = new HostKeyMismatchError({
      machine: "build1",
      address: "build1:22",
      expected,
      presented,
      pinnedTypeOffered: true,
      offeredTypes: [],
      location: { file: "/etc/guix/machines.scm", line: 12, column: 3 },
    });
    assert.equal(error.code, "host-key-mismatch");
    assert.equal(error.stage, "host-key");
    assert.ok(error instanceof SshError);
    assert.match(error.message, /refused before authentication/);
    assert.match(error.message, /expected: {2}ssh-ed25519 AAAAexpected \(SHA256:expected\)/);
    assert.match(error.message, /presented: ssh-ed25519 AAAApresented \(SHA256:presented\)/);
    assert.match(error.message, /\/etc\/guix\/machines\.scm:12:3/);
  });

  it("says when the server has no key of the pinned type", () => {
    const error = new HostKeyMismatchError({
      machine: "build1",
      address: "build1:22",
      expected: { ...expected, type: "ssh-rsa" },
      presented,
      pinnedTypeOffered: false,
      offeredTypes: ["ssh-ed25519"],
      location: null,
    });
    assert.match(error.message, /has no ssh-rsa host key \(it offers ssh-ed25519\)/);
    assert.match(error.message, /machines\.scm$/);
  });
});

describe("errorMessage", () => {
  it("reads errors and other thrown values", () => {
    assert.equal(errorMessage(new Error("boom")), "boom");
    assert.equal(errorMessage("text"), "text");
  });
});
