import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from "./read-limits.ts";
import { decodeSource, readSource, ReadError } from "./reader.ts";
import { SourceText } from "./source.ts";

test("the reader applies the default depth: exactly DEFAULT_MAX_DEPTH levels read, one more refused", () => {
  const nested = (depth: number) => new SourceText("m.scm", `${"(".repeat(depth)}${")".repeat(depth)}`);
  assert.equal(readSource(nested(DEFAULT_MAX_DEPTH)).length, 1);
  assert.throws(
    () => readSource(nested(DEFAULT_MAX_DEPTH + 1)),
    (error: ReadError) => error.code === "limit-exceeded",
  );
});

test("the reader applies the default size: 64 MiB decoded, one byte more refused", () => {
  assert.equal(DEFAULT_MAX_BYTES, 64 * 1024 * 1024);
  const bytes = new Uint8Array(DEFAULT_MAX_BYTES + 1).fill(0x20);
  assert.throws(
    () => decodeSource("m.scm", bytes),
    (error: ReadError) => error.code === "limit-exceeded" && /more than the limit of 67108864/.test(error.message),
  );
  assert.equal(decodeSource("m.scm", bytes.subarray(1)).text.length, DEFAULT_MAX_BYTES);
});
