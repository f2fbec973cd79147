import { test } from "node:test";
import assert from "node:assert/strict";
import { Chalk } from "chalk";
import type { JobReport } from "../offload/offloader.ts";
import type { BuildJob } from "./build-job.ts";
import { finishedLine, startedLine } from "./build-display.ts";

const plain = new Chalk({ level: 0 });
const spec = { name: "upper", system: "x86_64-linux", features: [], command: ["true"], env: {}, inputs: [], outputs: [], dir: "/w" };
const report: JobReport = {
  name: "upper",
  status: "failed",
  machine: "build1:22",
  exitCode: 3,
  killedFor: null,
  error: null,
  attempts: [],
  phaseMs: { queued: 3, upload: 40, run: 1100, download: 20 },
  bytesUp: 0,
  bytesDown: 0,
  filesUp: 0,
};

test("plain lines say when a job starts and, when it ends, where, how long each phase took and its exit status", () => {
  const job: BuildJob = { spec, log: "/logs/1-upper.log", phase: "done", machine: "build1:22", startedAt: 1000, endedAt: 2500, report };
  assert.equal(startedLine(job), "started upper on build1:22");
  assert.equal(
    finishedLine(job, 3, 8, plain),
    "[3/8] upper failed (exit status 3) on build1:22 in 1.5 s (queued 3 ms, upload 40 ms, run 1.1 s, download 20 ms) (log: /logs/1-upper.log)",
  );
  assert.match(
    finishedLine({ ...job, report: { ...report, status: "succeeded", exitCode: 0 } }, 4, 8, plain),
    /^\[4\/8\] upper succeeded on build1:22 in 1\.5 s \(.*download 20 ms; exit status 0\)/,
  );
});
