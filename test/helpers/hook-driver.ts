/**
 * Plays guix-daemon's part of the build-hook protocol for tests, as
 * nix/libstore/build.cc does it (and as recorded on a real daemon, see
 * fixtures/hook/README.md):
 *
 * - the hook is started as `PROGRAM offload SYSTEM MAX-SILENT-TIME
 *   PRINT-BUILD-TRACE BUILD-TIMEOUT` in its own session with cwd `/`, stdin a
 *   pipe for requests, stdout and stderr one pipe for replies, fd 4 a pipe
 *   for the build log. Real pipes (FIFOs), not the socket pairs Node gives
 *   children: the daemon uses pipe(2), and a hook may tell them apart
 *   (opening /dev/stdin fails on a socket). A shell opens them and makes fd 2
 *   the same pipe as fd 1, as the daemon's dup2 does;
 * - a request is `AM-WILLING SYSTEM DRV FEATURES`; lines up to the first
 *   `# ` line are messages for the user; the reply must be `# accept`,
 *   `# decline` or `# postpone` (anything else is the daemon's "bad hook
 *   reply"; EOF is "unexpected EOF reading a line");
 * - after `# accept`: one line with every input path and one with the
 *   missing outputs (each with a trailing space), then stdin is closed and
 *   the next request goes to a new hook process; a hook that declined or
 *   postponed is asked the next request;
 * - a postponed build is asked again after the poll interval (5 s in the
 *   daemon);
 * - the exit status: 0 success (the driver then registers the outputs in the
 *   local store, as registerOutputs does), 100 build failure, 101 timeout,
 *   anything else a transient failure.
 *
 * @example
 * import { HookDriver } from "../helpers/hook-driver.ts";
 * const driver = new HookDriver({ program: ["bin/offload-guix"], env, store: local });
 * const result = await driver.build(drvPath);
 * result.outcome; // "built", "declined", "failed" …
 * await driver.close();
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { open, readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { parseDerivation } from "../../src/store/derivation.ts";
import { canonicalise, scanForReferences } from "./store-server/builder.ts";
import type { StoreServer } from "./store-server.ts";
import { tempDir } from "./temp-dir.ts";

/** Open one end of a FIFO (waiting for the other end) as a non-blocking stream. */
function openPipe(path: string, mode: "r" | "w"): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    open(path, mode, (error, fd) => {
      if (error !== null) reject(error);
      else resolve(new net.Socket({ fd, readable: mode === "r", writable: mode === "w" }));
    });
  });
}

/** Resolves when a read pipe has ended or closed. */
function ended(pipe: net.Socket): Promise<void> {
  if (pipe.readableEnded || pipe.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    pipe.once("end", resolve);
    pipe.once("close", resolve);
  });
}

/** The daemon's settings passed as the hook's arguments. */
export interface HookSettings {
  system: string;
  maxSilentTime: number;
  printBuildTrace: boolean;
  buildTimeout: number;
}

/** The daemon's defaults (globals.cc), as a real daemon passed them: `x86_64-linux 3600 1 86400`. */
export const DAEMON_DEFAULTS: Omit<HookSettings, "system"> = { maxSilentTime: 3600, printBuildTrace: true, buildTimeout: 86400 };

/** One request. */
export interface HookRequestLine {
  amWilling: boolean;
  system: string;
  drvPath: string;
  features: readonly string[];
}

/** An answer to one request. */
export interface HookAnswer {
  reply: "accept" | "decline" | "postpone";
  /** Lines the hook printed before the reply (they reach the user). */
  messages: string[];
}

/** How an accepted build's hook ended. */
export interface HookExit {
  status: number | null;
  signal: NodeJS.Signals | null;
  /** Reply-pipe lines after the reply. */
  messages: string[];
  /** What the hook wrote on fd 4. */
  log: Buffer;
}

/**
 * A protocol violation by the hook, worded as the daemon words it.
 *
 * @example
 * throw new HookProtocolError("unexpected EOF reading a line");
 */
export class HookProtocolError extends Error {
  override readonly name = "HookProtocolError";
}

/**
 * One hook process, as the daemon's `Agent`.
 *
 * @example
 * const agent = HookAgent.start(["bin/offload-guix"], settings, env);
 * const answer = await agent.ask(request);
 */
