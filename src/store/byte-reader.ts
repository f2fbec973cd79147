/**
 * Reading the daemon's serialisation from a stream: exact byte counts,
 * integers, padded strings, string lists, and long byte runs delivered chunk
 * by chunk. The reader pulls from a paused Node stream only when it needs
 * bytes, so a slow consumer leaves data in the socket (backpressure) and a
 * whole NAR is never held in memory.
 *
 * Every byte consumed can be observed (`tap`), which is how export streams
 * hash exactly the bytes up to the signature flag.
 *
 * @example
 * import { Readable } from "node:stream";
 * import { StoreError } from "./errors.ts";
 * import { WireWriter } from "./wire.ts";
 * const bytes = new WireWriter().int(26).string("/gnu/store/a-x").toBuffer();
 * // the daemon's bytes may arrive cut anywhere
 * const socket = Readable.from([bytes.subarray(0, 5), bytes.subarray(5, 20), bytes.subarray(20)]);
 * const reader = new ByteReader(socket, () => new StoreError("connection-broken", "daemon closed the connection"));
 * await reader.readInt(); // 26
 * await reader.readText(); // "/gnu/store/a-x"
 * await reader.readInt().catch((error: StoreError) => [error.code, error.message]); // ["connection-broken", "daemon closed the connection"]
 */
import { Readable } from "node:stream";
import { StoreError, type StoreErrorCode } from "./errors.ts";
import { paddingLength } from "./wire.ts";

/** What the reader throws when the stream ends too early (or fails). */
export type EndOfStream = (cause?: unknown) => Error;

/** A source that hands out bytes on demand: a chunk, or null at the end. Errors it throws reach the reader's caller unchanged. */
export type PullSource = () => Promise<Buffer | null>;

/** Limits on what a string or list read may claim, so a hostile length cannot make us allocate gigabytes. */
export interface ReadLimits {
  /** Longest string accepted, in bytes. */
  maxString: number;
  /** Most elements accepted in one list. */
  maxListLength: number;
}

/** Defaults generous enough for any real store path, reference list or log chunk. */
const DEFAULT_READ_LIMITS: ReadLimits = { maxString: 64 * 1024 * 1024, maxListLength: 1_000_000 };

/**
 * A pull-based reader over a byte stream.
 *
 * @example
 * import { WireWriter } from "./wire.ts";
 * const reader = ByteReader.fromBuffer(new WireWriter().string("nix-archive-1").toBuffer());
 * (await reader.readString()).toString(); // "nix-archive-1"
 * reader.available; // 0
 */
export class ByteReader {
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private ended = false;
  private failure: unknown = undefined;
  private wake: (() => void) | null = null;
  private consumed = 0;
  /** Called with every byte run consumed, in order (e.g. to hash them). */
  tap: ((bytes: Buffer) => void) | null = null;

  constructor(
    private readonly source: Readable | PullSource,
    private readonly endOfStream: EndOfStream,
    readonly limits: ReadLimits = DEFAULT_READ_LIMITS,
  ) {
    if (typeof source === "function") return;
    source.on("readable", this.onReadable);
    source.on("end", this.onEnd);
    source.on("close", this.onEnd);
    source.on("error", this.onError);
  }

  /**
   * A reader over bytes already in memory; running out is a `code` error.
   *
   * @example
   * await ByteReader.fromBuffer(Buffer.alloc(4), "export-format").readInt().catch((error) => [error.code, error.message]); // ["export-format", "unexpected end of input"]
   */
  static fromBuffer(bytes: Buffer, code: StoreErrorCode = "nar-format"): ByteReader {
    return new ByteReader(Readable.from([bytes]), () => new StoreError(code, "unexpected end of input"));
  }

  /** Stops listening to the source (the source itself is left alone). */
  detach(): void {
    if (typeof this.source !== "function") {
      this.source.off("readable", this.onReadable);
      this.source.off("end", this.onEnd);
      this.source.off("close", this.onEnd);
      this.source.off("error", this.onError);
    }
    this.ended = true;
    this.notify();
  }

  /** True if bytes have arrived that nobody has consumed yet. */
  hasBuffered(): boolean {
    return this.buffered > 0 || (typeof this.source !== "function" && this.source.readableLength > 0);
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.consumed;
  }

  /** True when the source has ended and every byte has been consumed. */
  async atEnd(): Promise<boolean> {
    while (this.buffered === 0 && !this.ended) await this.fill();
    return this.buffered === 0;
  }

