import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { exclusionText, firstLine, NoMachineError, OffloadError } from "./errors.ts";

describe("offload errors", () => {
  it("carries a stable code", () => {
    const error = new OffloadError("transfer-failed", "broken pipe");
    assert.equal(error.code, "transfer-failed");
    assert.ok(error instanceof Error);
  });

  it("explains why no machine can take a job, machine by machine", () => {
    const error = new NoMachineError(
      "aarch64-linux",
      ["kvm"],
      [
        { machine: "a", port: 22, reason: "other-systems", detail: "x86_64-linux" },
        { machine: "b", port: 2222, reason: "unreachable", detail: "connection refused" },
      ],
    );
    assert.equal(error.code, "no-machine");
    assert.equal(
      error.message,
      "no machine for system aarch64-linux with features kvm:\n  a:22: other systems (x86_64-linux)\n  b:2222: unreachable (connection refused)",
    );
    assert.match(new NoMachineError("x", [], []).message, /lists no machines/);
  });

  it("words each reason", () => {
    assert.equal(exclusionText({ machine: "m", port: 1, reason: "busy", detail: "" }), "no free slot");
    assert.equal(exclusionText({ machine: "m", port: 1, reason: "low-disk", detail: "50.0 MiB free" }), "low on disk space (50.0 MiB free)");
  });

  it("keeps the first line of a message for one-line notices", () => {
    assert.equal(firstLine(new Error("host key mismatch\n  expected: x")), "host key mismatch");
    assert.equal(firstLine("plain"), "plain");
  });
});
