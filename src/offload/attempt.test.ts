import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { leftoverJobs, withOneMachineSession, writeFile } from "../../test/helpers/farm.ts";
import { newJobId, runAttempt, type Phase } from "./attempt.ts";
import { collectInputs } from "./local-inputs.ts";

describe("one attempt on one machine", () => {
  const one = withOneMachineSession();

  it("goes through upload, run and download, with the numbers", async () => {
    writeFile(one.farm.workDir, "in.txt", "abc");
    const inputs = await collectInputs(["in.txt"], one.farm.workDir);
    const phases: Phase[] = [];
    let out = "";
    const stdout = new PassThrough().on("data", (chunk: Buffer) => (out += chunk.toString()));
    const result = await runAttempt(one.session, { command: ["sh", "-c", "cat in.txt in.txt > out.txt; pwd"], env: {}, outputs: ["out.txt"], outputDir: one.farm.workDir }, inputs, {
      stdout,
      stderr: new PassThrough().resume(),
      onPhase: (phase) => phases.push(phase),
    });
    assert.deepEqual(phases, ["upload", "run", "download"]);
    assert.equal(result.exitCode, 0);
    assert.equal(result.bytesUp, 3);
    assert.equal(result.bytesDown, 6);
    assert.equal(readFileSync(join(one.farm.workDir, "out.txt"), "utf8"), "abcabc");
    assert.match(out, /\.cache\/offload\/jobs\/[a-z0-9]+-[0-9a-f]{12}\n$/, "runs in a fresh scratch directory");
    assert.deepEqual(leftoverJobs(one.farm.servers[0]!), []);
  });

  it("makes distinct job ids", () => {
    const ids = new Set(Array.from({ length: 100 }, newJobId));
    assert.equal(ids.size, 100);
  });
});
