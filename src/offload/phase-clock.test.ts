import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PhaseClock, reachedPhaseTimes } from "./phase-clock.ts";

describe("phase clock", () => {
  it("counts time per phase across attempts and remembers which phases were reached", () => {
    let now = 0;
    const clock = new PhaseClock(() => now);
    clock.enter("queued");
    now = 10;
    clock.enter("upload");
    now = 25;
    clock.stop(); // the first attempt failed during the upload
    clock.enter("queued");
    now = 30;
    clock.enter("upload");
    now = 40;
    clock.enter("run");
    now = 100;
    clock.stop();
    clock.add("upload", 5);
    assert.deepEqual(clock.ms, { queued: 15, upload: 30, run: 60, download: 0 });
    assert.deepEqual(clock.reached, ["queued", "upload", "run"]);
  });

  it("counts nothing twice when stopped twice", () => {
    let now = 0;
    const clock = new PhaseClock(() => now);
    clock.enter("run");
    now = 7;
    clock.stop();
    now = 50;
    clock.stop();
    assert.equal(clock.ms.run, 7);
  });
});

describe("reached phase times", () => {
  it("lists only the phases reached, in order, or all of them for a report without the list", () => {
    const phaseMs = { queued: 3, upload: 40, run: 0, download: 0 };
    assert.deepEqual(reachedPhaseTimes({ phaseMs, phasesReached: ["upload", "queued"] }), [
      ["queued", 3],
      ["upload", 40],
    ]);
    assert.equal(reachedPhaseTimes({ phaseMs }).length, 4);
  });
});
