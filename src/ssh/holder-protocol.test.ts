import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { encodeFrame, encodeFrames, FrameDecoder, MAX_FRAME_PAYLOAD, readLine, writeFrame, type FrameType } from "./holder-protocol.ts";

describe("the holder protocol", () => {
  it("frames data and cuts a byte stream back into the same frames, however it is split: data in pieces as it comes, control frames whole", () => {
    const frames: Array<[FrameType, string]> = [
      ["o", "stdout"],
      ["e", ""],
      ["x", '{"code":0,"signal":null}'],
      ["l", "lost"],
      ["i", "x".repeat(70_000)],
      ["E", ""],
    ];
    const bytes = Buffer.concat(frames.map(([type, text]) => encodeFrame(type, Buffer.from(text))));
    for (const step of [1, 7, 4096, bytes.length]) {
      const seen: Array<[FrameType, string]> = [];
      const decoder = new FrameDecoder((type, payload) => {
        const last = seen[seen.length - 1];
        // Pieces of one data frame arrive one after another: join them back.
        if (last !== undefined && last[0] === type && "oei".includes(type) && payload.length > 0 && last[1].length > 0) last[1] += payload.toString();
        else seen.push([type, payload.toString()]);
        if (type === "x" || type === "l") assert.equal(payload.toString(), frames.find(([t]) => t === type)![1], "control frames come whole");
      });
      for (let offset = 0; offset < bytes.length; offset += step) decoder.push(bytes.subarray(offset, offset + step));
      assert.deepEqual(seen, frames, `split every ${step} bytes`);
    }
  });

  it("writes a frame without copying its payload, split at a MiB", () => {
    const written: Buffer[] = [];
    const socket = { cork: () => undefined, uncork: () => undefined, write: (data: Buffer) => (written.push(data), true) };
    writeFrame(socket, "o", Buffer.alloc(MAX_FRAME_PAYLOAD + 10, 1));
    const seen: number[] = [];
    new FrameDecoder((_, payload) => seen.push(payload.length)).push(Buffer.concat(written));
    assert.equal(
      seen.reduce((sum, n) => sum + n, 0),
      MAX_FRAME_PAYLOAD + 10,
    );
    assert.equal(written.length, 4, "two headers, two payload slices");
  });

  it("splits big data into frames of at most a MiB, and refuses a malformed frame", () => {
    assert.equal(encodeFrames("i", Buffer.alloc(MAX_FRAME_PAYLOAD * 2 + 1)).length, 3);
    assert.equal(encodeFrames("E", Buffer.alloc(0)).length, 1);
    assert.throws(() => new FrameDecoder(() => undefined).push(Buffer.from("z\0\0\0\0")), /malformed/);
  });

  it("reads the first line and hands back what followed", async () => {
    const stream = new PassThrough();
    const reading = readLine(stream, 100, 1000);
    stream.write('{"ok":true}\nrest');
    assert.deepEqual(await reading, { line: '{"ok":true}', rest: Buffer.from("rest") });
    await assert.rejects(readLine(new PassThrough(), 100, 50), /no line in time/);
  });
});
