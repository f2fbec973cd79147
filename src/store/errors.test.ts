import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DaemonError, SignatureError, StoreError } from "./errors.ts";

describe("store errors", () => {
  it("carry a stable code, and what the daemon said", () => {
    const daemon = new DaemonError("build of `x' failed", 100);
    assert.ok(daemon instanceof StoreError);
    assert.equal(daemon.code, "daemon");
    assert.equal(daemon.status, 100);
    assert.equal(daemon.message, daemon.daemonMessage);
    const signature = new SignatureError("unauthorized-key", "unauthorized public key: (…)", "unauthorized public key");
    assert.equal(signature.code, "signature");
    assert.equal(signature.failure, "unauthorized-key");
    const cause = new Error("ENOENT");
    assert.equal(new StoreError("connection-failed", "failed", { cause }).cause, cause);
  });
});
