/**
 * Running the commands through the library — `showReport`, `lintFile` and
 * `formatJson`, as the commands call them, without the CLI — in a host
 * process that takes case after case (test/fuzz/library-host.ts), with a
 * watch: the host's heap is capped at the memory limit plus its margin (V8
 * aborts a process that goes over, which a thread could not survive), its
 * peak resident memory and CPU time are measured for each command, and a
 * command still running after the hang budget is stopped. A stopped host is replaced
 * for the next case.
 *
 * @example
 * const runner = new InProcessRunner(limits);
 * const [show, lint] = await runner.run("/tmp/case/machines.scm");
 * await runner.close();
 */
import { fork, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LoadOptions } from "../../src/machines/load.ts";
import type { WorkerMessage, WorkerRequest, WorkerResult } from "./library-host.ts";
import { peakResident } from "./processes.ts";
import type { CommandOutcome, RunLimits } from "./properties.ts";

const MIB = 1024 * 1024;

/**
 * The load options for a run's limits.
 *
 * @example
 * loadOptionsFor({ maxSeconds: 2, maxMemory: 33554432, maxSteps: 1000000, timeMarginMs: 3000, hangMs: 30000, memoryMarginBytes: 1 }); // { maxSeconds: 2, maxMemory: 33554432, maxSteps: 1000000 }
 */
function loadOptionsFor(limits: RunLimits): LoadOptions {
  return { maxSeconds: limits.maxSeconds, maxMemory: limits.maxMemory, maxSteps: limits.maxSteps };
}

type Command = "show" | "lint";

/** Start measuring a process's peak resident memory afresh (Linux: writing 5 to clear_refs resets VmHWM). */
function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // Not resettable here: the peak then covers the host's whole life, an over-estimate.
  }
}

function outcome(command: Command, result: WorkerResult, peakBytes: number): CommandOutcome {
  return {
    command,
    via: "in-process",
    exitCode: result.exitCode,
    signal: null,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: result.ms,
    cpuMs: result.cpuMs,
    peakBytes,
  };
}

/** Why the watch stopped the host, or how it died. */
type Stop = { why: "time" | "memory" | "crash"; detail: string };

function stopped(command: Command, ms: number, stop: Stop): CommandOutcome {
  return {
    command,
    via: "in-process",
    exitCode: null,
    // A host that dies of anything but the watch crashed: a signal-like mark the properties report.
    signal: stop.why === "crash" ? "host-crash" : null,
    stdout: "",
    stderr: stop.detail,
    ms,
    cpuMs: 0,
    peakBytes: 0,
    timedOut: stop.why === "time",
    outOfMemory: stop.why === "memory",
  };
}

/** A host process running cases one at a time. */
export class InProcessRunner {
  private host: ChildProcess | undefined;
  private hostStderr = "";
  /** How many hosts were started (one, unless the watch stopped one or one grew too large). */
  starts = 0;

  constructor(private readonly limits: RunLimits) {}

  /** The host's heap cap: the memory limit plus its margin. */
  private heapCapBytes(): number {
    return this.limits.maxMemory + this.limits.memoryMarginBytes;
  }

  private start(): ChildProcess {
    const heapMb = Math.ceil(this.heapCapBytes() / MIB);
    this.starts++;
    const host = fork(fileURLToPath(new URL("./library-host.ts", import.meta.url)), [], {
      execArgv: ["--import", "tsx", `--max-old-space-size=${heapMb}`],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.hostStderr = "";
    // V8's own account of an abort (heap exhausted) arrives here.
    host.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.hostStderr = (this.hostStderr + chunk).slice(-20_000)));
    return host;
  }

  /**
   * Run show, then lint, on `file`.
   *
   * @example
   * const [show] = await runner.run(file);
   * show.exitCode; // 0 or 1
   */
  run(file: string): Promise<[CommandOutcome, CommandOutcome]> {
    const host = (this.host ??= this.start());
    const budgetMs = this.limits.hangMs;
    return new Promise((resolve) => {
      const results = new Map<Command, CommandOutcome>();
      let current: Command = "show";
      let startedAt = performance.now();
      let timer: NodeJS.Timeout | undefined;
      let heapUsed = 0;
      const finish = () => {
        clearTimeout(timer);
        host.off("message", onMessage);
        host.off("exit", onExit);
        resolve([results.get("show")!, results.get("lint")!]);
      };
      const stop = (why: Stop) => {
        if (results.size === 2) return;
        results.set(current, stopped(current, Math.round(performance.now() - startedAt), why));
        if (!results.has("lint")) results.set("lint", { ...stopped("lint", 0, why), timedOut: false, outOfMemory: false, signal: null, notRun: true });
        this.host = undefined;
        host.kill("SIGKILL");
        finish();
      };
      const onMessage = (message: WorkerMessage) => {
        if (message.type === "started") {
          current = message.command;
          resetPeak(host.pid!);
          startedAt = performance.now();
          clearTimeout(timer);
          timer = setTimeout(() => stop({ why: "time", detail: `stopped after ${budgetMs} ms` }), budgetMs);
          return;
        }
        results.set(message.command, outcome(message.command, message.result, peakResident(host.pid!)));
        heapUsed = Math.max(heapUsed, message.result.heapUsed);
        if (results.size < 2) return;
        // What earlier cases left (interned symbols, a heap V8 keeps) must not slow or fail the next: start afresh.
        if (heapUsed > this.heapCapBytes() / 2) void this.close();
        finish();
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        const heapAbort = /heap out of memory|Reached heap limit/i.test(this.hostStderr);
        stop({ why: heapAbort ? "memory" : "crash", detail: `the host ended (${signal ?? `status ${code}`}): ${this.hostStderr.slice(-2000)}` });
      };
      host.on("message", onMessage);
      host.on("exit", onExit);
      host.send({ file, load: loadOptionsFor(this.limits) } satisfies WorkerRequest);
    });
  }

  /** Stop the host. */
  async close(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    if (!host || host.exitCode !== null || host.signalCode !== null) return;
    const gone = new Promise((resolve) => host.once("exit", resolve));
    host.kill("SIGKILL");
    await gone;
  }
}
