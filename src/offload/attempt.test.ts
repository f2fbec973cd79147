import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { leftoverJobs, withOneMachineSession, writeFile } from "../../test/helpers/farm.ts";
import { newJobId, runAttempt, type Phase } from "./attempt.ts";
import { collectInputs } from "./local-inputs.ts";
import type { TransferProgress } from "./progress.ts";

describe("one attempt on one machine", () => {
  const one = withOneMachineSession();

  it("goes through upload, run and download, with the numbers", async () => {
    writeFile(one.farm.workDir, "in.txt", "abc");
    const inputs = await collectInputs(["in.txt"], one.farm.workDir);
    const phases: Phase[] = [];
    let out = "";
    const stdout = new PassThrough().on("data", (chunk: Buffer) => (out += chunk.toString()));
    const result = await runAttempt(
      one.session,
      { command: ["sh", "-c", "cat in.txt in.txt > out.txt; pwd"], env: {}, outputs: ["out.txt"], outputDir: one.farm.workDir },
      inputs,
      {
        stdout,
        stderr: new PassThrough().resume(),
        onPhase: (phase) => phases.push(phase),
      },
    );
    assert.deepEqual(phases, ["upload", "run", "download"]);
    assert.equal(result.exitCode, 0);
    assert.equal(result.bytesUp, 3);
    assert.equal(result.bytesDown, 6);
    assert.equal(readFileSync(join(one.farm.workDir, "out.txt"), "utf8"), "abcabc");
    assert.match(out, /\.cache\/offload\/jobs\/[a-z0-9]+-[0-9a-f]{12}\n$/, "runs in a fresh scratch directory");
    assert.deepEqual(leftoverJobs(one.farm.servers[0]!), []);
  });

  it("reports transfer progress: bytes of the total, ending with the whole", async () => {
    writeFile(one.farm.workDir, "progress-in.bin", Buffer.alloc(3_000_000, 1));
    const inputs = await collectInputs(["progress-in.bin"], one.farm.workDir);
    const seen: TransferProgress[] = [];
    const result = await runAttempt(
      one.session,
      { command: ["sh", "-c", "head -c 2000000 /dev/zero > out.bin"], env: {}, outputs: ["out.bin"], outputDir: one.farm.workDir },
      inputs,
      { stdout: new PassThrough().resume(), stderr: new PassThrough().resume(), onProgress: (progress) => seen.push(progress) },
    );
    assert.equal(result.exitCode, 0);
    for (const [direction, total] of [
      ["upload", 3_000_000],
      ["download", 2_000_000],
    ] as const) {
      const steps = seen.filter((progress) => progress.direction === direction);
      assert.ok(steps.length >= 2, `${direction}: a first and a last report`);
      assert.ok(steps.every((progress) => progress.totalBytes === total));
      assert.deepEqual(
        steps.map((progress) => progress.bytes),
        [...steps.map((progress) => progress.bytes)].sort((a, b) => a - b),
        "never backwards",
      );
      assert.deepEqual([steps.at(-1)!.bytes, steps.at(-1)!.done], [total, true]);
    }
  });

  it("makes distinct job ids", () => {
    const ids = new Set(Array.from({ length: 100 }, newJobId));
    assert.equal(ids.size, 100);
  });
});
