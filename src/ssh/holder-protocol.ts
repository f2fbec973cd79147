/**
 * The wire protocol between offload processes and a connection holder
 * (holder.ts): one Unix-socket connection per request. The client sends one
 * JSON line ({@link HolderRequest}: its token, then what it wants); the
 * holder answers one JSON line ({@link HolderReply}). After that:
 * - `attach`: nothing more, until the holder's SSH connection ends (the
 *   holder closes the socket); while attached, a client keeps the holder;
 * - `exec` and `runner`: frames both ways (a type byte, a 4-byte big-endian
 *   length, the payload): from the holder `o` stdout, `e` stderr, `x` exit
 *   (JSON `{code, signal}`), `l` the connection to the machine was lost
 *   (its message; the socket closes next); from the client `i` stdin, `E`
 *   end of stdin; closing the socket closes the channel;
 * - `socket`: the raw bytes of a stream to a Unix socket on the machine.
 *
 * @example
 * import { encodeFrame, FrameDecoder } from "./holder-protocol.ts";
 * socket.write(encodeFrame("i", Buffer.from("input")));
 * const decoder = new FrameDecoder((type, payload) => console.log(type, payload.length));
 * socket.on("data", (chunk) => decoder.push(chunk));
 */

/** What a client asks of a holder. */
export type HolderRequest =
  | { token: string; op: "attach" }
  | { token: string; op: "exec"; command: string }
  | { token: string; op: "runner" }
  | { token: string; op: "socket"; path: string };

/** A failure, as the holder reports it. */
export interface HolderFailure {
  code: string;
  message: string;
}

/** The holder's answer to a request. */
export type HolderReply = { ok: true; cipher?: string; crypto?: "native" | "javascript"; negotiated?: unknown } | { ok: false; error: HolderFailure };

/** Frame types. */
export type FrameType = "o" | "e" | "x" | "l" | "i" | "E";

/** Frames carry at most this much payload; larger data is split. */
export const MAX_FRAME_PAYLOAD = 1 << 20;

/**
 * One frame.
 *
 * @example
 * // type "o", length 2 (big-endian), then the payload
 * [...encodeFrame("o", Buffer.from("hi"))]; // [0x6f, 0, 0, 0, 2, 0x68, 0x69]
 * encodeFrame("E").length; // 5
 */
export function encodeFrame(type: FrameType, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/**
 * Frames for `data`, split at {@link MAX_FRAME_PAYLOAD}.
 *
 * @example
 * encodeFrames("i", Buffer.alloc(3 << 20)).length; // 3
 */
export function encodeFrames(type: FrameType, data: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += MAX_FRAME_PAYLOAD) frames.push(encodeFrame(type, data.subarray(offset, offset + MAX_FRAME_PAYLOAD)));
  return frames.length > 0 ? frames : [encodeFrame(type)];
}

/** Frames whose payload is data, handed on in pieces as they arrive; the others (JSON) only whole. */
const STREAMED: ReadonlySet<FrameType> = new Set(["o", "e", "i"]);

/**
 * Cuts a byte stream into frames without copying data: a data frame's
 * payload is handed on in pieces as they arrive (one call per piece, maybe
 * empty), a control frame's whole. Copying a megabyte frame together from
 * socket-sized chunks would cost more than the rest of the relay.
 *
 * @example
 * const received: string[] = [];
 * const decoder = new FrameDecoder((type, payload) => received.push(`${type} ${payload}`));
 * const bytes = Buffer.concat([encodeFrame("o", Buffer.from("hello")), encodeFrame("x", Buffer.from('{"code":0,"signal":null}'))]);
 * decoder.push(bytes.subarray(0, 7));
 * decoder.push(bytes.subarray(7));
 * // stdout comes in the pieces it arrived in, the exit frame whole
 * received; // ["o he", "o llo", 'x {"code":0,"signal":null}']
 */
export class FrameDecoder {
  private header: Buffer = Buffer.alloc(0);
  private type: FrameType | null = null;
  private left = 0;
  private whole: Buffer[] = [];