export class HookAgent {
  private readonly lines: string[] = [];
  private partial = "";
  private ended = false;
  private waiting: (() => void) | null = null;
  private readonly logChunks: Buffer[] = [];
  private readonly exited: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
  /** Every line the hook wrote on its reply pipe, in order (replies included). */
  readonly transcript: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    private readonly requests: Promise<net.Socket>,
    replies: Promise<net.Socket>,
    log: Promise<net.Socket>,
  ) {
    const opened = Promise.all([requests, replies, log]);
    void replies.then(
      (pipe) => {
        pipe.on("data", (chunk: Buffer) => this.take(chunk.toString("utf8")));
        pipe.on("end", () => this.finish());
        pipe.on("error", () => this.finish());
      },
      () => this.finish(),
    );
    void log.then(
      (pipe) => {
        pipe.on("data", (chunk: Buffer) => this.logChunks.push(chunk));
        pipe.on("error", () => undefined);
      },
      () => undefined,
    );
    void requests.then(
      (pipe) => pipe.on("error", () => undefined),
      () => undefined,
    );
    const exit = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (status, signal) => resolve({ status, signal })),
    );
    // The pipes' ends come after the exit: wait for them too, at most 10 s (a child that died
    // before opening its ends would leave our opens waiting).
    this.exited = exit.then(async (status) => {
      const drained = Promise.all([replies.then((pipe) => ended(pipe)), log.then((pipe) => ended(pipe))]).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
      clearTimeout(timer);
      return status;
    });
    opened.catch(() => undefined);
  }

  /**
   * Start a hook as the daemon does.
   *
   * @example
   * const agent = HookAgent.start(["/path/to/offload-guix"], { system: "x86_64-linux", ...DAEMON_DEFAULTS }, process.env);
   */
  static start(program: readonly string[], settings: HookSettings, env: NodeJS.ProcessEnv): HookAgent {
    const args = ["offload", settings.system, String(settings.maxSilentTime), settings.printBuildTrace ? "1" : "0", String(settings.buildTimeout)];
    const dir = tempDir("offload-hook-pipes-");
    const [requests, replies, log] = ["requests", "replies", "log"].map((name) => join(dir, name)) as [string, string, string];
    execFileSync("mkfifo", ["-m", "0600", requests, replies, log]);
    const child = spawn("/bin/sh", ["-c", 'r=$1 o=$2 l=$3; shift 3; exec "$@" <"$r" >"$o" 2>&1 4>"$l"', "sh", requests, replies, log, ...program, ...args], {
      cwd: "/",
      env,
      detached: true,
      stdio: "ignore",
    });
    // Each open waits (in the thread pool) for the child's shell to open the other end.
    return new HookAgent(child, openPipe(requests, "w"), openPipe(replies, "r"), openPipe(log, "r"));
  }

  /** The process id (for killing it in tests). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /**
   * Send a request and read the reply.
   *
   * @example
   * const { reply, messages } = await agent.ask({ amWilling: true, system: "x86_64-linux", drvPath, features: [] });
   */
  async ask(request: HookRequestLine): Promise<HookAnswer> {
    (await this.requests).write(`${request.amWilling ? 1 : 0} ${request.system} ${request.drvPath} ${request.features.join(",")}\n`);
    const messages: string[] = [];
    // Bounded by the hook's output, which ends when it exits.
    for (;;) {
      const line = await this.nextLine();
      if (line === null) throw new HookProtocolError("unexpected EOF reading a line");
      if (!line.startsWith("# ")) {
        messages.push(line);
        continue;
      }
      const reply = line.slice(2);
      if (reply !== "accept" && reply !== "decline" && reply !== "postpone") throw new HookProtocolError(`bad hook reply \`${reply}'`);
      return { reply, messages };
    }
  }

  /**
   * After `# accept`: the inputs line, the outputs line, then close stdin.
   *
   * @example
   * await agent.sendJob(inputs, outputs);
   */
  async sendJob(inputs: readonly string[], outputs: readonly string[]): Promise<void> {
    const list = (paths: readonly string[]): string => paths.map((path) => `${path} `).join("");
    (await this.requests).end(`${list(inputs)}\n${list(outputs)}\n`);
  }

  /**
   * Write raw bytes on the request pipe (for garbage), ending it if `end`.
   *
   * @example
   * await agent.writeRequests("hello daemon\n", true);
   */
  async writeRequests(text: string, end = false): Promise<void> {
    const pipe = await this.requests;
    if (end) pipe.end(text);
    else pipe.write(text);
  }

  /**
   * Close the request pipe (what a daemon worker does when it ends).
   *
   * @example
   * agent.closeRequests();
   */
  closeRequests(): void {
    void this.requests.then(
      (pipe) => pipe.end(),
      () => undefined,
    );
  }

  /**
   * Wait for the hook to exit (bounded by `timeoutMs`; then it is killed).
   *
   * @example
   * const { status, log } = await agent.wait(60_000);
   */
  async wait(timeoutMs = 120_000): Promise<HookExit> {
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const { status, signal } = await this.exited;
    clearTimeout(timer);
    const messages: string[] = [];
    for (let line = await this.nextLine(); line !== null; line = await this.nextLine()) messages.push(line);
    return { status, signal, messages, log: Buffer.concat(this.logChunks) };
  }

  /**
   * Kill the hook's whole session (as the daemon does when a build is cancelled).
   *
   * @example
   * agent.kill();
   */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // Already gone.
    }
  }

  private take(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop()!;
    for (const line of parts) {
      this.lines.push(line);
      this.transcript.push(line);
    }
    this.wake();
  }

  private finish(): void {
    this.ended = true;
    if (this.partial !== "") {
      this.lines.push(this.partial);
      this.transcript.push(this.partial);
      this.partial = "";
    }
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }

  private async nextLine(): Promise<string | null> {
    // Bounded by the pipe, which ends when the hook exits.
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }
}

