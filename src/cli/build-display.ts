/**
 * What `offload build` shows while it runs. On a terminal, a live region
 * redrawn a few times a second (each running job's machine, phase and
 * time); otherwise plain lines, one as each job starts and one as it ends
 * with its machine, phase times and exit status — so a log or CI job shows
 * progress from the first job on.
 *
 * @example
 * import { PassThrough } from "node:stream";
 * import { stripVTControlCharacters } from "node:util";
 * import { newBuildJob } from "./build-job.ts";
 * import { parseJobsFile } from "./jobs-file.ts";
 * const [spec] = parseJobsFile('[{"name": "upper", "command": ["tr", "a-z", "A-Z"]}]', "/work/jobs.json", "x86_64-linux");
 * const phaseMs = { queued: 3, upload: 40, run: 1100, download: 20 };
 * const report = { name: "upper", status: "succeeded", machine: "build1:22", exitCode: 0, killedFor: null, error: null, attempts: [], phaseMs, bytesUp: 2, bytesDown: 2, filesUp: 1 } as const;
 * const job = { ...newBuildJob(spec!, "logs/20261201-152428/1-upper.log"), phase: "done", machine: "build1:22", startedAt: 0, endedAt: 1200, report } as const;
 * // not a terminal: a line as each job starts and ends
 * const stream = new PassThrough();
 * const display = displayFor(stream as unknown as NodeJS.WriteStream, [job]);
 * display.start();
 * display.started(job);
 * display.finished(job);
 * display.stop();
 * stripVTControlCharacters(stream.read().toString()).split("\n");
 * // ["started upper on build1:22",
 * //  "[1/1] upper succeeded on build1:22 in 1.2 s (queued 3 ms, upload 40 ms, run 1.1 s, download 20 ms; exit status 0) (log: logs/20261201-152428/1-upper.log)",
 * //  ""]
 */
import type { ChalkInstance } from "chalk";
import { reachedPhaseTimes } from "../offload/phase-clock.ts";
import { describeProgressBriefly } from "../offload/progress.ts";
import { formatMs } from "../ssh/units.ts";
import { jobElapsedMs, type BuildJob } from "./build-job.ts";
import { colorsFor } from "./output.ts";

/** What the build loop tells a display. */
export interface BuildDisplay {
  start(): void;
  /** The job has a machine and its work begins there. */
  started(job: BuildJob): void;
  finished(job: BuildJob): void;
  note(message: string): void;
  stop(): void;
}

/**
 * The live display on a terminal, plain lines otherwise.
 *
 * @example
 * import { PassThrough } from "node:stream";
 * // a stream that is not a terminal gets plain lines; process.stderr on a terminal, the live region
 * displayFor(new PassThrough() as unknown as NodeJS.WriteStream, []).constructor.name; // "PlainDisplay"
 */
export function displayFor(stream: NodeJS.WriteStream, jobs: readonly BuildJob[]): BuildDisplay {
  return stream.isTTY === true ? new LiveDisplay(stream, jobs) : new PlainDisplay(stream, jobs);
}

/**
 * The line for a job that has just started.
 *
 * @example
 * import { newBuildJob } from "./build-job.ts";
 * import { parseJobsFile } from "./jobs-file.ts";
 * const [spec] = parseJobsFile('[{"name": "upper", "command": ["tr", "a-z", "A-Z"]}]', "/work/jobs.json", "x86_64-linux");
 * startedLine({ ...newBuildJob(spec!, "logs/1-upper.log"), machine: "build1:22" }); // "started upper on build1:22"
 */
export function startedLine(job: BuildJob): string {
  return `started ${job.spec.name} on ${job.machine ?? "?"}`;
}

/**
 * The line for a finished job: outcome, machine, time, phase times, log.
 *
 * @example
 * import { Chalk } from "chalk";
 * import { newBuildJob } from "./build-job.ts";
 * import { parseJobsFile } from "./jobs-file.ts";
 * const [spec] = parseJobsFile('[{"name": "upper", "command": ["tr", "a-z", "A-Z"]}]', "/work/jobs.json", "x86_64-linux");
 * const phaseMs = { queued: 3, upload: 40, run: 1100, download: 20 };
 * const report = { name: "upper", status: "succeeded", machine: "build1:22", exitCode: 0, killedFor: null, error: null, attempts: [], phaseMs, bytesUp: 2, bytesDown: 2, filesUp: 1 } as const;
 * const job = { ...newBuildJob(spec!, "logs/20261201-152428/1-upper.log"), phase: "done", machine: "build1:22", startedAt: 0, endedAt: 1200, report } as const;
 * finishedLine(job, 3, 8, new Chalk({ level: 0 }));
 * // "[3/8] upper succeeded on build1:22 in 1.2 s (queued 3 ms, upload 40 ms, run 1.1 s, download 20 ms; exit status 0) (log: logs/20261201-152428/1-upper.log)"
 */
