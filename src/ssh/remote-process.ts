/**
 * The client side of the protocol by which remote commands start and stop
 * (written down in remote-shell.ts): the start line is taken off the
 * command's output, whatever came before it is kept apart (the login
 * shell's chatter, a job's set-up messages), and a supervised command is
 * signalled and stopped through its channel's standard input.
 *
 * @example
 * import { plainProcess } from "./remote-process.ts";
 * const child = plainProcess(channel, exit, token);
 * child.stdout.pipe(process.stdout); // the command's output, after its start line
 * await child.preamble;              // what the login shell printed first (normally nothing)
 */
import { Transform, type Duplex, type Readable, type TransformCallback, type Writable } from "node:stream";
import { FORWARDED_SIGNALS } from "./remote-shell.ts";

/**
 * A command's channel as this module uses it: ssh2's ClientChannel, or a
 * connection holder's relayed channel (holder-client.ts). Reading it is the
 * command's stdout, writing it its stdin.
 */
export interface CommandChannel extends Duplex {
  stderr: Readable;
  /** End the command's input. */
  eof(): void;
  /** Close the channel. */
  close(): void;
  /** Set on a connection holder's channel when the holder's connection was lost while it was open. */
  lostReason?: string | null;
}

/** How a remote command ended: an exit code, or the signal that killed it. */
export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

/** A command running on the remote machine. Read stdout and stderr, or the command may stall. */
export interface RemoteCommand {
  stdout: Readable;
  stderr: Readable;
  /**
   * Settles when the channel closes; rejects with `connection-lost` if the
   * connection dropped first. Like a child process's 'exit', this may come
   * before stdout has delivered its last bytes: wait for its 'end' as well.
   */
  exit: Promise<ExitStatus>;
  /**
   * True once the command has started (its start line arrived: on stdout for
   * a plain command, on stderr after set-up for a supervised one); false if
   * the channel ended without it.
   */
  started: Promise<boolean>;
  /** What the login shell printed on stdout before the start line (normally nothing). */
  preamble: Promise<Buffer>;
  /**
   * Standard error before the start line: a supervised command's set-up
   * messages (at most 64 KiB kept); nothing for a plain command, whose
   * standard error is all its own.
   */
  setupOutput: Promise<Buffer>;
  /**
   * Stop the command as the protocol says: a supervised one's group gets
   * TERM, then KILL after the grace period; a plain one's channel is closed.
   */
  stop(): void;
  /** Close the channel (a supervised command is stopped by that too). */
  close(): void;
}

/** A plain command: its standard input is the channel's. */
export interface RemoteProcess extends RemoteCommand {
  stdin: Writable;
}

/** A supervised command: the channel's standard input is its control. */
export interface SupervisedProcess extends RemoteCommand {
  /** Send a signal (`"TERM"`, `"SIGHUP"`, …; one of FORWARDED_SIGNALS) to the command's process group. */
  signal(name: string): void;
}

/** Beyond this much preamble, stdout is not following the protocol: it is all output. */
const PREAMBLE_LIMIT = 64 * 1024;
/** Set-up output kept for the error message. */
const SETUP_OUTPUT_LIMIT = 64 * 1024;

/**
 * What to do with the bytes before the start line: on stdout they are the
 * login shell's and, if the line never comes, the output itself (not our
 * protocol: give everything back); on a supervised command's stderr they are
 * set-up output, however long the wait.
 */
export type BeforeStartLine = "output-if-missing" | "set-up";

/**
 * Splits a stream at the first start line: what follows is the output (a
 * new stream, so a late reader still gets everything), what precedes it is
 * kept apart.
 */
class StartLineSplitter extends Transform {
  private readonly line: Buffer;
  private searching = true;
  private pending: Buffer = Buffer.alloc(0);
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private settle!: (found: boolean, before: Buffer) => void;
  readonly found: Promise<boolean>;
  readonly before: Promise<Buffer>;

  constructor(
    token: string,
    private readonly mode: BeforeStartLine,
  ) {
    super();
    this.line = Buffer.from(`${token}\n`);
    let settleFound!: (found: boolean) => void;
    let settleBefore!: (before: Buffer) => void;
    this.found = new Promise((resolve) => (settleFound = resolve));
    this.before = new Promise((resolve) => (settleBefore = resolve));
    this.settle = (found, before) => {
      this.searching = false;
      settleFound(found);
      settleBefore(before);
    };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.searching) {
      done(null, chunk);
      return;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const at = this.pending.indexOf(this.line);
    if (at >= 0) {
      this.keep(this.pending.subarray(0, at));
      const rest = this.pending.subarray(at + this.line.length);
      this.settle(true, Buffer.concat(this.kept));
      done(null, rest.length > 0 ? rest : undefined);
      return;
    }
    if (this.mode === "output-if-missing" && this.keptBytes + this.pending.length > PREAMBLE_LIMIT) {
      done(null, this.giveBack());
      return;
    }
    // Keep a line's length back, in case the line is split across chunks.
    const keep = Math.max(0, this.pending.length - (this.line.length - 1));
    this.keep(this.pending.subarray(0, keep));
    this.pending = this.pending.subarray(keep);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (!this.searching) {
      done();
      return;
    }
    if (this.mode === "output-if-missing") {
      const all = this.giveBack();
      done(null, all.length > 0 ? all : undefined);
      return;
    }
    this.keep(this.pending);
    this.settle(false, Buffer.concat(this.kept));
    done();
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const room = this.mode === "set-up" ? Math.max(0, SETUP_OUTPUT_LIMIT - this.keptBytes) : bytes.length;
    if (room > 0) this.kept.push(bytes.subarray(0, room));
    this.keptBytes += Math.min(room, bytes.length);
  }