/** How one build went. */
export type BuildOutcome =
  | { outcome: "declined"; answers: HookAnswer[] }
  | { outcome: "built" | "failed" | "timed-out" | "hook-failed"; answers: HookAnswer[]; exit: HookExit; agent: HookAgent };

/** Options of the driver. */
export interface HookDriverOptions {
  /** The hook program, e.g. `[".../bin/offload-guix"]`. */
  program: readonly string[];
  env: NodeJS.ProcessEnv;
  /** The local daemon (paths, references, registration of outputs). */
  store: StoreServer;
  settings?: Partial<HookSettings>;
  /** The daemon's build-poll-interval, in ms (default 5000). */
  pollIntervalMs?: number;
  /** Whether the daemon says it could build locally (the request's first field); default true. */
  amWilling?: boolean;
  /** Give up on a build postponed longer than this (default 120 s). */
  maxWaitMs?: number;
}

/**
 * The daemon's worker: asks one hook (reused while it declines or
 * postpones) about each build, re-asks postponed builds every poll
 * interval, hands accepted builds their inputs and outputs, and registers
 * their outputs when the hook succeeds.
 *
 * @example
 * const driver = new HookDriver({ program, env, store: local });
 * const results = await Promise.all(drvs.map((drv) => driver.build(drv)));
 */
export class HookDriver {
  private agent: HookAgent | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Every hook process started, in order. */
  readonly agents: HookAgent[] = [];

  constructor(private readonly options: HookDriverOptions) {}

  /** The request line the daemon would write for `drvPath`. */
  request(drvPath: string): HookRequestLine {
    const drv = parseDerivation(readFileSync(this.options.store.physical(drvPath), "utf8"));
    const features = (drv.env.get("requiredSystemFeatures") ?? "").split(/\s+/).filter((feature) => feature !== "");
    return { amWilling: this.options.amWilling ?? true, system: drv.platform, drvPath, features };
  }

