import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { machineKey } from "./machine-key.ts";

describe("machineKey", () => {
  it("is NAME:PORT, as Guix names a machine's slot directory", () => {
    assert.equal(machineKey({ name: "build1.example.org", port: 22 }), "build1.example.org:22");
    assert.equal(machineKey({ name: "127.0.0.1", port: 2222 }), "127.0.0.1:2222");
  });

  it("keeps an IPv6 literal as written, so the port is what follows the last colon", () => {
    assert.equal(machineKey({ name: "::1", port: 22 }), "::1:22");
  });

  it("tells apart machines that differ in name or port only", () => {
    const keys = new Set([machineKey({ name: "a", port: 1 }), machineKey({ name: "a", port: 2 }), machineKey({ name: "b", port: 1 })]);
    assert.equal(keys.size, 3);
  });
});
