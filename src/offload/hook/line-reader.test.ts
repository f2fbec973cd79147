import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { HookError } from "./errors.ts";
import { LineReader } from "./line-reader.ts";

describe("line reader", () => {
  it("splits lines across chunks and ends with null", async () => {
    const input = new PassThrough();
    const lines = new LineReader(input);
    input.write("1 x86_64-linux /gnu/store/a-b.drv \n/gnu/st");
    input.write("ore/a /gnu/store/b \n\nlast");
    input.end();
    assert.equal(await lines.next(), "1 x86_64-linux /gnu/store/a-b.drv ");
    assert.equal(await lines.next(), "/gnu/store/a /gnu/store/b ");
    assert.equal(await lines.next(), "");
    assert.equal(await lines.next(), "last");
    assert.equal(await lines.next(), null);
    assert.equal(await lines.next(), null);
  });

  it("notices the end of the pipe while nobody is reading", async () => {
    const input = new PassThrough();
    const lines = new LineReader(input);
    const ended = new Promise<void>((resolve) => lines.onEnd(resolve));
    input.end();
    await ended;
    assert.equal(lines.atEnd, true);
  });

  it("refuses a line longer than the limit", async () => {
    const input = new PassThrough();
    const lines = new LineReader(input, 16);
    input.write("x".repeat(17));
    await assert.rejects(lines.next(), (error: unknown) => error instanceof HookError && error.code === "daemon-protocol");
  });
});
