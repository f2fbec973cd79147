import assert from "node:assert/strict";
import { PassThrough, type Readable } from "node:stream";
import { describe, it } from "node:test";
import { collectOutput, forwardedSignal, splitAtStartLine } from "./remote-process.ts";

const token = "offload-start-0123";

function collect(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    stream.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    stream.once("end", () => resolve(text));
  });
}

describe("splitAtStartLine on stdout", () => {
  it("takes the start line off stdout and keeps what the login shell printed before it", async () => {
    const channel = new PassThrough();
    const { output, found, before } = splitAtStartLine(channel, token, "output-if-missing");
    channel.write(`Welcome!\n${token}\nfirst `);
    channel.end("second\n");
    assert.equal(await found, true);
    assert.equal((await before).toString(), "Welcome!\n");
    assert.equal(await collect(output), "first second\n");
  });

  it("finds a start line split across chunks", async () => {
    const channel = new PassThrough();
    const { output, found } = splitAtStartLine(channel, token, "output-if-missing");
    const collected = collect(output);
    channel.write("offload-");
    await new Promise((resolve) => setImmediate(resolve));
    channel.write("start-01");
    await new Promise((resolve) => setImmediate(resolve));
    channel.end("23\nrest");
    assert.equal(await found, true);
    assert.equal(await collected, "rest");
  });

  it("still delivers output whose end arrived with the start line, to a late reader", async () => {
    const channel = new PassThrough();
    channel.end(`${token}\nall of it\n`);
    const { output, found } = splitAtStartLine(channel, token, "output-if-missing");
    await found;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await collect(output), "all of it\n");
  });

  it("gives back whatever arrived when the shell never printed the start line", async () => {
    const channel = new PassThrough();
    const { output, found, before } = splitAtStartLine(channel, token, "output-if-missing");
    channel.end("sh: not a shell we know\n");
    assert.equal(await collect(output), "sh: not a shell we know\n");
    assert.equal(await found, false);
    assert.equal((await before).length, 0);
  });

  it("gives up looking after 64 KiB, handing everything on", async () => {
    const channel = new PassThrough();
    const { output, found } = splitAtStartLine(channel, token, "output-if-missing");
    const collected = collect(output);
    const big = "x".repeat(70 * 1024);
    channel.write(big);
    await new Promise((resolve) => setImmediate(resolve));
    channel.end(`${token}\n`);
    assert.equal(await found, false);
    assert.equal(await collected, `${big}${token}\n`);
  });
});

describe("splitAtStartLine on a supervised command's stderr", () => {
  it("keeps set-up output apart from the command's", async () => {
    const channel = new PassThrough();
    const { output, found, before } = splitAtStartLine(channel, token, "set-up");
    channel.end(`preparing\n${token}\ncommand says\n`);
    assert.equal(await collect(output), "command says\n");
    assert.equal(await found, true);
    assert.equal((await before).toString(), "preparing\n");
  });

  it("reports a set-up that never got to the start line, keeping at most 64 KiB of what it said", async () => {
    const channel = new PassThrough();
    const { output, found, before } = splitAtStartLine(channel, token, "set-up");
    const collected = collect(output);
    channel.end(`offload: cannot place input x\n${"y".repeat(100 * 1024)}`);
    assert.equal(await collected, "");
    assert.equal(await found, false);
    const kept = (await before).toString();
    assert.equal(kept.length, 64 * 1024);
    assert.ok(kept.startsWith("offload: cannot place input x\n"));
  });
});

describe("forwardedSignal", () => {
  it("accepts the signals the supervisor forwards, with or without SIG, in any case, and refuses the rest", () => {
    assert.equal(forwardedSignal("SIGTERM"), "TERM");
    assert.equal(forwardedSignal("kill"), "KILL");
    assert.equal(forwardedSignal("usr2"), "USR2");
    assert.throws(() => forwardedSignal("USR1"), /not a signal offload forwards/); // the supervisor's own
    assert.throws(() => forwardedSignal("TERM; rm -rf /"), /not a signal offload forwards/);
    assert.throws(() => forwardedSignal(""), /not a signal offload forwards/);
  });
});

describe("collectOutput", () => {
  it("keeps a stream's bytes until it ends, and reports (and drops) what passes the limit", async () => {
    const stream = new PassThrough();
    let tooMuch = 0;
    const collected = collectOutput(stream, 5, () => tooMuch++);
    stream.write("abc");
    stream.write("de");
    stream.write("f");
    stream.end("g");
    assert.equal((await collected).toString(), "abcde");
    assert.equal(tooMuch, 2);
  });

  it("ends with what came when the stream is closed without an end", async () => {
    const stream = new PassThrough();
    const collected = collectOutput(stream, 100, () => assert.fail("within the limit"));
    stream.write("partial");
    await new Promise((resolve) => setImmediate(resolve));
    stream.destroy();
    assert.equal((await collected).toString(), "partial");
  });
});
