import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { PassThrough, type Readable } from "node:stream";
import { describe, it } from "node:test";
import { readPidLine, signalName, withPidLine } from "./remote-process.ts";

function collect(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    stream.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    stream.once("end", () => resolve(text));
  });
}

describe("withPidLine", () => {
  it("makes a POSIX shell print the PID the command then runs as", () => {
    const out = execFileSync("/bin/sh", ["-c", withPidLine("exec sh -c 'echo $$'")], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const [line, commandPid] = out.trim().split("\n");
    assert.equal(line, `offload-pid ${commandPid}`);
  });
});

describe("readPidLine", () => {
  it("takes the PID line off stdout and keeps what the login shell printed before it", async () => {
    const channel = new PassThrough();
    const reading = readPidLine(channel);
    channel.write("Welcome!\noffload-pid 4242\nfirst ");
    channel.end("second\n");
    const { pid, preamble, stdout } = await reading;
    assert.equal(pid, 4242);
    assert.equal(preamble.toString(), "Welcome!\n");
    assert.equal(await collect(stdout), "first second\n");
  });

  it("finds a PID line split across chunks", async () => {
    const channel = new PassThrough();
    const reading = readPidLine(channel);
    channel.write("offload-");
    await new Promise((resolve) => setImmediate(resolve));
    channel.write("pid 7");
    await new Promise((resolve) => setImmediate(resolve));
    channel.end("7\nrest");
    const { pid, stdout } = await reading;
    assert.equal(pid, 77);
    assert.equal(await collect(stdout), "rest");
  });

  it("still delivers output whose end arrived with the PID line, to a late reader", async () => {
    const channel = new PassThrough();
    channel.end("offload-pid 1\nall of it\n");
    const { stdout } = await readPidLine(channel);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await collect(stdout), "all of it\n");
  });

  it("gives back whatever arrived when the shell never printed a PID line", async () => {
    const channel = new PassThrough();
    const reading = readPidLine(channel);
    channel.end("sh: not a shell we know\n");
    const { pid, preamble, stdout } = await reading;
    assert.equal(pid, null);
    assert.equal(preamble.length, 0);
    assert.equal(await collect(stdout), "sh: not a shell we know\n");
  });
});

describe("signalName", () => {
  it("accepts names with or without SIG, in any case, and refuses the rest", () => {
    assert.equal(signalName("SIGTERM"), "TERM");
    assert.equal(signalName("kill"), "KILL");
    assert.equal(signalName("usr1"), "USR1");
    assert.throws(() => signalName("TERM; rm -rf /"), /not a signal name/);
    assert.throws(() => signalName(""), /not a signal name/);
  });
});
