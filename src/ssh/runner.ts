/**
 * The client side of a long-lived remote runner (remote-shell.ts's
 * `runnerScript`): one channel whose shell runs scripts on request, one at a
 * time. A job through a runner costs no new SSH session and no login shell;
 * its output still streams live, its control lines (signals, stop) reach
 * its supervisor, and its end arrives as a status line the client takes off
 * the output. Runners are leased: a lease runs any number of scripts, and
 * its end makes the runner remove the scratch directories its jobs left.
 *
 * @example
 * import { RemoteRunner } from "./runner.ts";
 * const runner = await RemoteRunner.start(session);
 * const job = runner.run("plain", "uname -m");
 * job.stdout.pipe(process.stdout);
 * await job.exit; // how the script ended, e.g. code 0 and signal null
 * await runner.release();
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { lostConnection } from "./connect.ts";
import { SshError } from "./errors.ts";
import { collectOutput, forwardedSignal, splitAtStartLine, type ExitStatus, type RemoteProcess, type SupervisedProcess } from "./remote-process.ts";
import { DAMAGED_STATUS, runnerScript, STOP_LINE } from "./remote-shell.ts";
import type { ScriptHost, ScriptOptions, ScriptResult } from "./script-host.ts";
import type { SshSession } from "./session.ts";
import { formatMs } from "./units.ts";

const SAFE_ID = /^[A-Za-z0-9_.-]+$/;
const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** What {@link RemoteRunner.run} runs: a supervised job (control lines reach it) or a plain script (no input). */
export type RunnerScriptKind = "job" | "plain";

/**
 * One stream of the runner's channel, cut into segments: each script's
 * output runs until its end line (`TOKEN-end STATUS`), which is taken off.
 */
class Segmenter {
  private buffer: Buffer = Buffer.alloc(0);
  private current: { marker: Buffer; out: Readable; done: (status: string | null) => void } | null = null;
  private ended = false;

  constructor(private readonly source: Readable) {
    source.on("data", (chunk: Buffer) => this.take(chunk));
    source.once("end", () => this.finish());
    source.once("close", () => this.finish());
  }

  /**
   * The output of the script whose end line starts with `marker`; `status`
   * settles with what follows it on that line (null if the stream ended first).
   */
  segment(marker: string): { output: Readable; status: Promise<string | null> } {
    if (this.current !== null) throw new Error("a runner runs one script at a time");
    let settle!: (status: string | null) => void;
    const status = new Promise<string | null>((resolve) => (settle = resolve));
    const out = new Readable({ read: () => this.source.resume() });
    if (this.ended) {
      out.push(null);
      settle(null);
      return { output: out, status };
    }
    this.current = {
      marker: Buffer.from(`${marker} `),
      out,
      done: (value) => {
        this.current = null;
        out.push(null);
        settle(value);
      },
    };
    if (this.buffer.length > 0) {
      const pending = this.buffer;
      this.buffer = Buffer.alloc(0);
      this.take(pending);
    }
    return { output: out, status };
  }

  private take(chunk: Buffer): void {
    let data = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.buffer = Buffer.alloc(0);
    while (data.length > 0) {
      const current = this.current;
      if (current === null) {
        // Between scripts nothing is expected; keep it (bounded) for the next one's search.
        this.buffer = data.length > 1 << 20 ? data.subarray(data.length - (1 << 20)) : data;
        return;
      }
      const at = data.indexOf(current.marker);
      if (at < 0) {
        // Keep back only what could be the start of a marker split across chunks: output must not wait.
        const keep = partialMarkerAtEnd(data, current.marker);
        const pass = data.subarray(0, data.length - keep);
        if (pass.length > 0 && !current.out.push(pass)) this.source.pause();
        this.buffer = data.subarray(data.length - keep);
        return;
      }
      const newline = data.indexOf(0x0a, at + current.marker.length);
      if (newline < 0) {
        if (at > 0 && !current.out.push(data.subarray(0, at))) this.source.pause();
        this.buffer = data.subarray(at);
        return;
      }
      if (at > 0) current.out.push(data.subarray(0, at));
      const status = data.subarray(at + current.marker.length, newline).toString("latin1");
      data = data.subarray(newline + 1);
      current.done(status);
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    const current = this.current;
    if (current === null) return;
    if (this.buffer.length > 0) current.out.push(this.buffer);
    this.buffer = Buffer.alloc(0);
    current.done(null);
  }
}

/** The length of the longest end of `data` that is a beginning of `marker` (shorter than it). */
function partialMarkerAtEnd(data: Buffer, marker: Buffer): number {
  for (let length = Math.min(data.length, marker.length - 1); length > 0; length--) {
    if (data.subarray(data.length - length).equals(marker.subarray(0, length))) return length;
  }
  return 0;
}

/** A runner on one channel. */
export class RemoteRunner {
  private readonly stdout: Segmenter;
  private readonly stderr: Segmenter;
  private busy = false;
  private broken = false;
  private leasedIds: string[] = [];