export function finishedLine(job: BuildJob, done: number, total: number, colors: ChalkInstance): string {
  const r = job.report!;
  const elapsed = jobElapsedMs(job, Date.now());
  const took = elapsed === null ? "" : ` in ${formatMs(elapsed)}`;
  const where = r.machine === null ? "" : ` on ${r.machine}`;
  const what =
    r.status === "succeeded"
      ? colors.green("succeeded")
      : r.status === "failed"
        ? colors.red(`failed (exit status ${r.exitCode})`)
        : colors.red(`${r.status}${r.error === null ? "" : `: ${r.error.message.split("\n")[0]}`}`);
  // "failed" already says its exit status.
  const exit = r.exitCode === null || r.status === "failed" ? "" : `; exit status ${r.exitCode}`;
  const phases =
    r.machine === null
      ? ""
      : ` (${reachedPhaseTimes(r)
          .map(([phase, ms]) => `${phase} ${formatMs(ms)}`)
          .join(", ")}${exit})`;
  return `[${done}/${total}] ${job.spec.name} ${what}${where}${took}${phases} (log: ${job.log})`;
}

/** Plain lines as jobs start and end (not a terminal). */
class PlainDisplay implements BuildDisplay {
  private done = 0;
  private readonly colors: ChalkInstance;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly jobs: readonly BuildJob[],
  ) {
    this.colors = colorsFor(stream);
  }

  start(): void {}

  started(job: BuildJob): void {
    this.stream.write(`${startedLine(job)}\n`);
  }

  finished(job: BuildJob): void {
    this.done++;
    this.stream.write(`${finishedLine(job, this.done, this.jobs.length, this.colors)}\n`);
  }

  note(message: string): void {
    this.stream.write(`offload: ${message}\n`);
  }

  stop(): void {}
}

/** How often the live region is redrawn. */
const REDRAW_MS = 200;

/** A live region at the bottom of the terminal. */
class LiveDisplay implements BuildDisplay {
  private done = 0;
  private drawnLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly colors: ChalkInstance;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly jobs: readonly BuildJob[],
  ) {
    this.colors = colorsFor(stream);
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.draw();
  }

  // The next redraw shows it.
  started(): void {}

  finished(job: BuildJob): void {
    this.done++;
    this.clear();
    this.stream.write(`${finishedLine(job, this.done, this.jobs.length, this.colors)}\n`);
    this.draw();
  }

  note(message: string): void {
    this.clear();
    this.stream.write(`offload: ${message}\n`);
    this.draw();
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private clear(): void {
    if (this.drawnLines > 0) this.stream.write(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    this.clear();
    const running = this.jobs.filter((job) => job.phase !== "waiting" && job.phase !== "done");
    const waiting = this.jobs.filter((job) => job.phase === "waiting").length;
    const rows = Math.max(3, (this.stream.rows || 24) - 3);
    const lines = [this.colors.bold(`${this.done}/${this.jobs.length} done, ${running.length} running, ${waiting} waiting`)];
    const now = Date.now();
    for (const job of running.slice(0, rows)) {
      const elapsed = jobElapsedMs(job, now);
      const transfer = job.progress != null && (job.phase === "upload" || job.phase === "download") ? `  ${describeProgressBriefly(job.progress)}` : "";
      lines.push(
        `  ${(job.spec.name ?? "").slice(0, 30).padEnd(30)}  ${(job.machine ?? "-").padEnd(21)}  ${job.phase.padEnd(8)}  ${elapsed === null ? "" : formatMs(elapsed)}${transfer}`,
      );
    }
    if (running.length > rows) lines.push(this.colors.dim(`  … and ${running.length - rows} more`));
    const width = this.stream.columns || 80;
    this.stream.write(`${lines.map((line) => line.slice(0, Math.max(20, width - 1))).join("\n")}\n`);
    this.drawnLines = lines.length;
  }
}
