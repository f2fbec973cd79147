/**
 * One SSH connection to a build machine, made from its record: host = name,
 * port, user, the private key (or an ssh-agent for passphrase-protected
 * keys), the pinned host key (exact blob comparison; only the pinned key's
 * type is offered, so a server with several host keys presents that one),
 * compression from the record, Guix's 30 s connect timeout, keep-alives and
 * TCP no-delay. Many channels (commands, SFTP) run over one session.
 *
 * @example
 * import { SshSession } from "./session.ts";
 * const session = await SshSession.connect(machine, { timeoutMs: 10_000 });
 * const { stdout } = await session.run(["uname", "-m"]);
 * session.close();
 */
import type { Readable, Writable } from "node:stream";
import type { ClientChannel, NegotiatedAlgorithms, SFTPWrapper } from "ssh2";
import type { BuildMachine } from "../machines/types.ts";
import { addressOf, establish, lostConnection, type ConnectOptions, type ConnectTimings, type SshClient } from "./connect.ts";
import { errorMessage, SshError } from "./errors.ts";
import { commandLine } from "./quote.ts";
import { formatMs } from "./units.ts";

export { addressOf, DEFAULT_CONNECT_TIMEOUT_MS, type ConnectOptions, type ConnectTimings } from "./connect.ts";

/** OpenSSH's default `MaxSessions`: more concurrent channels are refused by the server. */
export const DEFAULT_MAX_CHANNELS = 10;
const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** A command running on the remote machine. Read stdout and stderr, or the command may stall. */
export interface RemoteProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Settles when the channel closes; rejects with `connection-lost` if the connection dropped first. */
  exit: Promise<{ code: number | null; signal: string | null }>;
  /** Send a signal (`"TERM"`, `"SIGKILL"`, …) to the remote command. */
  signal(name: string): void;
  /** Close the channel. */
  close(): void;
}

/** Options for {@link SshSession.exec}. */
export interface ExecOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdin?: "pipe" | "ignore";
}

/** Options for {@link SshSession.run}. */
export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  input?: Buffer | string;
  /** Kill the command (and reject with code `timeout`) after this long. */
  timeoutMs?: number;
  /** Per-stream output limit; more rejects with `remote-command-failed`. Default 64 MiB. */
  maxOutputBytes?: number;
}

/** Collected result of {@link SshSession.run}. */
export interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  code: number | null;
  signal: string | null;
}

/**
 * An authenticated SSH connection to one build machine.
 *
 * @example
 * const session = await SshSession.connect(machine);
 * session.onClose((error) => { if (error) console.error(error.message); });
 * const child = await session.exec(["cat"], { stdin: "pipe" });
 */
export class SshSession {
  private readonly closeListeners: Array<(error?: SshError) => void> = [];
  private closedWith: { error: SshError | undefined } | null = null;
  private closing = false;
  private readonly channels: Semaphore;

  private constructor(
    readonly machine: BuildMachine,
    private readonly client: SshClient,
    /** Stage timings of the connection. */
    readonly timings: ConnectTimings,
    /** Algorithms negotiated with the server (kex, host key, ciphers, compression). */
    readonly negotiated: NegotiatedAlgorithms,
    maxChannels: number,
  ) {
    this.channels = new Semaphore(maxChannels);
    client.on("error", (error: Error) => this.markClosed(lostConnection(machine, error)));
    client.on("close", () =>
      this.markClosed(
        this.closing ? undefined : new SshError("connection-lost", machine.name, `connection to ${addressOf(machine)} closed by the remote side`),
      ),
    );
  }

  /**
   * Connect and authenticate. Rejects with an {@link SshError} whose `stage`
   * says which step failed (a {@link HostKeyMismatchError} for a wrong host key).
   *
   * @example
   * const session = await SshSession.connect(machine, { timeoutMs: 5000, onStage: (s, ms) => console.log(s, ms) });
   */
  static async connect(machine: BuildMachine, options: ConnectOptions = {}): Promise<SshSession> {
    const connected = await establish(machine, options);
    return new SshSession(machine, connected.client, connected.timings, connected.negotiated, options.maxChannels ?? DEFAULT_MAX_CHANNELS);
  }

