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
import type { EventEmitter } from "node:events";
import type { Readable } from "node:stream";
import type { Duplex } from "node:stream";
import type { NegotiatedAlgorithms, SFTPWrapper } from "ssh2";
import type { BuildMachine } from "../machines/types.ts";
import { ChannelLimiter } from "./channel-limit.ts";
import { cryptoOfClient, type ConnectionCrypto } from "./crypto-path.ts";
import { establish, lostConnection, type ConnectOptions, type ConnectTimings } from "./connect.ts";
import { errorMessage, SshError } from "./errors.ts";
import { machineKey } from "./machine-key.ts";
import {
  collectOutput,
  plainProcess,
  rawProcess,
  supervisedProcess,
  type CommandChannel,
  type ExitStatus,
  type RemoteCommand,
  type RemoteProcess,
  type SupervisedProcess,
} from "./remote-process.ts";
import { announced, changeDirectory, commandLine, newStartToken, supervisedScript } from "./remote-shell.ts";
import { RemoteRunner } from "./runner.ts";
import type { ScriptHost, ScriptOptions, ScriptResult } from "./script-host.ts";
import { formatMs } from "./units.ts";

export type { ConnectOptions, ConnectTimings } from "./connect.ts";
export type { ExitStatus, RemoteProcess, SupervisedProcess } from "./remote-process.ts";

/**
 * What a session runs over: an ssh2 client (its own connection) or a
 * connection holder's transport (holder-client.ts).
 */
export interface SessionTransport extends EventEmitter {
  exec(command: string, done: (error: Error | undefined, channel: CommandChannel) => void): void;
  sftp(done: (error: Error | undefined, sftp: SFTPWrapper) => void): void;
  openssh_forwardOutStreamLocal(path: string, done: (error: Error | undefined, stream: Duplex) => void): void;
  end(): void;
  /** A ready runner's channel (remote-shell.ts runnerScript), where the transport keeps runners (a connection holder). */
  runner?(done: (error: Error | undefined, channel: CommandChannel) => void): void;
}

/** Released runners kept per session for later leases (each holds a channel). */
const MAX_IDLE_RUNNERS = 4;

/** A leased runner: a ScriptHost until released. */
export interface RunnerLease extends ScriptHost {
  /** End the lease: the runner removes the scratch directories its jobs left and is kept for later (or closed). */
  release(): Promise<void>;
}

/** OpenSSH's default `MaxSessions`: more concurrent channels are refused by the server. */
const DEFAULT_MAX_CHANNELS = 10;
const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Channel-open refusals tolerated per command while the real server limit is being found. */
const OPEN_RETRIES = 8;

/** Options for {@link SshSession.exec}. */
export interface ExecOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdin?: "pipe" | "ignore";
  /** Send this as the whole of stdin, then end it (overrides `stdin`). */
  input?: Buffer | string;
}

/** Options for {@link SshSession.run}. */
export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  input?: Buffer | string;
  /**
   * Stop the command (and reject with code `timeout`) after this long,
   * counted from the call. Without `input`, the command runs supervised
   * (remote-shell.ts), so stopping it ends its whole process group; with
   * `input`, its channel is closed, which ends its input and output.
   */
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
 */
export class SshSession implements ScriptHost {
  /** Job scripts over a session are not run by a runner. */
  readonly underRunner = false;
  /** Runners not leased now, kept for the next lease (runner.ts). */
  private readonly idleRunners: RemoteRunner[] = [];
  /** Set when a runner could not start here: leases are refused from then on. */
  private runnersRefused = false;
  private readonly closeListeners: Array<(error?: SshError) => void> = [];
  private closedWith: { error: SshError | undefined } | null = null;
  private closing = false;
  /** Channels for commands and SFTP. */
  private readonly channels: ChannelLimiter;
  /** Open channels, to disarm them when the connection is lost (see {@link markClosed}). */
  private readonly openChannels = new Set<TrackedChannel>();