  /**
   * Offer `drvPath` to the hook until it accepts or declines; after an
   * accept, wait for the hook and register the outputs on success.
   *
   * @example
   * const result = await driver.build(drvPath);
   */
  async build(drvPath: string): Promise<BuildOutcome> {
    const answers: HookAnswer[] = [];
    const deadline = Date.now() + (this.options.maxWaitMs ?? 120_000);
    // Bounded by maxWaitMs: each postponed round waits a poll interval.
    for (;;) {
      const { answer, agent } = await this.exclusive(() => this.askOnce(drvPath));
      answers.push(answer);
      if (answer.reply === "decline") return { outcome: "declined", answers };
      if (answer.reply === "accept") return this.finishAccepted(drvPath, agent, answers);
      if (Date.now() > deadline) throw new Error(`${drvPath} was postponed for more than ${this.options.maxWaitMs ?? 120_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, this.options.pollIntervalMs ?? 5_000));
    }
  }

  /**
   * Close the request pipe of the idle hook (it then exits 0) and wait for it.
   *
   * @example
   * await driver.close();
   */
  async close(): Promise<HookExit | null> {
    const idle = this.agent;
    this.agent = null;
    if (idle === null) return null;
    idle.closeRequests();
    return idle.wait(30_000);
  }

  /** The daemon's worker asks one request at a time. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async askOnce(drvPath: string): Promise<{ answer: HookAnswer; agent: HookAgent }> {
    const settings: HookSettings = { system: this.options.store.system, ...DAEMON_DEFAULTS, ...this.options.settings };
    if (this.agent === null) {
      this.agent = HookAgent.start(this.options.program, settings, this.options.env);
      this.agents.push(this.agent);
    }
    const agent = this.agent;
    let answer: HookAnswer;
    try {
      answer = await agent.ask(this.request(drvPath));
    } catch (error) {
      this.agent = null;
      agent.kill();
      throw error;
    }
    if (answer.reply === "accept") {
      this.agent = null;
      await agent.sendJob(this.inputs(drvPath), this.missingOutputs(drvPath));
    }
    return { answer, agent };
  }

  private async finishAccepted(drvPath: string, agent: HookAgent, answers: HookAnswer[]): Promise<BuildOutcome> {
    const exit = await agent.wait();
    if (exit.status === 0) {
      await registerOutputs(this.options.store, drvPath, this.inputs(drvPath), this.missingOutputs(drvPath));
      return { outcome: "built", answers, exit, agent };
    }
    const outcome = exit.status === 100 ? "failed" : exit.status === 101 ? "timed-out" : "hook-failed";
    return { outcome, answers, exit, agent };
  }

  /** The inputs line: the derivation's closure and its inputs' closures. */
  inputs(drvPath: string): string[] {
    const store = this.options.store;
    const drv = parseDerivation(readFileSync(store.physical(drvPath), "utf8"));
    const roots = [drvPath, ...drv.inputSrcs];
    for (const [input, outputNames] of drv.inputDrvs) {
      const inputDrv = parseDerivation(readFileSync(store.physical(input), "utf8"));
      for (const name of outputNames) roots.push(inputDrv.outputs.get(name)!.path);
    }
    return closure(store, roots);
  }

  /** The outputs line: the outputs not valid yet. */
  missingOutputs(drvPath: string): string[] {
    const drv = parseDerivation(readFileSync(this.options.store.physical(drvPath), "utf8"));
    return [...drv.outputs.values()].map((output) => output.path).filter((path) => this.options.store.pathInfo(path) === undefined);
  }
}

/** `roots` and everything they refer to, from the store's database. */
function closure(store: StoreServer, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  // Bounded by the store's paths: each is visited once.
  while (stack.length > 0) {
    const path = stack.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    for (const reference of store.pathInfo(path)?.references ?? []) stack.push(reference);
  }
  return [...seen];
}

/**
 * What the daemon does once a hook exits 0 (registerOutputs): each output
 * must exist; it is canonicalised, scanned for references among the inputs
 * and outputs, and registered with the derivation as deriver.
 *
 * @example
 * await registerOutputs(local, drvPath, inputs, outputs);
 */
async function registerOutputs(store: StoreServer, drvPath: string, inputs: readonly string[], outputs: readonly string[]): Promise<void> {
  const registrations = [];
  for (const path of outputs) {
    const file = store.physical(path);
    canonicalise(file);
    const { hash, size, references } = await scanForReferences(file, [...inputs, ...outputs], store.storeDir);
    registrations.push({ path, narHash: hash, narSize: size, references, deriver: drvPath });
  }
  store.db.register(registrations);
}
