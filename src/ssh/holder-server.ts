/**
 * A connection holder (holder.ts describes when one runs): a process that
 * keeps SSH connections to one machine open for the offload processes of
 * one user, relays their channels (holder-protocol.ts), lends them
 * long-lived runners (runner.ts) so their jobs need no new session or login
 * shell, and exits once nobody has used it for its idle time — or at once
 * when its connection to the machine is lost, so the next client starts a
 * fresh one. When it connects it removes what earlier clients left on the
 * machine (remote-shell.ts garbageScript); a client of its that goes away
 * mid-job has its job stopped and its scratch directory removed.
 *
 * Its socket and its token file are its user's alone (mode 0600 in a 0700
 * directory); a request without the token is refused. Only one holder runs
 * per socket: it holds an abstract-namespace lock named after the socket
 * for its whole life (the kernel frees it however the holder ends).
 *
 * @example
 * import { runHolder } from "./holder-server.ts";
 * await runHolder(config, (line) => process.stdout.write(line)); // returns when the holder exits
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import type { BuildMachine } from "../machines/types.ts";
import type { ConnectOptions } from "./connect.ts";
import { errorMessage, SshError } from "./errors.ts";
import { FrameDecoder, MAX_FRAME_PAYLOAD, readLine, writeFrame, type FrameType, type HolderReply, type HolderRequest } from "./holder-protocol.ts";
import type { CommandChannel, ExitStatus } from "./remote-process.ts";
import { announced, commandLine, garbageScript, newStartToken, runnerScript } from "./remote-shell.ts";
import { SshSession } from "./session.ts";

/** What a holder is started with (on its standard input, as JSON). */
export interface HolderConfig {
  machine: BuildMachine;
  /** Connect options that can travel (credentials included: the holder is its user's own process). */
  connect: Pick<ConnectOptions, "timeoutMs" | "keepaliveIntervalMs" | "keepaliveCountMax" | "passphrase" | "agentSocket" | "maxChannels">;
  socketPath: string;
  tokenPath: string;
  /** Exit after this long without clients, in milliseconds. */
  persistMs: number;
}

/** Connections one holder opens to its machine at most (each carries up to its channel limit). */
const MAX_CONNECTIONS = 8;
/** Runners kept ready between leases. */
const MAX_IDLE_RUNNERS = 4;
/** A returned runner that has not acknowledged its release within this long is closed. */
const RELEASE_MS = 15_000;

/** This process's PID and start time, for the token file (a client replaces a stalled holder by them). */
function selfIdentity(): string {
  try {
    const stat = readFileSync("/proc/self/stat", "latin1");
    return `${process.pid} ${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "-"}`;
  } catch {
    return `${process.pid} -`;
  }
}

/** The lock that makes a holder the only one for its socket. */
function lockName(socketPath: string): string {
  return `\0offload-holder/${createHash("sha256").update(socketPath).digest("hex").slice(0, 40)}`;
}

function takeLock(socketPath: string): Promise<net.Server | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolve(null) : reject(error)));
    server.listen({ path: lockName(socketPath), exclusive: true }, () => resolve(server));
  });
}

/** A runner channel kept by the holder. */
interface HeldRunner {
  channel: CommandChannel;
  exit: Promise<ExitStatus>;
  closed: boolean;
}

/** The holder. */
class Holder {
  private readonly sessions: SshSession[] = [];
  private connecting: Promise<SshSession> | null = null;
  private readonly idleRunners: HeldRunner[] = [];
  private active = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private server: net.Server | null = null;
  private stopped = false;
  /** Why the connection to the machine ended, once it did. */
  private lostBecause: string | null = null;
  private finished!: () => void;
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(
    private readonly config: HolderConfig,
    private readonly token: Buffer,
    first: SshSession,
  ) {
    this.adopt(first);
  }