  private constructor(
    readonly machine: BuildMachine,
    private readonly client: SessionTransport,
    /** Stage timings of the connection. */
    readonly timings: ConnectTimings,
    /** Algorithms negotiated with the server (kex, host key, ciphers, compression). */
    readonly negotiated: NegotiatedAlgorithms,
    maxChannels: number,
    /** Through a connection holder: how its connection encrypts (the client's internals are not here). */
    private readonly heldCrypto: ConnectionCrypto | null = null,
  ) {
    this.channels = new ChannelLimiter(maxChannels);
    client.on("error", (error: Error) => this.markClosed(lostConnection(machine, error)));
    client.on("close", () =>
      this.markClosed(
        this.closing ? undefined : new SshError("connection-lost", machine.name, `connection to ${machineKey(machine)} closed by the remote side`),
      ),
    );
  }

  /**
   * Connect and authenticate. Rejects with an {@link SshError} whose `stage`
   * says which step failed (a {@link HostKeyMismatchError} for a wrong host key).
   *
   * @example
   * import type { BuildMachine } from "../machines/types.ts";
   * import type { SshError } from "./errors.ts";
   * // nothing listens on port 1
   * const machine = { name: "127.0.0.1", port: 1, hostKey: "ssh-ed25519 AAAA", problems: [] } as unknown as BuildMachine;
   * await SshSession.connect(machine, { timeoutMs: 5000 }).catch((error: SshError) => [error.code, error.stage]); // ["refused", "tcp"]
   */
  static async connect(machine: BuildMachine, options: ConnectOptions = {}): Promise<SshSession> {
    const connected = await establish(machine, options);
    return new SshSession(machine, connected.client, connected.timings, connected.negotiated, options.maxChannels ?? DEFAULT_MAX_CHANNELS);
  }

  /**
   * A session over a connection holder's transport (holder.ts makes these):
   * the same commands, scripts and runners, with no handshake of its own.
   */
  static overHolder(
    machine: BuildMachine,
    transport: SessionTransport,
    negotiated: NegotiatedAlgorithms,
    crypto: ConnectionCrypto,
    maxChannels = DEFAULT_MAX_CHANNELS,
  ): SshSession {
    return new SshSession(machine, transport, { tcpMs: 0, hostKeyMs: 0, authMs: 0 }, negotiated, maxChannels, crypto);
  }

  /**
   * Open a channel running `command` (a line for the login shell, sent as
   * is) and hand over the raw channel and its exit status: for a connection
   * holder, which relays it to a client that speaks the protocol itself.
   * The status is watched from the channel's opening: a short command's exit
   * can come in the same packet burst as the open confirmation, before any
   * listener put on later would hear it.
   *
   * @example
   * const { channel, exit } = await session.rawExec(announced(token, commandLine(["sh", "-c", script])));
   * channel.resume();
   * // (await exit).code is the script's exit status, even when it came with the open confirmation
   */
  async rawExec(command: string): Promise<{ channel: CommandChannel; exit: Promise<ExitStatus> }> {
    const channel = await this.startCommand(command);
    return { channel, exit: this.exits.get(channel)! };
  }

  /** Channels open now, and how many may be. */
  get channelUse(): { inUse: number; limit: number } {
    return { inUse: this.channels.inUse, limit: this.channels.limit };
  }

  /** True when this session goes through a connection holder. */
  get viaHolder(): boolean {
    return this.heldCrypto !== null;
  }

  /**
   * A byte stream to the Unix socket at `path` on the machine (an SSH
   * `direct-streamlocal` channel; counts against the channel limit while open).
   */
  async openSocket(path: string): Promise<Duplex> {
    const { channel } = await this.openChannel<Duplex>(`a stream to ${path}`, (done) => this.client.openssh_forwardOutStreamLocal(path, done));
    channel.on("error", () => undefined);
    return channel;
  }

  /**
   * The connection's cipher and crypto path (ssh2's native binding or its JavaScript path).
   *
   * @example
   * session.crypto; // e.g. cipher aes128-gcm@openssh.com, path native
   */
  get crypto(): ConnectionCrypto {
    if (this.heldCrypto !== null) return this.heldCrypto;
    const { cs, sc } = this.negotiated;
    return cryptoOfClient(this.client, cs.cipher === sc.cipher ? cs.cipher : `${cs.cipher} up, ${sc.cipher} down`);
  }

  /** True once the connection has ended, for whatever reason. */
  get closed(): boolean {
    return this.closedWith !== null;
  }

