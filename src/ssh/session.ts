/**
 * One SSH connection to a build machine, made from its record: host = name,
 * port, user, the private key (or an ssh-agent for passphrase-protected
 * keys), the pinned host key (exact blob comparison; only the pinned key's
 * type is offered, so a server with several host keys presents that one),
 * compression from the record, Guix's 30 s connect timeout, keep-alives and
 * TCP no-delay. Many channels (commands, SFTP) run over one session.
 *
 * The TCP connection is opened here (not by ssh2) so that each stage — TCP,
 * host key, authentication — fails with its own code and can be timed.
 *
 * @example
 * import { SshSession } from "./session.ts";
 * const session = await SshSession.connect(machine, { timeoutMs: 10_000 });
 * const { stdout } = await session.run(["uname", "-m"]);
 * session.close();
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import type { Readable, Writable } from "node:stream";
import ssh2 from "ssh2";
import type { AuthenticationType, ClientChannel, NegotiatedAlgorithms, NextAuthHandler, SFTPWrapper } from "ssh2";
import type { BuildMachine } from "../machines/types.ts";
import { compressionAlgorithms } from "./compression.ts";
import { HostKeyMismatchError, SshError, type ConnectStage } from "./errors.ts";
import { ALL_HOST_KEY_ALGORITHMS, describeHostKey, describePin, parsePinnedHostKey, type PinnedHostKey } from "./host-key.ts";
import { loadClientCredential, RestrictedAgent } from "./private-key.ts";
import { commandLine } from "./quote.ts";

const { Client } = ssh2;
type SshClient = InstanceType<typeof Client>;

/** Guix's connect timeout (`guix offload`, since 2023). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** OpenSSH's default `MaxSessions`: more concurrent channels are refused by the server. */
export const DEFAULT_MAX_CHANNELS = 10;
const DEFAULT_KEEPALIVE_INTERVAL_MS = 10_000;
const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** How to connect. Every field is optional. */
export interface ConnectOptions {
  /** Whole connect budget (TCP + handshake + authentication); default 30 000 (Guix). */
  timeoutMs?: number;
  /** Keep-alive probe interval; default 10 000. 0 disables keep-alives. */
  keepaliveIntervalMs?: number;
  /** Unanswered keep-alives before the peer is declared dead; default 3. */
  keepaliveCountMax?: number;
  /** Passphrase for an encrypted private key; default `$OFFLOAD_KEY_PASSPHRASE`. */
  passphrase?: string;
  /** ssh-agent socket used when an encrypted key's passphrase is not given; default `$SSH_AUTH_SOCK`. */
  agentSocket?: string;
  /** Channels open at once on this session (more wait for a free one); default 10, OpenSSH's MaxSessions. */
  maxChannels?: number;
  /** Called as each connection stage succeeds, with the milliseconds it took. */
  onStage?: (stage: ConnectStage, ms: number) => void;
}

/** How long each connection stage took, in milliseconds. */
export interface ConnectTimings {
  tcpMs: number;
  hostKeyMs: number;
  authMs: number;
}

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
      throw this.closedWith?.error ?? new SshError("channel-failed", this.machine.name, `cannot start a command on ${addressOf(this.machine)}: ${messageOf(error)}`, { cause: error });
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
              () => fail(new SshError("timeout", this.machine.name, `\`${what}\` on ${this.machine.name} did not finish within ${seconds(options.timeoutMs!)}`)),
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
      throw this.closedWith?.error ?? new SshError("channel-failed", this.machine.name, `cannot open SFTP on ${addressOf(this.machine)}: ${messageOf(error)}`, { cause: error });
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

// ————— connection set-up —————

interface Established {
  client: SshClient;
  timings: ConnectTimings;
  negotiated: NegotiatedAlgorithms;
}

async function establish(machine: BuildMachine, options: ConnectOptions): Promise<Established> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  const started = performance.now();
  const socket = await openTcp(machine, timeoutMs);
  const tcpMs = performance.now() - started;
  options.onStage?.("tcp", tcpMs);
  let pin: PinnedHostKey;
  try {
    pin = parsePinnedHostKey(machine.hostKey, machine.name);
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return handshake(machine, options, socket, pin, deadline, tcpMs);
}

function openTcp(machine: BuildMachine, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: machine.name, port: machine.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SshError("timeout", machine.name, `no TCP connection to ${addressOf(machine)} within ${seconds(timeoutMs)}`, { stage: "tcp" }));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(tcpError(machine, error));
    });
  });
}

