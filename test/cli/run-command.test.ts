import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { leftoverJobs, offloadFarm, sleep, waitFor, writeFile, type OffloadFarm } from "../helpers/farm.ts";
import { collect, runCli, startCli } from "../helpers/cli.ts";
import { slotsInUse } from "../../src/offload/slots.ts";

describe("offload run", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await offloadFarm(1, { parallelBuilds: 2 });
  });
  after(() => farm.stop());

  const engine = (): string[] => ["--machines", farm.machinesFile, "--state-dir", farm.stateDir];
  const run = (args: string[], timeoutMs?: number) => runCli(["run", ...engine(), ...args], { cwd: farm.workDir, timeoutMs });

  it("sends an input, streams stdout and stderr apart, brings the output back, exits with the remote status", async () => {
    writeFile(farm.workDir, "data/in.txt", "some words\n");
    const result = await run([
      "--input",
      "data",
      "--output",
      "out/up.txt",
      "--",
      "sh",
      "-c",
      "mkdir out && tr a-z A-Z < data/in.txt > out/up.txt && echo to-out && echo to-err >&2 && exit 0",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "to-out\n");
    assert.equal(result.stderr, "to-err\n");
    assert.equal(readFileSync(join(farm.workDir, "out/up.txt"), "utf8"), "SOME WORDS\n");
    const failing = await run(["sh", "-c", "exit 42"]);
    assert.equal(failing.code, 42);
  });

  it("passes arguments and --env values through untouched", async () => {
    const marker = join(farm.servers[0]!.home, "injected");
    const args = [`; touch ${marker}`, `$(touch ${marker})`, "`id`", "a 'b' \"c\"", "new\nline", "ü"];
    const result = await run(["--env", `X=$(touch ${marker}); 'q'`, "--", "sh", "-c", 'printf "%s|" "$@" "$X"', "sh", ...args]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, [...args, `$(touch ${marker}); 'q'`].map((a) => `${a}|`).join(""));
    assert.equal(existsSync(marker), false);
  });

  it("ends the command on --timeout and --max-silent-time with status 124", async () => {
    const timeout = await run(["--timeout", "0.5", "--", "sleep", "5"]);
    assert.equal(timeout.code, 124);
    assert.match(timeout.stderr, /ended after 0\.5 s \(--timeout\)/);
    const silent = await run(["--max-silent-time", "0.5", "--", "sh", "-c", "echo tick; sleep 5"]);
    assert.equal(silent.code, 124);
    assert.equal(silent.stdout, "tick\n");
    assert.match(silent.stderr, /--max-silent-time/);
  });

  it("exits 255 with the reasons when no machine fits, and 2 on usage errors", async () => {
    const none = await run(["--system", "riscv64-linux", "--", "true"]);
    assert.equal(none.code, 255);
    assert.match(none.stderr, /no machine for system riscv64-linux:\n .*other systems/);
    for (const bad of [
      ["--env", "NOEQUALS", "true"],
      ["--timeout", "soon", "true"],
      ["--retries", "-1", "true"],
    ]) {
      const usage = await run(bad);
      assert.equal(usage.code, 2, `${bad.join(" ")}: ${usage.stderr}`);
      assert.doesNotMatch(usage.stderr, /\n\s+at /);
    }
  });

  it("says an error once, without doubling the program's name", async () => {
    const result = await run(["--output", "nothere.txt", "--", "true"]);
    assert.equal(result.code, 255, result.stderr);
    assert.match(result.stderr, /^offload: error: output nothere\.txt was not created/m);
    assert.doesNotMatch(result.stderr, /offload: error: offload:/);
  });

  it("frees its slots when killed with -9, and the remote job ends", async () => {
    const marker = join(farm.servers[0]!.home, "after-kill9");
    const child = startCli(["run", ...engine(), "--", "sh", "-c", `echo started; sleep 3; touch ${marker}`], { cwd: farm.workDir });
    const done = collect(child, 30_000);
    await waitFor(() => slotsInUse(farm.machines[0]!, farm.stateDir) === 1, 20_000, "the slot to be taken");
    await sleep(300);
    child.kill("SIGKILL");
    await done;
    assert.equal(slotsInUse(farm.machines[0]!, farm.stateDir), 0);
    await waitFor(() => leftoverJobs(farm.servers[0]!).length === 0, 5_000, "the remote scratch directory to go");
    await sleep(3200);
    assert.equal(existsSync(marker), false, "the remote command was ended");
  });

  it("on Ctrl-C stops the remote command, cleans up, releases the slot and exits 130", async () => {
    const marker = join(farm.servers[0]!.home, "after-sigint");
    const child = startCli(["run", ...engine(), "--", "sh", "-c", `echo started; sleep 3; touch ${marker}`], { cwd: farm.workDir });
    let sawStart = false;
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("started") && !sawStart) {
        sawStart = true;
        child.kill("SIGINT");
      }
    });
    const result = await collect(child, 30_000);
    assert.equal(sawStart, true);
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /interrupted/);
    assert.equal(slotsInUse(farm.machines[0]!, farm.stateDir), 0);
    assert.deepEqual(leftoverJobs(farm.servers[0]!), []);
    await sleep(3200);
    assert.equal(existsSync(marker), false);
  });
});