  /** Listen on the socket (its user's only) and serve. */
  async listen(): Promise<void> {
    rmSync(this.config.socketPath, { force: true });
    const server = net.createServer((socket) => void this.serve(socket));
    const mask = process.umask(0o077);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.config.socketPath, () => resolve());
      });
    } finally {
      process.umask(mask);
    }
    chmodSync(this.config.socketPath, 0o600);
    this.server = server;
    this.armIdle();
  }

  private adopt(session: SshSession): void {
    this.sessions.push(session);
    // The machine is gone (or the connection is): the clients find out, and the next one starts afresh.
    session.onClose((error) => {
      this.lostBecause ??= error?.message ?? `connection to ${this.config.machine.name} closed`;
      this.stop();
    });
  }

  /** The connection with a free channel, opening another when all are full. */
  private async sessionForChannel(): Promise<SshSession> {
    const open = this.sessions.filter((session) => !session.closed);
    const free = open.find((session) => session.channelUse.inUse < session.channelUse.limit);
    if (free !== undefined || open.length >= MAX_CONNECTIONS) return free ?? open[0]!;
    this.connecting ??= SshSession.connect(this.config.machine, this.config.connect).then(
      (session) => {
        this.connecting = null;
        this.adopt(session);
        return session;
      },
      (error: unknown) => {
        this.connecting = null;
        throw error;
      },
    );
    return this.connecting.catch(() => open[0]!);
  }

  private async serve(socket: net.Socket): Promise<void> {
    socket.on("error", () => undefined);
    let request: HolderRequest;
    let rest: Buffer;
    try {
      const read = await readLine(socket, 1 << 16, 5_000);
      request = JSON.parse(read.line) as HolderRequest;
      rest = read.rest;
    } catch {
      socket.destroy();
      return;
    }
    if (!this.tokenMatches(request.token)) {
      this.reply(socket, { ok: false, error: { code: "refused", message: "wrong token" } });
      socket.end();
      return;
    }
    this.use(socket);
    try {
      switch (request.op) {
        case "attach": {
          const session = this.sessions[0]!;
          const crypto = session.crypto;
          this.reply(socket, { ok: true, cipher: crypto.cipher, crypto: crypto.path, negotiated: session.negotiated });
          socket.resume();
          return;
        }
        case "exec": {
          const session = await this.sessionForChannel();
          const { channel, exit } = await session.rawExec(request.command);
          this.reply(socket, { ok: true });
          this.relay(socket, channel, exit, rest, () => channel.close());
          return;
        }
        case "runner": {
          const runner = await this.takeRunner();
          this.reply(socket, { ok: true });
          this.relay(socket, runner.channel, runner.exit, rest, () => this.giveBack(runner));
          return;
        }
        case "socket": {
          const session = await this.sessionForChannel();
          const stream = await session.openSocket(request.path);
          this.reply(socket, { ok: true });
          if (rest.length > 0) stream.write(rest);
          socket.pipe(stream).pipe(socket);
          stream.once("close", () => socket.destroy());
          socket.once("close", () => stream.destroy());
          socket.resume();
          return;
        }
        default:
          this.reply(socket, { ok: false, error: { code: "unknown-request", message: "unknown request" } });
          socket.end();
      }
    } catch (error) {
      this.reply(socket, { ok: false, error: { code: error instanceof SshError ? error.code : "failed", message: errorMessage(error) } });
      socket.end();
    }
  }

  private tokenMatches(given: unknown): boolean {
    if (typeof given !== "string") return false;
    const candidate = Buffer.from(given);
    return candidate.length === this.token.length && timingSafeEqual(candidate, this.token);
  }

  private reply(socket: net.Socket, reply: HolderReply): void {
    socket.write(`${JSON.stringify(reply)}\n`);
  }

  /** Count the client's socket as use until it closes. */
  private use(socket: net.Socket): void {
    this.active++;
    clearTimeout(this.idleTimer);
    socket.once("close", () => {
      this.active--;
      this.armIdle();
    });
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.active > 0 || this.stopped) return;
    this.idleTimer = setTimeout(() => this.stop(), this.config.persistMs);
  }

  /** Frames between the client's socket and the channel, with back-pressure both ways. */
  private relay(socket: net.Socket, channel: CommandChannel, exit: Promise<ExitStatus>, rest: Buffer, onClientGone: () => void): void {
    let channelDone = false;
    const send = (type: FrameType, payload: Buffer): void => {
      if (!socket.destroyed && !writeFrame(socket, type, payload)) {
        channel.pause();
        channel.stderr.pause();
      }
    };
    socket.on("drain", () => {
      channel.resume();
      channel.stderr.resume();
    });
    // The SSH layer hands over small chunks: gathered per event-loop turn (up to a MiB) into one frame and one vectored write.
    const pending: Record<"o" | "e", Buffer[]> = { o: [], e: [] };
    const pendingBytes: Record<"o" | "e", number> = { o: 0, e: 0 };
    let scheduled = false;
    const flush = (): void => {
      scheduled = false;
      for (const type of ["o", "e"] as const) {
        if (pendingBytes[type] === 0) continue;
        const chunks = pending[type];
        pending[type] = [];
        pendingBytes[type] = 0;
        sendChunks(type, chunks);
      }
    };
    const sendChunks = (type: "o" | "e", chunks: Buffer[]): void => {
      if (socket.destroyed) return;
      const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      const header = Buffer.alloc(5);
      header.write(type, 0, "latin1");
      header.writeUInt32BE(length, 1);
      socket.cork();
      socket.write(header);
      let room = true;
      for (const chunk of chunks) room = socket.write(chunk);
      socket.uncork();
      if (!room) {
        channel.pause();
        channel.stderr.pause();
      }
    };
    const gather =
      (type: "o" | "e") =>
      (chunk: Buffer): void => {
        pending[type].push(chunk);
        pendingBytes[type] += chunk.length;
        if (pendingBytes[type] >= MAX_FRAME_PAYLOAD - 65_536) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      };
    const onData = gather("o");
    const onStderr = gather("e");
    const onClose = (): void => {
      channelDone = true;
      // The status settles as the channel closes (it was watched from the opening: a short command's exit can come
      // with the open confirmation). Asked only now, so a runner's many leases do not pile up waiters on its one status;
      // it goes out after all output and before the end below.
      exit.then(
        ({ code, signal }) => {
          if (code === null && signal === null) return;
          flush();
          send("x", Buffer.from(JSON.stringify({ code, signal })));
        },
        () => undefined,
      );
      // The connection's end may be known only just after its channels close: look once more, then.
      setImmediate(() => {
        flush();
        const lost = this.lostBecause;
        if (lost !== null) send("l", Buffer.from(lost));
        // Reading again (input for a channel that is gone is dropped), so the client's pending writes do not hold the close up.
        socket.resume();
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      });
    };
    channel.on("data", onData);
    channel.stderr.on("data", onStderr);
    channel.once("close", onClose);
    const decoder = new FrameDecoder((type, payload) => {
      if (channelDone || (type === "i" && payload.length === 0)) return;
      if (type === "i") {
        if (!channel.write(payload)) socket.pause();
      } else if (type === "E") channel.end();
    });
    channel.on("drain", () => socket.resume());
    const onSocketData = (chunk: Buffer): void => {
      try {
        decoder.push(chunk);
      } catch {
        socket.destroy();
      }
    };
    socket.on("data", onSocketData);
    if (rest.length > 0) onSocketData(rest);
    // A runner kept idle was paused.
    channel.resume();
    channel.stderr.resume();
    socket.once("close", () => {
      channel.removeListener("data", onData);
      channel.stderr.removeListener("data", onStderr);
      channel.removeListener("close", onClose);
      channel.resume();
      channel.stderr.resume();
      if (!channelDone) onClientGone();
    });
    socket.resume();
  }

  /** An idle runner, or a new one (its login shell runs once, now). */
  private async takeRunner(): Promise<HeldRunner> {
    while (this.idleRunners.length > 0) {
      const runner = this.idleRunners.pop()!;
      if (!runner.closed) return runner;
    }
    const session = await this.sessionForChannel();
    const token = newStartToken();
    const { channel, exit } = await session.rawExec(announced(token, commandLine(["sh", "-c", runnerScript()])));
    const runner: HeldRunner = { channel, exit, closed: false };
    channel.once("close", () => (runner.closed = true));
    // What the login shell says on stderr before the runner starts is nobody's.
    const dropStderr = (): void => undefined;
    channel.stderr.on("data", dropStderr);
    // The login shell's chatter, then the start line: the runner is ready after it.
    await new Promise<void>((resolve, reject) => {
      let seen = Buffer.alloc(0);
      const line = Buffer.from(`${token}\n`);
      const onData = (chunk: Buffer): void => {
        seen = Buffer.concat([seen, chunk]);
        const at = seen.indexOf(line);
        if (at < 0) return;
        channel.removeListener("data", onData);
        channel.removeListener("close", onClose);
        const after = seen.subarray(at + line.length);
        if (after.length > 0) channel.unshift(after);
        resolve();
      };
      const onClose = (): void => reject(new SshError("remote-command-failed", this.config.machine.name, "the runner did not start"));
      channel.on("data", onData);
      channel.once("close", onClose);
    });
    channel.pause();
    channel.stderr.removeListener("data", dropStderr);
    channel.stderr.pause();
    return runner;
  }

  /**
   * A client is done with a runner (or gone): stop its job if one runs,
   * end its lease (the runner removes what that lease's jobs left), and
   * keep it for the next client once it says so.
   */
  private giveBack(runner: HeldRunner): void {
    if (runner.closed) return;
    const token = `offload-release-${randomBytes(12).toString("hex")}`;
    const marker = Buffer.from(`${token}-end 0\n`);
    const streams = [runner.channel, runner.channel.stderr];
    // The runner says so on both streams; only then has nothing of the old lease still to come.
    const seen = streams.map(() => Buffer.alloc(0));
    const found = streams.map(() => false);
    const listeners = streams.map((stream, index) => {
      const onData = (chunk: Buffer): void => {
        seen[index] = Buffer.concat([seen[index]!, chunk]).subarray(-4096);
        if (seen[index]!.indexOf(marker) >= 0) found[index] = true;
        if (found.every(Boolean)) finish(true);
      };
      stream.on("data", onData);
      stream.resume();
      return onData;
    });
    const timer = setTimeout(() => finish(false), RELEASE_MS);
    let finished = false;
    const finish = (ok: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      streams.forEach((stream, index) => stream.removeListener("data", listeners[index]!));
      if (!ok || runner.closed || this.stopped || this.idleRunners.length >= MAX_IDLE_RUNNERS) {
        runner.channel.close();
        return;
      }
      runner.channel.pause();
      runner.channel.stderr.pause();
      this.idleRunners.push(runner);
    };
    // END stops a job that still runs (its watchdog reads it); a runner between jobs ignores it.
    runner.channel.write(`\nEND\n\nR ${token}\n`);
  }

  /** Close everything and exit. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.idleTimer);
    this.server?.close();
    rmSync(this.config.socketPath, { force: true });
    rmSync(this.config.tokenPath, { force: true });
    for (const runner of this.idleRunners) runner.channel.close();
    for (const session of this.sessions) session.close();
    this.finished();
  }
}

/**
 * Run a holder for `config` until it exits. `announce` gets one JSON line
 * first: `{"ok":true}` once it serves, or `{"ok":false,"error":…}` (another
 * holder already serves that socket: code `holder-exists`; or the connection
 * failed, with its code).
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import type { BuildMachine } from "../machines/types.ts";
 * const dir = mkdtempSync(join(tmpdir(), "offload-holder-"));
 * // nothing listens on port 1, so the holder cannot connect and returns at once
 * const machine = { name: "127.0.0.1", port: 1, hostKey: "ssh-ed25519 AAAA", problems: [] } as unknown as BuildMachine;
 * const config = { machine, connect: { timeoutMs: 5000 }, socketPath: join(dir, "h.sock"), tokenPath: join(dir, "h.token"), persistMs: 60_000 };
 * const lines: string[] = [];
 * await runHolder(config, (line) => lines.push(line));
 * rmSync(dir, { recursive: true });
 * lines.map((line) => JSON.parse(line));
 * // [{ ok: false, error: { code: "refused", message: "connection to 127.0.0.1:1 refused: is sshd running and listening on port 1?" } }]
 */
