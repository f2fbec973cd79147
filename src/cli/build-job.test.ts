import { test } from "node:test";
import assert from "node:assert/strict";
import { jobElapsedMs, newBuildJob } from "./build-job.ts";

const spec = { name: "a", system: "x86_64-linux", features: [], command: ["true"], env: {}, inputs: [], outputs: [], dir: "/w" };

test("a new job waits and has no time; a started one counts until now, an ended one until its end", () => {
  const job = newBuildJob(spec, "/logs/1-a.log");
  assert.equal(job.phase, "waiting");
  assert.equal(jobElapsedMs(job, 5000), null);
  assert.equal(jobElapsedMs({ startedAt: 1000, endedAt: null }, 5000), 4000);
  assert.equal(jobElapsedMs({ startedAt: 1000, endedAt: 3500 }, 9999), 2500);
});