  /**
   * Start `argv` on the remote. Each argument reaches the remote exactly as
   * given (POSIX-shell-quoted for the login shell); `env` values are quoted
   * into the command, so they need no `AcceptEnv` on the server. Resolves as
   * soon as the channel is open. Waits for a free channel when `maxChannels`
   * are open. The command is plain (remote-shell.ts): closing it ends its
   * input and output; see {@link supervise} for one that can be stopped.
   *
   * @example
   * const child = await session.exec(["sh", "-c", "cat > f"], { stdin: "pipe" });
   * child.stdin.end("data"); child.stdout.resume(); child.stderr.resume();
   * await child.exit; // code 0 and signal null, once cat has written f
   */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<RemoteProcess> {
    const token = newStartToken();
    const channel = await this.startCommand(announced(token, commandLine(argv, options.env, options.cwd)));
    // Ending stdin at once also acknowledges the server's reply right away: sshd does not
    // disable Nagle for exec sessions, so an unacknowledged reply can hold back the
    // command's first output for a delayed-ACK period (40 ms on Linux).
    if (options.input !== undefined) channel.end(options.input);
    else if (options.stdin === "ignore") channel.eof();
    return plainProcess(channel, this.exits.get(channel)!, token);
  }

  /**
   * Run a supervisor script (remote-shell.ts's `supervisedScript` or
   * `jobScript`, made with `token`): the command can be stopped and
   * signalled, and is stopped when the connection is lost.
   *
   * @example
   * const token = newStartToken();
   * const child = await session.supervise(supervisedScript({ token, argv: ["sleep", "30"] }), token);
   * child.stop(); // TERM to its process group, KILL 3 s later
   */
  async supervise(script: string, token: string): Promise<SupervisedProcess> {
    const channel = await this.startCommand(announced(token, commandLine(["sh", "-c", script, "offload"])));
    return supervisedProcess(channel, this.exits.get(channel)!, token);
  }

  /**
   * Run a plain script to its end over a channel of its own (ScriptHost).
   */
  runScript(script: string, options: ScriptOptions = {}): Promise<ScriptResult> {
    // With input given the script is a plain command, also with a timeout (closing its channel stops it).
    return this.run(["sh", "-c", script], { ...options, input: "" });
  }

  /**
   * Start a plain script over a channel of its own (ScriptHost).
   */
  startScript(script: string): Promise<RemoteProcess> {
    return this.exec(["sh", "-c", script], { stdin: "ignore" });
  }

  /**
   * Start a supervised job script over a channel of its own (ScriptHost).
   */
  startJob(script: string, token: string): Promise<SupervisedProcess> {
    return this.supervise(script, token);
  }

  /** Nothing to forget: a session keeps no list of scratch directories (ScriptHost). */
  forgetJob(): void {}

  /**
   * Lease a runner (runner.ts): an idle one, else a new one, so scripts and
   * jobs cost no new session or login shell; null where a runner cannot
   * start (then use the session itself). Release the lease when done; a
   * few released runners are kept for later leases.
   *
   * @example
   * const lease = await session.leaseRunner();
   * const host = lease ?? session;
   * // … jobs and scripts on host …
   * await lease?.release();
   */
  async leaseRunner(): Promise<RunnerLease | null> {
    while (this.idleRunners.length > 0) {
      const runner = this.idleRunners.pop()!;
      if (runner.idle) return this.leaseOf(runner);
      runner.close();
    }
    if (this.runnersRefused || this.closedWith !== null) return null;
    try {
      const borrow = this.client.runner?.bind(this.client);
      if (borrow !== undefined) {
        // The holder's runners are ready: no login shell at all.
        const { channel } = await this.openChannel<CommandChannel>(
          "a runner",
          (done) => borrow(done),
          (opened) => this.exits.set(opened, this.watchExit(opened)),
        );
        return this.leaseOf(RemoteRunner.adopt(this, rawProcess(channel, this.exits.get(channel)!)));
      }
      return this.leaseOf(await RemoteRunner.start(this));
    } catch (error) {
      if (this.closedWith !== null) throw error instanceof SshError ? error : this.closedError();
      // The login shell did not run our runner: this session serves scripts itself.
      this.runnersRefused = true;
      return null;
    }
  }