  private constructor(
    private readonly session: SshSession,
    private readonly channel: RemoteProcess,
  ) {
    this.stdout = new Segmenter(channel.stdout);
    this.stderr = new Segmenter(channel.stderr);
    channel.exit.then(
      () => (this.broken = true),
      () => (this.broken = true),
    );
    channel.stdin.on("error", () => (this.broken = true));
  }

  /**
   * Start a runner on `session` (its login shell runs once, here). Rejects
   * when the remote shell did not start it.
   */
  static async start(session: SshSession): Promise<RemoteRunner> {
    const channel = await session.exec(["sh", "-c", runnerScript()], { stdin: "pipe" });
    if (!(await channel.started)) {
      channel.close();
      throw new SshError("remote-command-failed", session.machine.name, `the runner did not start on ${session.machine.name}`);
    }
    return new RemoteRunner(session, channel);
  }

  /**
   * A runner on a channel whose runner has started already (a connection holder's).
   *
   * @example
   * const runner = RemoteRunner.adopt(session, rawProcess(channel, exit));
   */
  static adopt(session: SshSession, channel: RemoteProcess): RemoteRunner {
    return new RemoteRunner(session, channel);
  }

  /** True while the runner can take a script (it has not broken, and is not running one). */
  get idle(): boolean {
    return !this.busy && !this.broken && !this.session.closed;
  }

  /** True once the runner cannot be used again. */
  get closed(): boolean {
    return this.broken || this.session.closed;
  }

  /**
   * Run `script`: a supervised job script (its start line, control lines
   * and stop as remote-shell.ts says; `token` is its start line) or a plain
   * one. `jobId` names the job scratch directory the lease owns, if any.
   *
   * @example
   * const job = runner.run("job", jobScript({ …, token, underRunner: true }), token, jobId);
   * job.signal("INT");
   */
  run(kind: RunnerScriptKind, script: string, token: string = newToken(), jobId?: string): SupervisedProcess {
    if (!this.idle) throw new Error("the runner is busy or closed");
    if (jobId !== undefined && !SAFE_ID.test(jobId)) throw new TypeError(`not a job id: ${JSON.stringify(jobId)}`);
    this.busy = true;
    if (jobId !== undefined) this.leasedIds.push(jobId);
    const request = newToken();
    const out = this.stdout.segment(`${request}-end`);
    const err = this.stderr.segment(`${request}-end`);
    // A leading newline ends whatever a late control line left unfinished.
    // The length lets the runner refuse a script that lost a byte on the way rather than run what is left of it.
    this.channel.stdin.write(`\n${kind === "job" ? "J" : "P"} ${request} ${jobId ?? "-"} ${Buffer.byteLength(script) + 1}\n${script}\n${request}\n`);
    const exit = Promise.all([out.status, err.status]).then(([status]) => {
      this.busy = false;
      if (status === null) throw this.lostError();
      if (status === DAMAGED_STATUS) {
        this.close();
        throw this.lostError("a script reached the runner damaged");
      }
      const code = Number(status);
      return { code: Number.isInteger(code) ? code : null, signal: null } satisfies ExitStatus;
    });
    exit.catch(() => undefined);
    const stderr =
      kind === "job"
        ? splitAtStartLine(err.output, token, "set-up")
        : { output: err.output, found: Promise.resolve(true), before: Promise.resolve(Buffer.alloc(0)) };
    const stdin = this.channel.stdin;
    const control = (line: string): void => {
      if (this.busy && !stdin.writableEnded && !this.broken) stdin.write(`${line}\n`);
    };
    return {
      stdout: out.output,
      stderr: stderr.output,
      exit,
      started: stderr.found,
      preamble: Promise.resolve(Buffer.alloc(0)),
      setupOutput: stderr.before,
      stop: () => control(STOP_LINE),
      signal: (name: string) => control(forwardedSignal(name)),
      close: () => this.close(),
    };
  }

