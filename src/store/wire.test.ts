import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreError } from "./errors.ts";
import { WireWriter, bytesOf, encodeInt, encodeString, padding, paddingLength } from "./wire.ts";

describe("wire encoding", () => {
  it("bytesOf: strings as UTF-8, byte arrays and views as they are (file names stay bytes)", () => {
    assert.equal(bytesOf("é").toString("hex"), "c3a9");
    assert.equal(bytesOf(Buffer.from([0xff])).toString("hex"), "ff");
    assert.equal(bytesOf(new Uint8Array([1, 2, 3]).subarray(1)).toString("hex"), "0203");
  });

  it("writes integers as 8 little-endian bytes", () => {
    assert.deepEqual(encodeInt(0x164), Buffer.from([0x64, 0x01, 0, 0, 0, 0, 0, 0]));
    assert.deepEqual(encodeInt(2n ** 64n - 1n), Buffer.alloc(8, 0xff));
    assert.throws(() => encodeInt(-1), StoreError);
    assert.throws(() => encodeInt(1.5), StoreError);
    assert.throws(() => encodeInt(2n ** 64n), StoreError);
  });

  it("pads strings with zeros to a multiple of 8", () => {
    for (let length = 0; length < 20; length++) {
      const encoded = encodeString(Buffer.alloc(length, 0x61));
      assert.equal(encoded.length % 8, 0);
      assert.equal(encoded.length, 8 + length + paddingLength(length));
      assert.equal(encoded.readBigUInt64LE(0), BigInt(length));
      assert.ok(encoded.subarray(8 + length).every((b) => b === 0));
    }
    assert.equal(padding(5).length, 3);
    assert.equal(padding(8).length, 0);
  });

  it("encodeString takes strings as UTF-8 and buffers as they are", () => {
    assert.deepEqual(encodeString("é").subarray(8, 10), Buffer.from([0xc3, 0xa9]));
    assert.deepEqual(encodeString(Buffer.from([0xff])).subarray(8, 9), Buffer.from([0xff]));
  });

  it("joins values in order", () => {
    const bytes = new WireWriter()
      .int(1)
      .bool(true)
      .string("ab")
      .strings(["x", "yz"])
      .pairs([["k", "v"]])
      .toBuffer();
    const expected = Buffer.concat([
      encodeInt(1),
      encodeInt(1),
      encodeString("ab"),
      encodeInt(2),
      encodeString("x"),
      encodeString("yz"),
      encodeInt(1),
      encodeString("k"),
      encodeString("v"),
    ]);
    assert.deepEqual(bytes, expected);
  });
});