  /** True once the connection has ended, for whatever reason. */
  get closed(): boolean {
    return this.closedWith !== null;
  }

  /**
   * Start `argv` on the remote. Each argument reaches the remote exactly as
   * given (POSIX-shell-quoted for the login shell); `env` values are quoted
   * into the command, so they need no `AcceptEnv` on the server. Waits for a
   * free channel when `maxChannels` are open.
   *
   * @example
   * const child = await session.exec(["sh", "-c", "cat > f"], { stdin: "pipe" });
   * child.stdin.end("data"); child.stdout.resume(); child.stderr.resume();
   * await child.exit;
   */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<RemoteProcess> {
    const command = commandLine(argv, options.env, options.cwd);
    const release = await this.acquireChannel();
    let channel: ClientChannel;
    try {
      channel = await new Promise<ClientChannel>((resolve, reject) => {
        try {
          this.client.exec(command, (error, opened) => (error ? reject(error) : resolve(opened)));
        } catch (error) {
          reject(error);
        }
      });
    } catch (error) {
      release();
      throw this.closedWith?.error ?? new SshError("channel-failed", this.machine.name, `cannot start a command on ${addressOf(this.machine)}: ${errorMessage(error)}`, { cause: error });
    }
    channel.once("close", release);
    if (options.stdin === "ignore") channel.eof();
    return this.remoteProcess(channel);
  }

  /**
   * Run `argv` to completion and collect its output. A non-zero exit is not
   * an error here (see `code`); a timeout or oversized output is.
   *
   * @example
   * const { stdout, code } = await session.run(["cat", "/proc/loadavg"], { timeoutMs: 5000 });
   */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const child = await this.exec(argv, { env: options.env, cwd: options.cwd, stdin: "pipe" });
    const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const what = argv.join(" ");
    return new Promise<RunResult>((resolve, reject) => {
      let failed = false;
      const fail = (error: SshError): void => {
        if (failed) return;
        failed = true;
        clearTimeout(timer);
        child.signal("KILL");
        child.close();
        reject(error);
      };
      const collect = (stream: Readable, name: string): Promise<Buffer> =>
        new Promise((done) => {
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > limit) {
              fail(new SshError("remote-command-failed", this.machine.name, `${name} of \`${what}\` on ${this.machine.name} exceeded ${limit} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          stream.once("end", () => done(Buffer.concat(chunks)));
          stream.once("close", () => done(Buffer.concat(chunks)));
        });
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => fail(new SshError("timeout", this.machine.name, `\`${what}\` on ${this.machine.name} did not finish within ${formatMs(options.timeoutMs!)}`)),
              options.timeoutMs,
            );
      child.stdin.end(options.input ?? Buffer.alloc(0));
      Promise.all([collect(child.stdout, "stdout"), collect(child.stderr, "stderr"), child.exit]).then(
        ([stdout, stderr, status]) => {
          if (failed) return;
          clearTimeout(timer);
          resolve({ stdout, stderr, ...status });
        },
        (error: unknown) => fail(error instanceof SshError ? error : lostConnection(this.machine, error)),
      );
    });
  }

  /**
   * Run `argv` and return its stdout as text; a non-zero exit rejects with
   * `remote-command-failed` quoting the end of stderr.
   *
   * @example
   * const arch = (await session.output(["uname", "-m"])).trim();
   */
  async output(argv: readonly string[], options: RunOptions = {}): Promise<string> {
    const result = await this.run(argv, options);
    if (result.code !== 0) {
      const status = result.code === null ? `signal ${result.signal ?? "unknown"}` : `status ${result.code}`;
      const detail = result.stderr.toString("utf8").trim().split("\n").slice(-3).join(" / ");
      throw new SshError(
        "remote-command-failed",
        this.machine.name,
        `\`${argv.join(" ")}\` failed on ${this.machine.name} with ${status}${detail === "" ? "" : `: ${detail}`}`,
      );
    }
    return result.stdout.toString("utf8");
  }

