/**
 * Lines from the daemon's request pipe. Reading goes on in the background,
 * so the end of the pipe is noticed even while the hook is busy deciding
 * (the daemon, or its client, went away: a held reply is pointless then).
 *
 * @example
 * import { LineReader } from "./line-reader.ts";
 * const lines = new LineReader(process.stdin);
 * for (let line = await lines.next(); line !== null; line = await lines.next()) handle(line);
 */
import type { Readable } from "node:stream";
import { HookError } from "./errors.ts";

/** Longest line accepted by default (the daemon's input lists can be long). */
const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Reads newline-terminated lines.
 *
 * @example
 * import { Readable } from "node:stream";
 * const pipe = Readable.from([Buffer.from("1 x86_64-linux /gnu/store/a-b.drv \n/gnu/store/c-d"), Buffer.from(" \n/gnu/store/e-f")]);
 * const lines = new LineReader(pipe);
 * let ended = false;
 * lines.onEnd(() => (ended = true));
 * await lines.next(); // "1 x86_64-linux /gnu/store/a-b.drv "
 * // a line may come in pieces; an unterminated last line counts
 * await lines.next(); // "/gnu/store/c-d "
 * await lines.next(); // "/gnu/store/e-f"
 * await lines.next(); // null
 * ended; // true
 */
export class LineReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private readonly lines: string[] = [];
  private ended = false;
  private failure: HookError | null = null;
  private waiting: (() => void) | null = null;
  private readonly endListeners: Array<() => void> = [];

  constructor(
    private readonly input: Readable,
    private readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
  ) {
    input.on("data", (chunk: Buffer) => this.take(chunk));
    input.on("end", () => this.finish());
    input.on("close", () => this.finish());
    input.on("error", (error: Error) => {
      this.failure ??= new HookError("daemon-protocol", `cannot read from the daemon: ${error.message}`, { cause: error });
      this.finish();
    });
  }

  /** True once the pipe has ended (lines already read may still be pending). */
  get atEnd(): boolean {
    return this.ended;
  }

  /**
   * Call `listener` once when the pipe ends (at once if it has): a decision
   * still under way can be given up (`lines.onEnd(() => controller.abort())`).
   */
  onEnd(listener: () => void): void {
    if (this.ended) queueMicrotask(listener);
    else this.endListeners.push(listener);
  }

  /**
   * The next line without its newline, or null at the end of the pipe (an
   * unterminated last line counts as a line).
   */
  async next(): Promise<string | null> {
    // Bounded: each round either returns or waits for more input, which is finite.
    for (;;) {
      if (this.failure !== null) throw this.failure;
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (this.ended) {
        if (this.bufferedBytes === 0) return null;
        const rest = Buffer.concat(this.buffered).toString("utf8");
        this.buffered = [];
        this.bufferedBytes = 0;
        return rest;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private take(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
      this.buffered.push(chunk.subarray(start, newline));
      this.lines.push(Buffer.concat(this.buffered).toString("utf8"));
      this.buffered = [];
      this.bufferedBytes = 0;
      start = newline + 1;
    }
    if (start < chunk.length) {
      this.buffered.push(chunk.subarray(start));
      this.bufferedBytes += chunk.length - start;
      if (this.bufferedBytes > this.maxLineBytes) {
        this.failure = new HookError("daemon-protocol", `a line from the daemon is longer than ${this.maxLineBytes} bytes`);
        this.input.destroy();
      }
    }
    this.wake();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const listener of this.endListeners.splice(0)) listener();
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }
}