  private readonly onReadable = (): void => this.notify();
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };
  private readonly onError = (error: unknown): void => {
    this.failure ??= error;
    this.ended = true;
    this.notify();
  };

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Moves whatever the source has into our queue, waiting for more if it has nothing. */
  private async fill(): Promise<void> {
    if (typeof this.source === "function") {
      if (this.ended) return;
      const chunk = await this.source();
      if (chunk === null) this.ended = true;
      else if (chunk.length > 0) {
        this.chunks.push(chunk);
        this.buffered += chunk.length;
      }
      return;
    }
    const source = this.source;
    for (;;) {
      const chunk: unknown = source.read();
      if (chunk !== null) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        if (bytes.length > 0) {
          this.chunks.push(bytes);
          this.buffered += bytes.length;
          return;
        }
        continue;
      }
      if (this.ended || source.readableEnded || source.destroyed) {
        this.ended = true;
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /**
   * Waits until at least `count` bytes are buffered (throws at the end of the
   * stream). With the `…Now` methods, lets hot loops read without a promise
   * per value when the data is already there.
   *
   * @example
   * import { WireWriter } from "./wire.ts";
   * const reader = ByteReader.fromBuffer(new WireWriter().int(1).int(2).toBuffer());
   * await reader.ensure(16);
   * // both integers are buffered: no promise per value
   * [reader.readIntNow(), reader.readIntNow()]; // [1, 2]
   */
  async ensure(count: number): Promise<void> {
    while (this.buffered < count) {
      if (this.ended) throw this.endOfStream(this.failure);
      await this.fill();
      if (this.buffered < count && this.ended) throw this.endOfStream(this.failure);
    }
  }

  /** Bytes buffered and not yet consumed. */
  get available(): number {
    return this.buffered;
  }

  /**
   * True if the next buffered bytes are exactly `expected` (which must be buffered).
   *
   * @example
   * const reader = ByteReader.fromBuffer(Buffer.from("(type"));
   * await reader.ensure(5);
   * reader.startsWithNow(Buffer.from("(")); // true
   * reader.startsWithNow(Buffer.from("(t)")); // false
   */
  startsWithNow(expected: Buffer): boolean {
    const first = this.chunks[0]!;
    if (first.length - this.head >= expected.length) return first.compare(expected, 0, expected.length, this.head, this.head + expected.length) === 0;
    let chunk = 0;
    let offset = this.head;
    for (let i = 0; i < expected.length; i++) {
      while (offset === this.chunks[chunk]!.length) {
        chunk++;
        offset = 0;
      }
      if (this.chunks[chunk]![offset++] !== expected[i]) return false;
    }
    return true;
  }

  /** Consumes `count` buffered bytes. */
  skipNow(count: number): void {
    const first = this.chunks[0];
    // Without a tap nobody needs the bytes: just move past them (the common case in hot loops).
    if (this.tap === null && first !== undefined && first.length - this.head > count) {
      this.head += count;
      this.buffered -= count;
      this.consumed += count;
      return;
    }
    let left = count;
    while (left > 0) left -= this.take(left).length;
  }

  /** Exactly `count` buffered bytes (a view when they lie in one chunk). */
  readExactNow(count: number): Buffer {
    if (count === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length - this.head >= count) return this.take(count);
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const part = this.take(count - filled);
      part.copy(out, filled);
      filled += part.length;
    }
    return out;
  }

  /** An integer from 8 buffered bytes (see readInt). */
  readIntNow(): number {
    const first = this.chunks[0]!;
    if (this.tap === null && first.length - this.head > 8) {
      const high = first.readUInt32LE(this.head + 4);
      if (high <= 0x1fffff) {
        const value = high * 0x1_0000_0000 + first.readUInt32LE(this.head);
        this.skipNow(8);
        return value;
      }
    }
    const bytes = this.readExactNow(8);
    const high = bytes.readUInt32LE(4);
    if (high > 0x1fffff) throw new StoreError("protocol", `integer too large: ${bytes.readBigUInt64LE()}`);
    return high * 0x1_0000_0000 + bytes.readUInt32LE(0);
  }

  /** The next integer without consuming it (8 bytes must be buffered), or -1 if beyond 2^53. */
  peekIntNow(): number {
    const first = this.chunks[0]!;
    const bytes = first.length - this.head >= 8 ? first.subarray(this.head, this.head + 8) : this.peekSlow(8);
    const high = bytes.readUInt32LE(4);
    return high > 0x1fffff ? -1 : high * 0x1_0000_0000 + bytes.readUInt32LE(0);
  }

  private peekSlow(count: number): Buffer {
    const out = Buffer.allocUnsafe(count);
    let chunk = 0;
    let offset = this.head;
    for (let i = 0; i < count; i++) {
      while (offset === this.chunks[chunk]!.length) {
        chunk++;
        offset = 0;
      }
      out[i] = this.chunks[chunk]![offset++]!;
    }
    return out;
  }

  /** Takes up to `max` buffered bytes (at least one must be buffered). */
  private take(max: number): Buffer {
    const first = this.chunks[0]!;
    const available = first.length - this.head;
    const count = Math.min(max, available);
    const out = first.subarray(this.head, this.head + count);
    this.head += count;
    if (this.head === first.length) {
      this.chunks.shift();
      this.head = 0;
    }
    this.buffered -= count;
    this.consumed += count;
    this.tap?.(out);
    return out;
  }

  /** Exactly `count` bytes (a view into the received data when possible). */
  async readExact(count: number): Promise<Buffer> {
    if (count === 0) return Buffer.alloc(0);
    await this.ensure(count);
    const first = this.chunks[0]!;
    if (first.length - this.head >= count) return this.take(count);
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const part = this.take(count - filled);
      part.copy(out, filled);
      filled += part.length;
    }
    return out;
  }

  /**
   * An unsigned 64-bit integer; beyond 2^53 it is refused (no count or size
   * in the protocol gets near that, so such a value means a broken stream).
   *
   * @example
   * await ByteReader.fromBuffer(Buffer.from([42, 1, 0, 0, 0, 0, 0, 0])).readInt(); // 298
   * await ByteReader.fromBuffer(Buffer.alloc(8, 0xff)).readInt().catch((error) => error.message); // "integer too large: 18446744073709551615"
   */
  async readInt(): Promise<number> {
    const bytes = await this.readExact(8);
    const high = bytes.readUInt32LE(4);
    if (high > 0x1fffff) throw new StoreError("protocol", `integer too large: ${bytes.readBigUInt64LE()}`);
    return high * 0x1_0000_0000 + bytes.readUInt32LE(0);
  }

  /**
   * A padded byte string, refused if longer than `max` bytes or if its
   * padding is not zero.
   *
   * @example
   * import { WireWriter } from "./wire.ts";
   * const bytes = new WireWriter().string("/gnu/store/a-x").toBuffer();
   * (await ByteReader.fromBuffer(bytes).readString()).toString("utf8"); // "/gnu/store/a-x"
   * await ByteReader.fromBuffer(bytes).readString(10).catch((error) => error.message); // "string of 14 bytes is longer than the 10 allowed"
   */
  async readString(max = this.limits.maxString): Promise<Buffer> {
    const length = await this.readInt();
    if (length > max) throw new StoreError("protocol", `string of ${length} bytes is longer than the ${max} allowed`);
    const bytes = await this.readExact(length);
    await this.readPadding(length);
    return bytes;
  }

  /** A padded string decoded as UTF-8 (for paths and messages, never for file names). */
  async readText(max = this.limits.maxString): Promise<string> {
    return (await this.readString(max)).toString("utf8");
  }

  /**
   * A list of strings decoded as UTF-8.
   *
   * @example
   * import { WireWriter } from "./wire.ts";
   * await ByteReader.fromBuffer(new WireWriter().strings(["/gnu/store/a-x", "/gnu/store/b-y"]).toBuffer()).readTexts(); // ["/gnu/store/a-x", "/gnu/store/b-y"]
   */
  async readTexts(): Promise<string[]> {
    const count = await this.readInt();
    if (count > this.limits.maxListLength)
      throw new StoreError("protocol", `list of ${count} elements is longer than the ${this.limits.maxListLength} allowed`);
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(await this.readText());
    return out;
  }

  /** The zero padding after a string of `length` bytes. */
  async readPadding(length: number): Promise<void> {
    const count = paddingLength(length);
    if (count === 0) return;
    const bytes = await this.readExact(count);
    for (const byte of bytes) if (byte !== 0) throw new StoreError("protocol", "non-zero padding");
  }

  /**
   * Delivers the next `count` bytes to `sink` as they arrive, in pieces no
   * larger than what was received; awaits the sink before reading further.
   *
   * @example
   * import { Readable } from "node:stream";
   * import { StoreError } from "./errors.ts";
   * const reader = new ByteReader(Readable.from([Buffer.from("hel"), Buffer.from("lo, world")]), () => new StoreError("nar-format", "truncated"));
   * const pieces: string[] = [];
   * await reader.stream(5, (chunk) => {
   *   pieces.push(chunk.toString());
   * });
   * pieces; // ["hel", "lo"]
   */
  async stream(count: number, sink: (chunk: Buffer) => void | Promise<void>): Promise<void> {
    let left = count;
    while (left > 0) {
      if (this.buffered === 0) await this.ensure(1);
      const part = this.take(left);
      left -= part.length;
      const pending = sink(part);
      if (pending !== undefined) await pending;
    }
  }

  /**
   * Up to `max` bytes: whatever is buffered, or waits for at least one byte.
   * Returns an empty buffer only at the end of the stream.
   *
   * @example
   * const reader = ByteReader.fromBuffer(Buffer.from("hello"));
   * [(await reader.readSome(3)).toString(), (await reader.readSome(32768)).toString(), (await reader.readSome(32768)).length]; // ["hel", "lo", 0]
   */
  async readSome(max: number): Promise<Buffer> {
    if (max <= 0) return Buffer.alloc(0);
    while (this.buffered === 0 && !this.ended) await this.fill();
    if (this.buffered === 0) {
      if (this.failure !== undefined) throw this.endOfStream(this.failure);
      return Buffer.alloc(0);
    }
    return this.take(max);
  }
}
