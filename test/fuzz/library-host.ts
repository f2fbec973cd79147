/**
 * The fuzzer's library host: a child process that runs `show --json` and
 * `lint --format json` on case after case by calling the library functions
 * the commands call (showReport; lintFile and formatJson) — no CLI, no
 * output captured — and sends what the commands would print and their exit
 * status. A JavaScript exception (not a Scheme error) is a crash, sent with
 * its stack. Started by in-process.ts; being a process of its own, a V8 heap
 * abort here is a failure the fuzzer records, not the end of the fuzzer.
 *
 * @example
 * // parent: host.send({ file: "/tmp/case/machines.scm", load }); then "started" and "result" for show, then for lint
 */
import { formatJson } from "../../src/lint/formats/json.ts";
import { lintFile } from "../../src/lint/linter.ts";
import { countSeverities } from "../../src/lint/diagnostic.ts";
import type { LoadOptions } from "../../src/machines/load.ts";
import { showReport } from "../../src/machines/report.ts";

/** A request: the machines file and the limits to read it under. */
export interface WorkerRequest {
  file: string;
  load: LoadOptions;
}

/** What one command printed, as the CLI would print it. */
export interface WorkerResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** CPU time the command used. */
  cpuMs: number;
  /** The host's heap in use after the command (garbage included). */
  heapUsed: number;
}

/** Messages to the parent: each command starting (for the watch), then its result. */
export type WorkerMessage = { type: "started"; command: "show" | "lint" } | { type: "result"; command: "show" | "lint"; result: WorkerResult };

function timed(run: () => { exitCode: number; stdout: string }): WorkerResult {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const cpuMs = () => {
    const used = process.cpuUsage(cpu);
    return Math.round((used.user + used.system) / 1000);
  };
  try {
    const { exitCode, stdout } = run();
    return { exitCode, stdout, stderr: "", ms: Math.round(performance.now() - start), cpuMs: cpuMs(), heapUsed: process.memoryUsage().heapUsed };
  } catch (error) {
    // What the CLI would show for an exception it does not expect: the bug, with its stack.
    const stderr = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { exitCode: 1, stdout: "", stderr, ms: Math.round(performance.now() - start), cpuMs: cpuMs(), heapUsed: process.memoryUsage().heapUsed };
  }
}

function runShow(request: WorkerRequest): { exitCode: number; stdout: string } {
  const report = showReport(request.file, request.load);
  return { exitCode: "error" in report ? 1 : 0, stdout: `${JSON.stringify(report, null, 2)}\n` };
}

function runLint(request: WorkerRequest): { exitCode: number; stdout: string } {
  const report = lintFile(request.file, { load: request.load, ruleLevels: new Map(), allowSystems: [], checkFiles: false });
  return { exitCode: countSeverities([report]).errorCount > 0 ? 1 : 0, stdout: formatJson([report]) };
}

/** Send, and wait until it is sent: a command that then blocks the host must not hold back what came before it. */
function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, undefined, undefined, (error) => (error ? reject(error) : resolve())));
}

process.on("message", async (request: WorkerRequest) => {
  for (const [command, run] of [
    ["show", runShow],
    ["lint", runLint],
  ] as const) {
    await send({ type: "started", command });
    await send({ type: "result", command, result: timed(() => run(request)) });
  }
});