function tcpError(machine: BuildMachine, error: NodeJS.ErrnoException): SshError {
  const address = addressOf(machine);
  const options = { stage: "tcp" as const, cause: error };
  switch (error.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NODATA":
    case "EAI_NONAME":
      return new SshError("dns", machine.name, `cannot resolve host name ${JSON.stringify(machine.name)} (${error.code})`, options);
    case "ECONNREFUSED":
      return new SshError("refused", machine.name, `connection to ${address} refused: is sshd running and listening on port ${machine.port}?`, options);
    case "ETIMEDOUT":
      return new SshError("timeout", machine.name, `TCP connection to ${address} timed out`, options);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return new SshError("unreachable", machine.name, `${address} is unreachable (${error.code})`, options);
    default:
      return new SshError("refused", machine.name, `cannot connect to ${address}: ${error.message}`, options);
  }
}

function handshake(
  machine: BuildMachine,
  options: ConnectOptions,
  socket: net.Socket,
  pin: PinnedHostKey,
  deadline: number,
  tcpMs: number,
): Promise<Established> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const stageStart = { at: performance.now() };
    let hostKeyMs = 0;
    let presentedKey: Buffer | null = null;
    let keyError: SshError | null = null;
    let negotiated: NegotiatedAlgorithms | null = null;
    let settled = false;

    const settle = (error: SshError | null): void => {
      if (settled) return;
      settled = true;
      if (error === null) {
        const authMs = performance.now() - stageStart.at;
        options.onStage?.("auth", authMs);
        resolve({ client, negotiated: negotiated!, timings: { tcpMs, hostKeyMs, authMs } });
        return;
      }
      client.removeAllListeners();
      client.on("error", () => undefined);
      client.end();
      socket.destroy();
      reject(error);
    };

    client.once("handshake", (algorithms: NegotiatedAlgorithms) => {
      negotiated = algorithms;
    });
    client.once("ready", () => settle(null));
    client.on("error", (error: Error & { level?: string }) => {
      const stage: ConnectStage = presentedKey === null || !presentedKey.equals(pin.blob) ? "host-key" : "auth";
      const mismatch = { machine: machine.name, address: addressOf(machine), expected: describePin(pin), location: machine.location };
      if (presentedKey !== null && !presentedKey.equals(pin.blob)) {
        settle(new HostKeyMismatchError({ ...mismatch, presented: describeHostKey(presentedKey), pinnedTypeOffered: true, offeredTypes: [] }));
        return;
      }
      if (/no matching host key format/i.test(error.message)) {
        const budget = Math.max(1000, Math.min(5000, deadline - performance.now()));
        void learnServerHostKey(machine, budget).then((learned) =>
          settle(
            new HostKeyMismatchError({
              ...mismatch,
              presented: learned.key === null ? null : describeHostKey(learned.key),
              pinnedTypeOffered: false,
              offeredTypes: learned.offered,
            }),
          ),
        );
        return;
      }
      if (keyError !== null && stage === "auth") {
        settle(keyError);
        return;
      }
      settle(handshakeError(machine, error, stage, options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS));
    });
    client.once("close", () =>
      settle(
        new SshError(
          "connection-lost",
          machine.name,
          `${addressOf(machine)} closed the connection ${presentedKey === null ? "before the SSH handshake finished" : "during authentication"}`,
          { stage: presentedKey === null ? "host-key" : "auth" },
        ),
      ),
    );

    const authHandler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
      // ssh2 accepts `false` for "no more methods"; @types/ssh2 omits it.
      const giveUp = next as unknown as (done: false) => void;
      if (methodsLeft !== null) {
        giveUp(false); // our one credential was refused
        return;
      }
      try {
        const credential = loadClientCredential(machine.privateKey, machine.name, {
          passphrase: options.passphrase ?? process.env["OFFLOAD_KEY_PASSPHRASE"],
          agentSocket: options.agentSocket ?? process.env["SSH_AUTH_SOCK"],
        });
        if (credential.kind === "key") {
          next({ type: "publickey", username: machine.user, key: credential.key });
          return;
        }
        const agent = new RestrictedAgent(credential.socket, credential.publicKey, (reason) => {
          keyError = new SshError(
            "key-encrypted",
            machine.name,
            `private key ${credential.file} is passphrase-protected and ${reason} (ssh-agent at ${credential.socket}): run ssh-add ${credential.file}`,
            { stage: "auth" },
          );
        });
        next({ type: "agent", username: machine.user, agent });
      } catch (error) {
        keyError = error instanceof SshError ? error : new SshError("key-format", machine.name, messageOf(error), { stage: "auth" });
        giveUp(false);
      }
    };

    try {
      client.connect({
        sock: socket,
        host: machine.name,
        port: machine.port,
        username: machine.user,
        readyTimeout: Math.max(1, Math.round(deadline - performance.now())),
        keepaliveInterval: options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: options.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
        algorithms: {
          serverHostKey: pin.algorithms,
          compress: compressionAlgorithms(machine.compression),
        },
        hostVerifier: (key: Buffer): boolean => {
          presentedKey = Buffer.from(key);
          const accepted = key.equals(pin.blob);
          if (accepted) {
            hostKeyMs = performance.now() - stageStart.at;
            options.onStage?.("host-key", hostKeyMs);
            stageStart.at = performance.now();
          }
          return accepted;
        },
        authHandler,
      });
    } catch (error) {
      settle(new SshError("handshake-failed", machine.name, `cannot start SSH with ${addressOf(machine)}: ${messageOf(error)}`, { stage: "host-key", cause: error }));
    }
  });
}