  constructor(private readonly onFrame: (type: FrameType, payload: Buffer) => void) {}

  /**
   * Take bytes; call back for each data piece and each complete control frame. Throws on a malformed frame.
   */
  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.type === null) {
        const need = 5 - this.header.length;
        this.header = this.header.length === 0 ? data.subarray(0, need) : Buffer.concat([this.header, data.subarray(0, need)]);
        data = data.subarray(need);
        if (this.header.length < 5) return;
        const type = String.fromCharCode(this.header[0]!);
        const length = this.header.readUInt32BE(1);
        this.header = Buffer.alloc(0);
        if (!"oexliE".includes(type) || length > MAX_FRAME_PAYLOAD) throw new Error("malformed holder frame");
        if (length === 0) {
          this.onFrame(type as FrameType, Buffer.alloc(0));
          continue;
        }
        this.type = type as FrameType;
        this.left = length;
        continue;
      }
      const piece = data.subarray(0, this.left);
      data = data.subarray(piece.length);
      this.left -= piece.length;
      if (STREAMED.has(this.type)) this.onFrame(this.type, piece);
      else this.whole.push(piece);
      if (this.left === 0) this.complete();
    }
  }

  private complete(): void {
    const type = this.type!;
    this.type = null;
    if (STREAMED.has(type)) return;
    const payload = Buffer.concat(this.whole);
    this.whole = [];
    this.onFrame(type, payload);
  }
}

/**
 * Write a frame without copying its payload: header and payload as one vectored write.
 *
 * @example
 * import { PassThrough } from "node:stream";
 * const socket = new PassThrough();
 * // it returns false when the socket wants a 'drain' before more
 * writeFrame(socket, "o", Buffer.from("hi")); // true
 * [...socket.read()]; // [0x6f, 0, 0, 0, 2, 0x68, 0x69]
 */
export function writeFrame(
  socket: { cork(): void; uncork(): void; write(data: Buffer, done?: (error?: Error | null) => void): boolean },
  type: FrameType,
  payload: Buffer,
  done?: (error?: Error | null) => void,
): boolean {
  let room = true;
  socket.cork();
  let offset = 0;
  do {
    const piece = payload.subarray(offset, offset + MAX_FRAME_PAYLOAD);
    offset += piece.length;
    const header = Buffer.alloc(5);
    header.write(type, 0, "latin1");
    header.writeUInt32BE(piece.length, 1);
    const last = offset >= payload.length;
    room = socket.write(header, last && piece.length === 0 ? done : undefined);
    if (piece.length > 0) room = socket.write(piece, last ? done : undefined);
  } while (offset < payload.length);
  socket.uncork();
  return room;
}

/**
 * Reads the first line of a socket (at most `limit` bytes) and hands back
 * what came after it, for the request and reply lines.
 *
 * @example
 * import { PassThrough } from "node:stream";
 * const socket = new PassThrough();
 * socket.end('{"ok":true}\nframes after it');
 * const { line, rest } = await readLine(socket, 65536, 5000);
 * line; // '{"ok":true}'
 * rest.toString(); // "frames after it"
 */
export function readLine(socket: NodeJS.ReadableStream & { destroy(): void }, limit: number, timeoutMs: number): Promise<{ line: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffer: Buffer = Buffer.alloc(0);
    const done = (error: Error | null, value?: { line: string; rest: Buffer }): void => {
      clearTimeout(timer);
      socket.removeListener("data", onData);
      socket.removeListener("end", onEnd);
      socket.removeListener("error", onEnd);
      if (error !== null) reject(error);
      else resolve(value!);
    };
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      const newline = buffer.indexOf(0x0a);
      if (newline >= 0) {
        socket.pause();
        done(null, { line: buffer.subarray(0, newline).toString("utf8"), rest: buffer.subarray(newline + 1) });
      } else if (buffer.length > limit) done(new Error("line too long"));
    };
    const onEnd = (): void => done(new Error("closed before a line"));
    const timer = setTimeout(() => done(new Error("no line in time")), timeoutMs);
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", onEnd);
    socket.resume();
  });
}