  /**
   * End the lease: the runner removes the scratch directories its jobs
   * left (one never downloaded) and waits for the next. Resolves when it
   * has; rejects if the runner is gone.
   */
  async release(): Promise<void> {
    if (this.leasedIds.length === 0) return;
    if (!this.idle) throw new Error("the runner is busy or closed");
    this.busy = true;
    const request = newToken();
    const out = this.stdout.segment(`${request}-end`);
    const err = this.stderr.segment(`${request}-end`);
    out.output.resume();
    err.output.resume();
    this.channel.stdin.write(`\nR ${request}\n`);
    const [status] = await Promise.all([out.status, err.status]);
    this.busy = false;
    if (status === null) throw this.lostError();
    this.leasedIds = [];
  }

  /**
   * This runner as a ScriptHost (script-host.ts), for the engine's scripts and jobs.
   *
   * @example
   * await scriptOutput(runner.host(), "echo hi"); // run by the runner's shell: no new channel, no login shell
   */
  host(): ScriptHost {
    return {
      machine: this.session.machine,
      underRunner: true,
      runScript: async (script, options) => this.collect(this.run("plain", script), options ?? {}),
      startScript: async (script) => this.run("plain", script),
      startJob: async (script, token, jobId) => this.run("job", script, token, jobId),
      forgetJob: (jobId) => {
        this.leasedIds = this.leasedIds.filter((id) => id !== jobId);
      },
    };
  }

  /** A plain script's output and status; a timeout or too much output closes the runner (the script is stopped with it). */
  private collect(child: SupervisedProcess, options: ScriptOptions): Promise<ScriptResult> {
    const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const machine = this.session.machine;
    return new Promise<ScriptResult>((resolve, reject) => {
      let failed = false;
      const fail = (error: SshError): void => {
        if (failed) return;
        failed = true;
        clearTimeout(timer);
        this.close();
        reject(error);
      };
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => fail(new SshError("timeout", machine.name, `a script on ${machine.name} did not finish within ${formatMs(options.timeoutMs!)}`)),
              options.timeoutMs,
            );
      const gather = (stream: Readable, name: string): Promise<Buffer> =>
        collectOutput(stream, limit, () =>
          fail(new SshError("remote-command-failed", machine.name, `${name} of a script on ${machine.name} exceeded ${limit} bytes`)),
        );
      Promise.all([gather(child.stdout, "stdout"), gather(child.stderr, "stderr"), child.exit]).then(
        ([stdout, stderr, status]) => {
          if (failed) return;
          clearTimeout(timer);
          resolve({ stdout, stderr, ...status });
        },
        (error: unknown) => fail(error instanceof SshError ? error : this.lostError()),
      );
    });
  }

  /**
   * Close the runner's channel: a job still running is stopped (its
   * supervisor sees the end of its input), the lease's directories removed.
   */
  close(): void {
    this.broken = true;
    this.channel.close();
  }

  private lostError(why = "the runner's channel closed"): SshError {
    return lostConnection(this.session.machine, new Error(why));
  }
}

function newToken(): string {
  return `offload-run-${randomBytes(12).toString("hex")}`;
}
