import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readProbe, writeProbe } from "./probe-cache.ts";

const stateDir = mkdtempSync(join(tmpdir(), "offload-probes-"));
after(() => rmSync(stateDir, { recursive: true, force: true }));

describe("probe cache", () => {
  it("returns results only while they are fresh", () => {
    const machine = { name: "b", port: 22 };
    const facts = { load: [0.5, 0.4, 0.3] as const, cores: 8, diskFreeBytes: 123 };
    writeProbe(machine, stateDir, facts, 10_000);
    assert.deepEqual(readProbe(machine, stateDir, 5_000, 14_000)?.facts, { load: [0.5, 0.4, 0.3], cores: 8, diskFreeBytes: 123 });
    assert.equal(readProbe(machine, stateDir, 5_000, 15_001), null);
    assert.equal(readProbe({ name: "b", port: 23 }, stateDir, 5_000, 14_000), null);
  });

  it("keeps the build hook's results (free space of the store) apart from the engine's", () => {
    const machine = { name: "apart", port: 22 };
    writeProbe(machine, stateDir, { load: [0, 0, 0], cores: 1, diskFreeBytes: 7 }, 10_000, "store-probes");
    assert.equal(readProbe(machine, stateDir, 5_000, 10_000), null);
    assert.equal(readProbe(machine, stateDir, 5_000, 10_000, "store-probes")?.facts.diskFreeBytes, 7);
  });

  it("ignores results from the future (clock jumps)", () => {
    const machine = { name: "future", port: 22 };
    writeProbe(machine, stateDir, { load: [0, 0, 0], cores: 1, diskFreeBytes: 1 }, 100_000);
    assert.equal(readProbe(machine, stateDir, 5_000, 10_000), null);
  });
});