function handshakeError(machine: BuildMachine, error: Error & { level?: string }, stage: ConnectStage, timeoutMs: number): SshError {
  const address = addressOf(machine);
  const options = { stage, cause: error };
  if (error.level === "client-timeout") {
    const what = stage === "host-key" ? `no SSH handshake with ${address}` : `authentication with ${address} did not finish`;
    return new SshError("timeout", machine.name, `${what} within the ${seconds(timeoutMs)} connect timeout`, options);
  }
  if (error.level === "client-authentication" || /authentication/i.test(error.message)) {
    return new SshError(
      "auth-failed",
      machine.name,
      `${address} refused public-key authentication for user ${JSON.stringify(machine.user)} with ${machine.privateKey ?? "no key"}: is its public key in the remote authorized_keys?`,
      options,
    );
  }
  if (error.level === "handshake" || error.level === "protocol") {
    return new SshError("handshake-failed", machine.name, `SSH handshake with ${address} failed: ${error.message}`, options);
  }
  return new SshError("connection-lost", machine.name, `connection to ${address} lost: ${error.message}`, options);
}

/** Learn which host key a server presents when it has none of the pinned type (for the mismatch message). */
function learnServerHostKey(machine: BuildMachine, timeoutMs: number): Promise<{ offered: string[]; key: Buffer | null }> {
  return new Promise((resolve) => {
    const client = new Client();
    let offered: string[] = [];
    let key: Buffer | null = null;
    const finish = (): void => {
      clearTimeout(timer);
      client.removeAllListeners();
      client.on("error", () => undefined);
      client.end();
      resolve({ offered, key });
    };
    const timer = setTimeout(finish, timeoutMs);
    client.on("error", finish);
    client.on("close", finish);
    try {
      client.connect({
        host: machine.name,
        port: machine.port,
        username: machine.user,
        readyTimeout: timeoutMs,
        algorithms: { serverHostKey: [...ALL_HOST_KEY_ALGORITHMS] },
        debug: (line: string) => {
          const match = /\(remote\) Host key format: (.*)$/.exec(line);
          if (match !== null) offered = match[1]!.split(",").filter((name) => name !== "");
        },
        hostVerifier: (presented: Buffer): boolean => {
          key = Buffer.from(presented);
          return false;
        },
      });
    } catch {
      finish();
    }
  });
}

function lostConnection(machine: BuildMachine, error: unknown): SshError {
  if (error instanceof SshError) return error;
  const message = messageOf(error);
  const why = /keepalive/i.test(message) ? "no answer to keep-alives" : message;
  return new SshError("connection-lost", machine.name, `connection to ${addressOf(machine)} lost: ${why}`, { cause: error });
}

/** `host:port`, with brackets around IPv6 literals. */
export function addressOf(machine: Pick<BuildMachine, "name" | "port">): string {
  return machine.name.includes(":") ? `[${machine.name}]:${machine.port}` : `${machine.name}:${machine.port}`;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms)} ms`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
