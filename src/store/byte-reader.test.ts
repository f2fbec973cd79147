import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { describe, it } from "node:test";
import { ByteReader } from "./byte-reader.ts";
import { StoreError } from "./errors.ts";
import { WireWriter, encodeInt } from "./wire.ts";

/** A reader fed the bytes in pieces of `size`, to cross every chunk boundary. */
function chunked(bytes: Buffer, size: number): ByteReader {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return new ByteReader(Readable.from(pieces), () => new StoreError("nar-format", "truncated"));
}

describe("ByteReader", () => {
  const sample = new WireWriter()
    .int(7)
    .string("hello, world")
    .strings(["a", "bc", ""])
    .int(2 ** 40)
    .toBuffer();

  it("reads the same values whatever the chunking", async () => {
    for (const size of [1, 3, 7, 8, 13, sample.length]) {
      const reader = chunked(sample, size);
      assert.equal(await reader.readInt(), 7);
      assert.equal(await reader.readText(), "hello, world");
      assert.deepEqual(await reader.readTexts(), ["a", "bc", ""]);
      assert.equal(await reader.readInt(), 2 ** 40);
      assert.equal(reader.position, sample.length);
      assert.equal(await reader.atEnd(), true);
    }
  });

  it("fails with the owner's error when the stream ends early", async () => {
    for (let cut = 0; cut < sample.length; cut++) {
      const reader = chunked(sample.subarray(0, cut), 5);
      await assert.rejects(
        async () => {
          await reader.readInt();
          await reader.readText();
          await reader.readTexts();
          await reader.readInt();
        },
        (error: unknown) => error instanceof StoreError && error.code === "nar-format",
      );
    }
  });

  it("refuses non-zero padding, oversized strings and lists, and integers beyond 2^53", async () => {
    const badPadding = Buffer.concat([encodeInt(1), Buffer.from([0x61, 0, 0, 1, 0, 0, 0, 0])]);
    await assert.rejects(ByteReader.fromBuffer(badPadding).readString(), /non-zero padding/);
    await assert.rejects(ByteReader.fromBuffer(encodeInt(100)).readString(10), /longer than the 10 allowed/);
    const reader = new ByteReader(Readable.from([encodeInt(5)]), () => new StoreError("protocol", "eof"), { maxString: 10, maxListLength: 2 });
    await assert.rejects(reader.readTexts(), /list of 5 elements/);
    await assert.rejects(ByteReader.fromBuffer(encodeInt(2n ** 60n)).readInt(), /integer too large/);
  });

  it("streams long runs in pieces and waits for a slow sink", async () => {
    const data = Buffer.alloc(100_000, 7);
    const reader = chunked(Buffer.concat([data, Buffer.from("tail")]), 4096);
    const seen: number[] = [];
    await reader.stream(data.length, async (chunk) => {
      seen.push(chunk.length);
      await new Promise((resolve) => setImmediate(resolve));
    });
    assert.equal(
      seen.reduce((a, b) => a + b, 0),
      data.length,
    );
    assert.ok(seen.every((n) => n <= 4096));
    assert.equal((await reader.readExact(4)).toString(), "tail");
  });

  it("reads only what it needs from a paused stream (backpressure)", async () => {
    const source = new PassThrough({ highWaterMark: 1024 });
    const reader = new ByteReader(source, () => new StoreError("protocol", "eof"));
    let accepted = 0;
    // Write until the stream says stop: nothing consumes it but the reader.
    while (source.write(Buffer.alloc(1024))) accepted += 1024;
    assert.ok(accepted < 64 * 1024, "the stream pushes back while nobody reads");
    await reader.readExact(8);
    source.end();
  });

  it("tells apart a clean end from a truncated one", async () => {
    const reader = ByteReader.fromBuffer(encodeInt(1));
    assert.equal(await reader.atEnd(), false);
    await reader.readInt();
    assert.equal(await reader.atEnd(), true);
    assert.deepEqual(await reader.readSome(10), Buffer.alloc(0));
  });

  it("passes every consumed byte to the tap, in order", async () => {
    const reader = chunked(sample, 3);
    const tapped: Buffer[] = [];
    reader.tap = (bytes) => tapped.push(Buffer.from(bytes));
    await reader.readInt();
    await reader.readText();
    reader.tap = null;
    await reader.readTexts();
    assert.deepEqual(Buffer.concat(tapped), sample.subarray(0, 8 + 8 + 16));
  });

  it("pulls from a function source only when it needs bytes, and lets its errors through", async () => {
    let pulls = 0;
    const reader = new ByteReader(
      async () => {
        pulls++;
        if (pulls === 3) throw new RangeError("source failed");
        return encodeInt(pulls);
      },
      () => new StoreError("protocol", "eof"),
    );
    assert.equal(await reader.readInt(), 1);
    assert.equal(pulls, 1);
    assert.equal(await reader.readInt(), 2);
    assert.equal(pulls, 2);
    await assert.rejects(reader.readInt(), RangeError);
  });
});