  /** Everything so far is output after all. */
  private giveBack(): Buffer {
    const all = Buffer.concat([...this.kept, this.pending]);
    this.kept.length = 0;
    this.pending = Buffer.alloc(0);
    this.settle(false, Buffer.alloc(0));
    return all;
  }
}

/**
 * Split `stream` at the start line `token`.
 *
 * @example
 * import { Readable } from "node:stream";
 * import { text } from "node:stream/consumers";
 * const stream = Readable.from([Buffer.from("Welcome to build1\noffload-start-1\nx86_64\n")]);
 * const { output, found, before } = splitAtStartLine(stream, "offload-start-1", "output-if-missing");
 * await found; // true
 * (await before).toString(); // "Welcome to build1\n"
 * await text(output); // "x86_64\n"
 * // without the line (or past 64 KiB of waiting), everything is output after all
 * const other = splitAtStartLine(Readable.from([Buffer.from("not our protocol\n")]), "offload-start-1", "output-if-missing");
 * await text(other.output); // "not our protocol\n"
 * await other.found; // false
 */
export function splitAtStartLine(
  stream: Readable,
  token: string,
  mode: BeforeStartLine,
): { output: Readable; found: Promise<boolean>; before: Promise<Buffer> } {
  const splitter = new StartLineSplitter(token, mode);
  stream.pipe(splitter);
  return { output: splitter, found: splitter.found, before: splitter.before };
}

/**
 * A plain command on `channel`, started by a string from remote-shell.ts's `announced`.
 *
 * @example
 * const child = plainProcess(channel, exit, token);
 * child.stdin.end(input);
 * await child.started; // whether the login shell ran our string (and printed the start line)
 */
export function plainProcess(channel: CommandChannel, exit: Promise<ExitStatus>, token: string): RemoteProcess {
  const stdout = splitAtStartLine(channel, token, "output-if-missing");
  return {
    stdin: channel,
    stdout: stdout.output,
    stderr: channel.stderr,
    exit,
    started: stdout.found,
    preamble: stdout.before,
    setupOutput: Promise.resolve(Buffer.alloc(0)),
    stop: () => closeChannel(channel),
    close: () => closeChannel(channel),
  };
}

/**
 * A command on `channel` that speaks for itself from the first byte (no
 * start line: a connection holder already took it off, as for its runners).
 */
export function rawProcess(channel: CommandChannel, exit: Promise<ExitStatus>): RemoteProcess {
  return {
    stdin: channel,
    stdout: channel,
    stderr: channel.stderr,
    exit,
    started: Promise.resolve(true),
    preamble: Promise.resolve(Buffer.alloc(0)),
    setupOutput: Promise.resolve(Buffer.alloc(0)),
    stop: () => closeChannel(channel),
    close: () => closeChannel(channel),
  };
}

/**
 * A supervised command on `channel`, started by remote-shell.ts's
 * `announced` around a `supervisedScript` with the same token.
 *
 * @example
 * const child = supervisedProcess(channel, exit, token);
 * child.signal("SIGINT"); // writes the line INT on the channel: the supervisor signals the command's group
 * child.stop(); // ends the channel's input: TERM to the group, KILL 3 s later
 */
export function supervisedProcess(channel: CommandChannel, exit: Promise<ExitStatus>, token: string): SupervisedProcess {
  const stdout = splitAtStartLine(channel, token, "output-if-missing");
  const stderr = splitAtStartLine(channel.stderr, token, "set-up");
  return {
    stdout: stdout.output,
    stderr: stderr.output,
    exit,
    started: stderr.found,
    preamble: stdout.before,
    setupOutput: stderr.before,
    stop: () => {
      if (!channel.writableEnded) channel.end();
    },
    signal: (name: string) => {
      const signal = forwardedSignal(name);
      if (!channel.writableEnded) channel.write(`${signal}\n`);
    },
    close: () => closeChannel(channel),
  };
}

/**
 * The signal name as the supervisor takes it (`SIGTERM` → `TERM`); throws on
 * anything that is not one of the signals it forwards.
 *
 * @example
 * forwardedSignal("sigterm"); // "TERM"
 */
export function forwardedSignal(name: string): (typeof FORWARDED_SIGNALS)[number] {
  const bare = name.toUpperCase().replace(/^SIG/, "");
  const known = FORWARDED_SIGNALS.find((signal) => signal === bare);
  if (known === undefined) throw new TypeError(`not a signal offload forwards: ${JSON.stringify(name)} (${FORWARDED_SIGNALS.join(", ")})`);
  return known;
}

function closeChannel(channel: CommandChannel): void {
  try {
    channel.close();
  } catch {
    // The connection is already gone.
  }
}

/**
 * All that `stream` gives until it ends, at most `limit` bytes: past that,
 * each further chunk is dropped and `tooMuch` called (the caller stops the
 * command; a run's output is kept whole or not at all).
 *
 * @example
 * import { Readable } from "node:stream";
 * (await collectOutput(Readable.from([Buffer.from("hi\n")]), 1024, () => {})).toString(); // "hi\n"
 */
export function collectOutput(stream: Readable, limit: number, tooMuch: () => void): Promise<Buffer> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooMuch();
      else chunks.push(chunk);
    });
    stream.once("end", () => done(Buffer.concat(chunks)));
    stream.once("close", () => done(Buffer.concat(chunks)));
  });
}
