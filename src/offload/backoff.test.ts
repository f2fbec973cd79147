import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { activeBackoff, BACKOFF_MAX_MS, backoffDelay, readBackoff, recordFailure, recordSuccess } from "./backoff.ts";

const stateDir = mkdtempSync(join(tmpdir(), "offload-backoff-"));
after(() => rmSync(stateDir, { recursive: true, force: true }));
const machine = { name: "dead.example", port: 22 };

describe("back-off", () => {
  it("doubles the delay per failure, up to a ceiling", () => {
    assert.equal(backoffDelay(1), 10_000);
    assert.equal(backoffDelay(2), 20_000);
    assert.equal(backoffDelay(100), BACKOFF_MAX_MS);
  });

  it("is remembered in the state directory until it expires or the machine answers", () => {
    const now = 1_000_000;
    assert.equal(activeBackoff(machine, stateDir, now), null);
    recordFailure(machine, stateDir, "connection refused", now);
    const second = recordFailure(machine, stateDir, "connection refused again", now);
    assert.equal(second.failures, 2);
    assert.equal(second.until, now + 20_000);
    assert.equal(activeBackoff(machine, stateDir, now + 19_999)?.lastError, "connection refused again");
    assert.equal(activeBackoff(machine, stateDir, now + 20_000), null);
    assert.equal(activeBackoff({ ...machine, port: 2222 }, stateDir, now), null);
    recordSuccess(machine, stateDir);
    assert.equal(readBackoff(machine, stateDir), null);
  });

  it("counts failures of work begun before the last recorded one as the same incident", () => {
    const crashed = { name: "crashed.example", port: 22 };
    const now = 2_000_000;
    const first = recordFailure(crashed, stateDir, "connection lost", now, now - 5_000);
    // Three more jobs that were running there when it crashed report the same loss.
    for (const delay of [10, 20, 30]) assert.deepEqual(recordFailure(crashed, stateDir, "connection lost", now + delay, now - 4_000), first);
    // Work begun after the incident fails anew: a new failure.
    assert.equal(recordFailure(crashed, stateDir, "refused", now + 11_000, now + 10_500).failures, 2);
    recordSuccess(crashed, stateDir);
  });

  it("treats a damaged file as no back-off", () => {
    mkdirSync(join(stateDir, "backoff"), { recursive: true });
    writeFileSync(join(stateDir, "backoff", "broken:22.json"), "{not json");
    assert.equal(readBackoff({ name: "broken", port: 22 }, stateDir), null);
  });
});