  private leaseOf(runner: RemoteRunner): RunnerLease {
    let released = false;
    return Object.assign(runner.host(), {
      release: async (): Promise<void> => {
        if (released) return;
        released = true;
        try {
          if (!runner.idle) throw new Error("busy");
          await runner.release();
        } catch {
          runner.close();
          return;
        }
        if (this.idleRunners.length < MAX_IDLE_RUNNERS && !this.closed) this.idleRunners.push(runner);
        else runner.close();
      },
    });
  }

  /** Exit statuses, watched from the moment each command channel opens. */
  private readonly exits = new WeakMap<CommandChannel, Promise<ExitStatus>>();

  private async startCommand(command: string): Promise<CommandChannel> {
    const { channel } = await this.openChannel<CommandChannel>(
      "a command",
      (done) => this.client.exec(command, done),
      (opened) => this.exits.set(opened, this.watchExit(opened)),
    );
    return channel;
  }

  /**
   * Run `argv` to completion and collect its output. A non-zero exit is not
   * an error here (see `code`); a timeout or oversized output is, and stops
   * the command (see {@link RunOptions.timeoutMs} for how).
   */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const what = argv.join(" ");
    const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const supervised = options.timeoutMs !== undefined && options.input === undefined;
    const starting: Promise<RemoteCommand> = supervised
      ? this.superviseArgv(argv, options)
      : this.exec(argv, { env: options.env, cwd: options.cwd, input: options.input ?? Buffer.alloc(0) });
    return new Promise<RunResult>((resolve, reject) => {
      let failed = false;
      let child: RemoteCommand | null = null;
      const fail = (error: SshError): void => {
        if (failed) return;
        failed = true;
        clearTimeout(timer);
        // Stop it now, or as soon as it has started.
        const stop = (started: RemoteCommand): void => {
          started.stop();
          started.close();
        };
        if (child !== null) stop(child);
        else starting.then(stop, () => undefined);
        reject(error);
      };
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () =>
                fail(new SshError("timeout", this.machine.name, `\`${what}\` on ${this.machine.name} did not finish within ${formatMs(options.timeoutMs!)}`)),
              options.timeoutMs,
            );
      const collect = (stream: Readable, name: string): Promise<Buffer> =>
        collectOutput(stream, limit, () =>
          fail(new SshError("remote-command-failed", this.machine.name, `${name} of \`${what}\` on ${this.machine.name} exceeded ${limit} bytes`)),
        );
      starting
        .then((started) => {
          child = started;
          if (failed) return undefined;
          const stderr = Promise.all([started.setupOutput, collect(started.stderr, "stderr")]).then((parts) => Buffer.concat(parts));
          return Promise.all([collect(started.stdout, "stdout"), stderr, started.exit]);
        })
        .then(
          (collected) => {
            if (collected === undefined || failed) return;
            clearTimeout(timer);
            const [stdout, stderr, status] = collected;
            resolve({ stdout, stderr, ...status });
          },
          (error: unknown) => fail(error instanceof SshError ? error : lostConnection(this.machine, error)),
        );
    });
  }

  /** `argv` under the supervisor, with `cwd` as its set-up. */
  private superviseArgv(argv: readonly string[], options: Pick<RunOptions, "env" | "cwd">): Promise<SupervisedProcess> {
    const token = newStartToken();
    const setup = options.cwd === undefined ? [] : [`${changeDirectory(options.cwd)} || exit`];
    return this.supervise(supervisedScript({ token, argv, env: options.env, setup, host: this.machine.name }), token);
  }

  /**
   * Run `argv` and return its stdout as text; a non-zero exit rejects with
   * `remote-command-failed` quoting the end of stderr.
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
    const { channel } = await this.openChannel<SFTPWrapper>("SFTP", (done) => this.client.sftp(done));
    return channel;
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
   */
  close(): void {
    if (this.closedWith !== null) return;
    this.closing = true;
    try {
      this.client.end();
    } catch {
      // The transport is already broken; it is closed either way.
    }
    this.markClosed(undefined);
  }

  private markClosed(error: SshError | undefined): void {
    if (this.closedWith !== null) return;
    this.closedWith = { error };
    for (const channel of this.openChannels) disarm(channel);
    this.openChannels.clear();
    const refusal = error ?? new SshError("connection-lost", this.machine.name, `session to ${machineKey(this.machine)} was closed`);
    this.channels.fail(refusal);
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }

  private closedError(): SshError {
    return this.closedWith?.error ?? new SshError("connection-lost", this.machine.name, `session to ${machineKey(this.machine)} was closed`);
  }

  /**
   * Open a channel within the limit; the slot is released when it closes.
   * `prepare` runs synchronously as the channel opens: ssh2 may deliver a
   * short command's output, exit status and close in the same network read
   * as the open confirmation, before any awaiting code could listen.
   * When the server refuses a channel while others are open, its real
   * session limit is lower than ours: lower ours and wait.
   */
  private async openChannel<T extends EventEmitter>(
    what: string,
    open: (done: (error: Error | undefined, channel: T) => void) => void,
    prepare: (channel: T) => void = () => undefined,
  ): Promise<{ channel: T }> {
    const limiter = this.channels;
    for (let attempt = 0; ; attempt++) {
      if (this.closedWith !== null) throw this.closedError();
      const release = await limiter.acquire();
      try {
        const channel = await new Promise<T>((resolve, reject) => {
          try {
            open((error, opened) => {
              if (error) {
                reject(error);
                return;
              }
              const tracked = opened as unknown as TrackedChannel;
              this.openChannels.add(tracked);
              tracked.once("close", () => {
                this.openChannels.delete(tracked);
                release();
              });
              prepare(opened);
              resolve(opened);
            });
          } catch (error) {
            reject(error);
          }
        });
        return { channel };
      } catch (error) {
        release();
        if (this.closedWith !== null) throw this.closedError();
        const refusedByLimit = /open failed|administratively prohibited/i.test(errorMessage(error));
        if (refusedByLimit && limiter.inUse > 0 && attempt < OPEN_RETRIES) {
          limiter.lowerTo(limiter.inUse);
          continue;
        }
        throw new SshError("channel-failed", this.machine.name, `cannot open ${what} on ${machineKey(this.machine)}: ${errorMessage(error)}`, { cause: error });
      }
    }
  }

  /** The exit status, from the moment the channel opens. */
  private watchExit(channel: CommandChannel): Promise<ExitStatus> {
    let status: ExitStatus | null = null;
    channel.on("exit", (code: number | null, signal?: string) => {
      status = { code: code ?? null, signal: signal ?? null };
    });
    const exit = new Promise<ExitStatus>((resolve, reject) => {
      channel.once("close", () => {
        if (status !== null) resolve(status);
        else if (this.closedWith?.error !== undefined) reject(this.closedWith.error);
        // Through a holder, its connection can be lost before this session hears of it.
        else if (typeof channel.lostReason === "string") reject(new SshError("connection-lost", this.machine.name, channel.lostReason));
        else resolve({ code: null, signal: null });
      });
    });
    // A caller that never awaits `exit` must not crash the process with an unhandled rejection.
    exit.catch(() => undefined);
    channel.on("error", () => undefined);
    channel.stderr.on("error", () => undefined);
    return exit;
  }
}

/** An ssh2 channel (command or SFTP) and the internal state {@link disarm} touches. */
interface TrackedChannel extends EventEmitter {
  outgoing?: { state: string };
}

/**
 * Patches ssh2 1.17 internals (ssh2 is pinned exactly for this).
 *
 * The ssh2 behaviour worked around: when the connection dies, ssh2 closes
 * its channels without marking their outgoing side closed (`outgoing.state`
 * stays "open"), so a channel whose writable side ends afterwards still
 * sends CHANNEL_EOF or CHANNEL_CLOSE — through the torn-down compressor when
 * compression is on, which throws "Invalid Zlib instance" from a stream
 * callback and kills the process. Marking the channel closed first makes
 * those sends no-ops. Tests in session.test.ts fail when ssh2 stops doing
 * this or changes the field.
 */
function disarm(channel: TrackedChannel): void {
  if (channel.outgoing !== undefined) channel.outgoing.state = "closed";
}
