import { test } from "node:test";
import assert from "node:assert/strict";
import { Chalk } from "chalk";
import type { JobReport } from "../offload/offloader.ts";
import type { BuildJob } from "./build-job.ts";
import { buildJson, summaryTable } from "./build-summary.ts";

const plain = new Chalk({ level: 0 });
const spec = (name: string) => ({ name, system: "x86_64-linux", features: [], command: ["true"], env: {}, inputs: [], outputs: [], dir: "/w" });
const report = (status: JobReport["status"], exitCode: number | null): JobReport => ({
  name: "x",
  status,
  machine: "build1:22",
  exitCode,
  killedFor: null,
  error: status === "cancelled" ? { code: "cancelled", message: "cancelled" } : null,
  attempts: [],
  phaseMs: { queued: 3, upload: 40, run: 1100, download: 20 },
  bytesUp: 2048,
  bytesDown: 2,
  filesUp: 1,
});
const job = (name: string, r: JobReport | null, startedAt: number | null, endedAt: number | null): BuildJob => ({
  spec: spec(name),
  log: `/logs/${name}.log`,
  phase: "done",
  machine: null,
  startedAt,
  endedAt,
  report: r,
});

test("every column is labelled; a cancelled job shows how long it ran; jobs per machine are named", () => {
  const jobs = [job("upper", report("succeeded", 0), 1000, 2200), job("stopped", report("cancelled", null), 1000, 4500), job("never", null, null, null)];
  const [header, upper, stopped, never, verdict] = summaryTable(jobs, 12_300, plain).trimEnd().split("\n");
  assert.deepEqual(header!.split(/\s{2,}/), ["JOB", "STATUS", "EXIT", "MACHINE", "TIME", "QUEUED", "UPLOAD", "RUN", "DOWNLOAD", "SENT", "RECEIVED"]);
  assert.deepEqual(upper!.split(/\s{2,}/), ["upper", "succeeded", "0", "build1:22", "1.2 s", "3 ms", "40 ms", "1.1 s", "20 ms", "2 KiB", "2 B"]);
  assert.deepEqual(stopped!.split(/\s{2,}/).slice(0, 5), ["stopped", "cancelled", "-", "build1:22", "3.5 s"]);
  assert.deepEqual(never!.split(/\s{2,}/), ["never", "not started", "-", "-", "-", "-", "-", "-", "-", "-", "-"]);
  assert.equal(verdict, "2 of 3 jobs did not succeed in 12.3 s (jobs per machine: build1:22 2)");
});

test("the JSON has a result per job, with how long each ran", () => {
  const json = buildJson([job("upper", report("succeeded", 0), 1000, 2200), job("never", null, null, null)], 1234.4);
  assert.deepEqual([json.total, json.succeeded, json.failed, json["wall-ms"]], [2, 1, 1, 1234]);
  assert.equal(json.jobs[0]!["elapsed-ms"], 1200);
  assert.deepEqual(json.jobs[1]!.error, { code: "cancelled", message: "not started" });
  assert.equal(json.jobs[1]!["elapsed-ms"], null);
});
