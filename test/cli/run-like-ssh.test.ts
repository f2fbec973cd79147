/**
 * `offload run` behaves like ssh: standard input is forwarded (a pipe or a
 * file; a terminal or /dev/null gives end of file at once), and a command
 * that is not there is reported in the user's words, never the remote
 * wrapper's.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { offloadFarm, type OffloadFarm } from "../helpers/farm.ts";
import { collect, offloadCommand, runCli } from "../helpers/cli.ts";

describe("offload run, like ssh", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await offloadFarm(1, { parallelBuilds: 2 });
  });
  after(() => farm.stop());

  const engine = (): string[] => ["--machines", farm.machinesFile, "--state-dir", farm.stateDir];

  /** Run `offload run … -- command` with `stdin` (a string, or a file descriptor). */
  function runWith(stdin: string | number, command: string[]): ReturnType<typeof collect> {
    const [node, ...prefix] = offloadCommand();
    const child = spawn(node!, [...prefix, "run", ...engine(), "--", ...command], {
      cwd: farm.workDir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: [typeof stdin === "number" ? stdin : "pipe", "pipe", "pipe"],
    });
    if (typeof stdin === "string") child.stdin!.end(stdin);
    return collect(child, 60_000);
  }

  it("forwards piped input: echo x | offload run -- cat prints x", async () => {
    const result = await runWith("x\n", ["cat"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "x\n");
  });

  it("forwards all of a large input, and a file as standard input", async () => {
    const big = "0123456789abcdef".repeat(256 * 1024);
    const piped = await runWith(big, ["wc", "-c"]);
    assert.equal(piped.stdout.trim(), String(big.length), piped.stderr);
    const fromFile = await runWith(openSync(new URL(import.meta.url).pathname, "r"), ["head", "-c", "3"]);
    assert.equal(fromFile.stdout, "/**");
  });

  it("ends when the command does, whatever is left unread (yes | offload run -- head -1)", async () => {
    const [node, ...prefix] = offloadCommand();
    const yes = spawn("yes", [], { stdio: ["ignore", "pipe", "ignore"] });
    const child = spawn(node!, [...prefix, "run", ...engine(), "--", "head", "-n", "1"], {
      cwd: farm.workDir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: [yes.stdout!, "pipe", "pipe"],
    });
    const result = await collect(child, 60_000);
    yes.kill();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "y\n");
  });

  it("gives end of file at once with /dev/null", async () => {
    const result = await runCli(["run", ...engine(), "--", "cat"], { cwd: farm.workDir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
  });

  it("says a missing command is not found on the machine, in the user's words", async () => {
    const result = await runCli(["run", ...engine(), "--", "nonexistent-cmd", "--flag"], { cwd: farm.workDir });
    assert.equal(result.code, 127);
    assert.equal(result.stderr, "nonexistent-cmd: command not found on 127.0.0.1\n");
  });
});