  /**
   * Open an SFTP channel (counts against `maxChannels` until it ends).
   *
   * @example
   * const sftp = await session.sftp();
   * await new Promise((done, fail) => sftp.fastPut("local", "remote", (e) => (e ? fail(e) : done(null))));
   * sftp.end();
   */
  async sftp(): Promise<SFTPWrapper> {
    const release = await this.acquireChannel();
    try {
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
        try {
          this.client.sftp((error, opened) => (error ? reject(error) : resolve(opened)));
        } catch (error) {
          reject(error);
        }
      });
      sftp.once("close", release);
      return sftp;
    } catch (error) {
      release();
      throw this.closedWith?.error ?? new SshError("channel-failed", this.machine.name, `cannot open SFTP on ${addressOf(this.machine)}: ${errorMessage(error)}`, { cause: error });
    }
  }

  /**
   * Call `listener` once when the connection ends: with an error when it was
   * lost, without one after {@link close}. Called at once if already closed.
   *
   * @example
   * session.onClose((error) => error && console.error(error.message));
   */
  onClose(listener: (error?: SshError) => void): void {
    if (this.closedWith !== null) {
      const { error } = this.closedWith;
      queueMicrotask(() => listener(error));
      return;
    }
    this.closeListeners.push(listener);
  }

  /**
   * End the connection (running channels are closed).
   *
   * @example
   * session.close();
   */
  close(): void {
    if (this.closedWith !== null) return;
    this.closing = true;
    this.client.end();
    this.markClosed(undefined);
  }

  private markClosed(error: SshError | undefined): void {
    if (this.closedWith !== null) return;
    this.closedWith = { error };
    this.channels.fail(error ?? new SshError("connection-lost", this.machine.name, `session to ${addressOf(this.machine)} was closed`));
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }

  private async acquireChannel(): Promise<() => void> {
    if (this.closedWith !== null) {
      throw this.closedWith.error ?? new SshError("connection-lost", this.machine.name, `session to ${addressOf(this.machine)} was closed`);
    }
    return this.channels.acquire();
  }

  private remoteProcess(channel: ClientChannel): RemoteProcess {
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
      let status: { code: number | null; signal: string | null } | null = null;
      channel.on("exit", (code: number | null, signal?: string) => {
        status = { code: code ?? null, signal: signal ?? null };
      });
      channel.once("close", () => {
        if (status !== null) resolve(status);
        else if (this.closedWith?.error !== undefined) reject(this.closedWith.error);
        else resolve({ code: null, signal: null });
      });
    });
    // A caller that never awaits `exit` must not crash the process with an unhandled rejection.
    exit.catch(() => undefined);
    channel.on("error", () => undefined);
    return {
      stdin: channel,
      stdout: channel,
      stderr: channel.stderr,
      exit,
      signal: (name: string) => sendSignal(channel, name),
      close: () => channel.close(),
    };
  }
}

/** Counts open channels; waiters are served first come, first served. */
class Semaphore {
  private available: number;
  private readonly waiters: Array<{ resolve: (release: () => void) => void; reject: (error: Error) => void }> = [];
  private failure: Error | null = null;

  constructor(size: number) {
    this.available = Math.max(1, size);
  }

  acquire(): Promise<() => void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.available > 0) {
      this.available--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  fail(error: Error): void {
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next !== undefined) next.resolve(this.releaser());
      else this.available++;
    };
  }
}

/** ssh2's public `signal()` is a no-op once stdin is closed, but the request is still valid while the channel is open. */
interface ChannelInternals {
  outgoing: { id: number; state: string };
  _client: { _protocol: { signal(id: number, name: string): void } };
}

function sendSignal(channel: ClientChannel, name: string): void {
  const internals = channel as unknown as ChannelInternals;
  const state = internals.outgoing.state;
  if (state !== "open" && state !== "eof") return;
  try {
    internals._client._protocol.signal(internals.outgoing.id, name);
  } catch {
    // Unknown signal names or a dying connection: nothing to signal.
  }
}
