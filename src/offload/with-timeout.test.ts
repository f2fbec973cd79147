import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { withTimeout } from "./with-timeout.ts";

describe("withTimeout", () => {
  it("gives the promise's outcome when it comes in time", async () => {
    let stopped = false;
    assert.equal(await withTimeout(Promise.resolve("done"), 60_000, "late", () => (stopped = true)), "done");
    await assert.rejects(withTimeout(Promise.reject(new Error("failed")), 60_000, "late"), /^Error: failed$/);
    assert.equal(stopped, false);
  });

  it("stops what it waited for and rejects with the message when the time is up", async () => {
    let stopped = false;
    await assert.rejects(
      withTimeout(new Promise(() => undefined), 1, "`guix archive --import` did not finish within 0 s", () => (stopped = true)),
      (error: unknown) => error instanceof Error && error.message === "`guix archive --import` did not finish within 0 s",
    );
    assert.equal(stopped, true);
  });
});
