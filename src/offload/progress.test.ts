import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { describeProgress, describeProgressBriefly, ProgressMeter, type TransferProgress } from "./progress.ts";

describe("transfer progress", () => {
  it("reports at the start, a few times a second at most, and once at the end", () => {
    let now = 0;
    const reports: TransferProgress[] = [];
    const meter = new ProgressMeter(
      "download",
      1000,
      (p) => reports.push(p),
      () => now,
    );
    for (let i = 0; i < 10; i++) {
      now += 30;
      meter.add(100);
    }
    meter.finish();
    meter.finish();
    assert.deepEqual(
      reports.map((p) => [p.bytes, p.elapsedMs, p.done]),
      [
        [0, 0, false],
        [400, 120, false],
        [800, 240, false],
        [1000, 300, true],
      ],
    );
  });

  it("reads as bytes of total, rate and time left", () => {
    const progress = { direction: "upload" as const, bytes: 50 << 20, totalBytes: 200 << 20, elapsedMs: 1000, done: false };
    assert.equal(describeProgress(progress), "upload 50 MiB of 200 MiB, 50 MiB/s, 3 s left");
    assert.equal(describeProgress({ ...progress, bytes: 200 << 20, elapsedMs: 4000, done: true }), "upload 200 MiB of 200 MiB, 50 MiB/s, took 4 s");
    assert.equal(describeProgress({ ...progress, bytes: 0, elapsedMs: 0 }), "upload 0 B of 200 MiB");
    assert.equal(describeProgressBriefly(progress), "25% of 200 MiB, 3 s left");
  });
});
