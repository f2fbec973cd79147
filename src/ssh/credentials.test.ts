import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { credentialsFromEnvironment } from "./credentials.ts";

describe("credentials from the environment", () => {
  it("take the passphrase and the agent, an empty value counting as unset", () => {
    assert.deepEqual(credentialsFromEnvironment({ SSH_AUTH_SOCK: "/tmp/agent.sock", OFFLOAD_KEY_PASSPHRASE: "" }), { agentSocket: "/tmp/agent.sock" });
    assert.deepEqual(credentialsFromEnvironment({ OFFLOAD_KEY_PASSPHRASE: "secret" }), { passphrase: "secret" });
    assert.deepEqual(credentialsFromEnvironment({}), {});
  });
});
