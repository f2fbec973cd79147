import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ProgressLine } from "./progress-line.ts";

function terminal(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  return { stream, text: () => text };
}

const step = { direction: "download" as const, bytes: 1 << 20, totalBytes: 4 << 20, done: false };

describe("the progress line", () => {
  it("shows a transfer once it has lasted a second, redraws it in place and removes it at the end", () => {
    const { stream, text } = terminal(true);
    const line = new ProgressLine(stream);
    line.update({ ...step, elapsedMs: 500 });
    assert.equal(text(), "", "short transfers show nothing");
    line.update({ ...step, elapsedMs: 1000 });
    line.update({ ...step, bytes: 2 << 20, elapsedMs: 2000 });
    line.update({ ...step, bytes: 4 << 20, elapsedMs: 3000, done: true });
    assert.equal(text(), "\r\x1b[Koffload: download 1 MiB of 4 MiB, 1 MiB/s, 3 s left\r\x1b[Koffload: download 2 MiB of 4 MiB, 1 MiB/s, 2 s left\r\x1b[K");
    line.clear();
    assert.ok(text().endsWith("left\r\x1b[K"), "cleared once");
  });

  it("shows nothing when the stream is not a terminal", () => {
    const { stream, text } = terminal(false);
    new ProgressLine(stream).update({ ...step, elapsedMs: 5000 });
    assert.equal(text(), "");
  });
});