export async function runHolder(config: HolderConfig, announce: (line: string) => void): Promise<void> {
  const lock = await takeLock(config.socketPath);
  if (lock === null) {
    announce(`${JSON.stringify({ ok: false, error: { code: "holder-exists", message: "another holder serves this socket" } })}\n`);
    return;
  }
  try {
    let first: SshSession;
    try {
      first = await SshSession.connect(config.machine, config.connect);
    } catch (error) {
      announce(`${JSON.stringify({ ok: false, error: { code: error instanceof SshError ? error.code : "failed", message: errorMessage(error) } })}\n`);
      return;
    }
    const token = randomBytes(24).toString("hex");
    const holder = new Holder(config, Buffer.from(token), first);
    await holder.listen();
    // What earlier clients left on the machine goes now, once for every client this holder will serve.
    void first.runScript(garbageScript(), { timeoutMs: 120_000 }).catch(() => undefined);
    // The token only once the socket answers: a client that reads it never meets a dead socket (and kills us for it).
    const temporary = `${config.tokenPath}.${process.pid}`;
    writeFileSync(temporary, `${token} ${selfIdentity()}\n`, { mode: 0o600 });
    renameSync(temporary, config.tokenPath);
    announce(`${JSON.stringify({ ok: true })}\n`);
    await holder.done;
  } finally {
    lock.close();
  }
}
