/**
 * How guix-daemon streams data inside an operation, reproduced so the test
 * daemon's bytes match the real one's:
 *
 * - ExportPath writes through a 64 KiB `BufferedSink` into `TunnelSink`,
 *   which sends each flushed buffer as a STDERR_WRITE message. A write that
 *   would reach the buffer size flushes what is buffered and goes out on its
 *   own. `dumpCalls` issues the same sequence of writes as the daemon's
 *   `dumpPath` (every string as length, bytes, padding; file contents in
 *   64 KiB reads), so message boundaries come out identical.
 * - ImportPaths reads through a 32 KiB `BufferedSource` over `TunnelSource`
 *   (see the server), which asks the client for 32768 bytes (STDERR_READ)
 *   whenever its buffer is empty.
 *
 * @example
 * import { TunnelSink, dumpCalls } from "./tunnel.ts";
 * const sink = new TunnelSink((chunk) => session.sendWrite(chunk));
 * dumpCalls(path, (bytes) => sink.write(bytes));
 * sink.flush();
 */
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, constants } from "node:fs";
import { encodeInt, padding } from "../../../src/store/wire.ts";

/** The daemon's TunnelSink buffer (nix-daemon.cc). */
export const TUNNEL_SINK_SIZE = 64 * 1024;
/** The daemon's BufferedSource default size (serialise.hh). */
export const TUNNEL_SOURCE_SIZE = 32 * 1024;

/**
 * A BufferedSink(64 KiB) whose flushes become STDERR_WRITE messages.
 *
 * @example
 * const sink = new TunnelSink(send); sink.write(bytes); sink.flush();
 */
export class TunnelSink {
  private readonly buffer = Buffer.alloc(TUNNEL_SINK_SIZE);
  private used = 0;

  constructor(private readonly emit: (chunk: Buffer) => void) {}

  /** One write of the daemon's sink. */
  write(data: Buffer): void {
    if (data.length === 0) return;
    if (this.used + data.length >= TUNNEL_SINK_SIZE) {
      this.flush();
      this.emit(Buffer.from(data));
      return;
    }
    data.copy(this.buffer, this.used);
    this.used += data.length;
  }

  /** Sends what is buffered, if anything. */
  flush(): void {
    if (this.used === 0) return;
    this.emit(Buffer.from(this.buffer.subarray(0, this.used)));
    this.used = 0;
  }
}

/**
 * Issues the writes of the daemon's writeString: length, bytes, padding.
 *
 * @example
 * writeStringCalls(Buffer.from("entry"), (bytes) => sink.write(bytes));
 */
export function writeStringCalls(bytes: Buffer, write: (bytes: Buffer) => void): void {
  write(encodeInt(bytes.length));
  write(bytes);
  const pad = padding(bytes.length);
  if (pad.length > 0) write(Buffer.from(pad));
}

/**
 * The writes of the daemon's dumpPath for `path`, in order. A generator that
 * pauses after each 64 KiB of file contents, so the caller can send what
 * the writes produced before the next piece is read (a large item is never
 * held in memory whole).
 *
 * @example
 * for (const _ of dumpCalls("/tmp/store/abc-x", (bytes) => sink.write(bytes))) await flush();
 */
export function* dumpCalls(path: string, write: (bytes: Buffer) => void): Generator<void, void, undefined> {
  const str = (text: string | Buffer): void => writeStringCalls(typeof text === "string" ? Buffer.from(text) : text, write);
  str("nix-archive-1");
  // Recursion is fine here: store items in tests are shallow.
  const dump = function* (file: Buffer): Generator<void, void, undefined> {
    const stats = lstatSync(file);
    str("(");
    if (stats.isFile()) {
      str("type");
      str("regular");
      if (stats.mode & constants.S_IXUSR) {
        str("executable");
        str("");
      }
      str("contents");
      write(encodeInt(stats.size));
      yield* dumpContents(file, stats.size, write);
      const pad = padding(stats.size);
      if (pad.length > 0) write(Buffer.from(pad));
    } else if (stats.isDirectory()) {
      str("type");
      str("directory");
      for (const name of readdirSync(file, { encoding: "buffer" }).sort(Buffer.compare)) {
        str("entry");
        str("(");
        str("name");
        str(name);
        str("node");
        yield* dump(Buffer.concat([file, Buffer.from("/"), name]));
        str(")");
      }
    } else if (stats.isSymbolicLink()) {
      str("type");
      str("symlink");
      str("target");
      str(readlinkSync(file, { encoding: "buffer" }));
    } else {
      throw new Error(`file \`${file.toString()}' has an unsupported type`);
    }
    str(")");
  };
  yield* dump(Buffer.from(path));
}

/** The file's bytes in the daemon's 64 KiB reads, pausing after each. */
function* dumpContents(file: Buffer, size: number, write: (bytes: Buffer) => void): Generator<void, void, undefined> {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(65536);
    let left = size;
    while (left > 0) {
      const want = Math.min(left, buffer.length);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buffer, got, want - got, null);
        if (n === 0) throw new Error(`unexpected end-of-file reading \`${file.toString()}'`);
        got += n;
      }
      write(Buffer.from(buffer.subarray(0, want)));
      left -= want;
      yield;
    }
  } finally {
    closeSync(fd);
  }
}
