/**
 * The client side of a connection holder's protocol (holder-protocol.ts):
 * a transport with the parts of ssh2's client an SshSession uses (`exec`,
 * `openssh_forwardOutStreamLocal`, `end`, and 'error'/'close' events), whose
 * channels are Unix-socket connections to the holder, each relayed there to
 * a channel of the holder's SSH connection. A session over it behaves as
 * one over its own connection.
 *
 * @example
 * import { HolderTransport } from "./holder-client.ts";
 * const transport = await HolderTransport.attach(socketPath, token, 1000);
 * transport.exec("uname -m", (error, channel) => channel.on("data", (d) => process.stdout.write(d)));
 */
import { EventEmitter } from "node:events";
import net from "node:net";
import { Duplex, Readable } from "node:stream";
import { FrameDecoder, readLine, writeFrame, type HolderReply, type HolderRequest } from "./holder-protocol.ts";

/** How long a holder has to answer a request before it counts as stalled. */
export const HOLDER_ANSWER_MS = 2_000;

/** Open a Unix-socket connection to the holder, send `request`, read its reply. */
async function request(socketPath: string, body: HolderRequest, timeoutMs: number): Promise<{ socket: net.Socket; reply: HolderReply; rest: Buffer }> {
  const socket = net.connect(socketPath);
  socket.on("error", () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the holder did not accept in time")), timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    socket.write(`${JSON.stringify(body)}\n`);
    const { line, rest } = await readLine(socket, 1 << 20, timeoutMs);
    return { socket, reply: JSON.parse(line) as HolderReply, rest };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/**
 * A channel relayed by the holder, shaped like ssh2's ClientChannel as far
 * as SshSession and remote-process.ts use it: a Duplex (stdout to read,
 * stdin to write), `stderr`, an 'exit' event with code and signal, 'close',
 * `close()` and `eof()`.
 */
class HolderChannel extends Duplex {
  readonly stderr = new Readable({
    read: () => {
      if (this.started) this.socket.resume();
    },
  });
  private closedChannel = false;
  /** Whether what came with the reply has been delivered: until then the socket stays paused. */
  private started = false;
  /** Why the holder's connection to the machine went away, when it did during this channel. */
  lostReason: string | null = null;

  constructor(
    private readonly socket: net.Socket,
    rest: Buffer,
  ) {
    super();
    const decoder = new FrameDecoder((type, payload) => {
      if (payload.length === 0 && (type === "o" || type === "e")) return;
      if (type === "o") {
        if (!this.push(payload)) socket.pause();
      } else if (type === "e") {
        if (!this.stderr.push(payload)) socket.pause();
      } else if (type === "l") {
        this.lostReason = payload.toString("utf8");
      } else if (type === "x") {
        const status = JSON.parse(payload.toString("utf8")) as { code: number | null; signal: string | null };
        this.emit("exit", status.code, status.signal ?? undefined);
      }
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch {
        socket.destroy();
      }
    });
    // The holder ends the socket when the channel is gone: that is the channel's end, whatever our side still had to send.
    socket.once("end", () => {
      this.finish();
      socket.destroy();
    });
    socket.once("close", () => this.finish());
    // What came with the holder's reply may already hold the whole command, exit status included:
    // delivered once the caller has its listeners on (after the current turn), and before anything later.
    socket.pause();
    setImmediate(() => {
      if (rest.length > 0) decoder.push(rest);
      this.started = true;
      socket.resume();
    });
  }

  override _read(): void {
    if (this.started) this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.closedChannel) {
      done();
      return;
    }
    writeFrame(this.socket, "i", chunk, () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    if (!this.closedChannel) writeFrame(this.socket, "E", Buffer.alloc(0));
    done();
  }

  /** End the command's input (ssh2's eof()). */
  eof(): void {
    this.end();
  }

  /** Close the channel: the holder closes its SSH channel. */
  close(): void {
    this.socket.destroy();
  }

  private finish(): void {
    if (this.closedChannel) return;
    this.closedChannel = true;
    this.push(null);
    this.stderr.push(null);
    this.emit("close");
  }
}

/** A transport to one machine through its holder. */
export class HolderTransport extends EventEmitter {
  private ended = false;
  private lost = false;
  /** The sockets of open channels: closing the transport closes them, as a connection's end closes its channels. */
  private readonly open_ = new Set<net.Socket>();

  private constructor(
    private readonly socketPath: string,
    private readonly token: string,
    private readonly attachment: net.Socket,
    /** What the holder said about its connection. */
    readonly info: Extract<HolderReply, { ok: true }>,
  ) {
    super();
    attachment.on("data", () => undefined);
    attachment.once("close", () => this.lose(new Error(`the connection holder ${socketPath} went away`)));
  }

  /**
   * Attach to the holder at `socketPath`: rejects when there is none, it
   * refuses the token, or it does not answer within `timeoutMs`.
   *
   * @example
   * import { mkdtempSync, rmSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * const dir = mkdtempSync(join(tmpdir(), "offload-holder-"));
   * // no holder listens at none.sock
   * const code = await HolderTransport.attach(join(dir, "none.sock"), "token", 1000).catch((error: NodeJS.ErrnoException) => error.code);
   * rmSync(dir, { recursive: true });
   * code; // "ENOENT"
   */
  static async attach(socketPath: string, token: string, timeoutMs: number): Promise<HolderTransport> {
    const { socket, reply } = await request(socketPath, { token, op: "attach" }, timeoutMs);
    if (!reply.ok) {
      socket.destroy();
      throw new Error(`the connection holder refused: ${reply.error.message}`);
    }
    return new HolderTransport(socketPath, token, socket, reply);
  }

  /** Start `command` (a line for the login shell) on a relayed channel, as ssh2's client.exec does. */
  exec(command: string, done: (error: Error | undefined, channel: HolderChannel) => void): void {
    this.open({ token: this.token, op: "exec", command }, done);
  }

  /** Borrow one of the holder's runners (remote-shell.ts runnerScript) on a relayed channel. */
  runner(done: (error: Error | undefined, channel: HolderChannel) => void): void {
    this.open({ token: this.token, op: "runner" }, done);
  }

  /** A stream to the Unix socket at `path` on the machine, as ssh2's openssh_forwardOutStreamLocal. */
  openssh_forwardOutStreamLocal(path: string, done: (error: Error | undefined, stream: Duplex) => void): void {
    request(this.socketPath, { token: this.token, op: "socket", path }, HOLDER_ANSWER_MS).then(
      ({ socket, reply, rest }) => {
        if (!reply.ok) {
          socket.destroy();
          done(new Error(reply.error.message), socket);
          return;
        }
        this.track(socket);
        if (rest.length > 0) socket.unshift(rest);
        socket.resume();
        done(undefined, socket);
      },
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT" || error.code === "ECONNREFUSED") this.lose(new Error(`the connection holder ${this.socketPath} went away`));
        done(error, new net.Socket());
      },
    );
  }

  /** SFTP is not relayed. */
  sftp(done: (error: Error | undefined, sftp: never) => void): void {
    done(new Error("SFTP is not available through a connection holder"), undefined as never);
  }

  /** Detach (the holder's connection stays for others, until it idles out). */
  end(): void {
    this.ended = true;
    this.attachment.destroy();
    this.closeChannels();
  }

  /** The holder is gone (its attachment closed, or its socket refuses): the transport ends now, with an error unless we ended it. */
  private lose(error: Error): void {
    if (this.lost) return;
    this.lost = true;
    if (!this.ended) this.emit("error", error);
    this.closeChannels();
    this.attachment.destroy();
    this.emit("close");
  }

  private closeChannels(): void {
    for (const socket of this.open_) socket.destroy();
    this.open_.clear();
  }

  private track(socket: net.Socket): void {
    if (this.ended) {
      socket.destroy();
      return;
    }
    this.open_.add(socket);
    socket.once("close", () => this.open_.delete(socket));
  }

  private open(body: HolderRequest, done: (error: Error | undefined, channel: HolderChannel) => void): void {
    request(this.socketPath, body, HOLDER_ANSWER_MS * 5).then(
      ({ socket, reply, rest }) => {
        if (!reply.ok) {
          socket.destroy();
          done(new Error(reply.error.message), undefined as never);
          return;
        }
        this.track(socket);
        done(undefined, new HolderChannel(socket, rest));
      },
      (error: NodeJS.ErrnoException) => {
        // Its socket is gone: so is the holder, and with it this transport (the session hears it as a lost connection).
        if (error.code === "ENOENT" || error.code === "ECONNREFUSED") this.lose(new Error(`the connection holder ${this.socketPath} went away`));
        done(error, undefined as never);
      },
    );
  }
}
