// offload build before any machine is used: its help and the checks of the
// jobs file. Needs neither Guile nor OpenSSH.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("cli-build-usage-");

test("--help shows the JOBS.json format with an example", async () => {
  const help = (await runCli(["build", "--help"])).stdout;
  for (const field of ["name", "command", "system", "features", "inputs", "outputs", "env", "timeout", "max-silent-time", "dir"])
    assert.match(help, new RegExp(`\\n  ${field} +\\S`), field);
  assert.match(help, /Example:\n +\[\n +\{"name": "unit-tests", "command": \["make", "check"\]/);
});

test("a bad jobs file is one line naming the place and the expectation, before any machine is read", async () => {
  const file = join(dir, "jobs.json");
  writeFileSync(file, JSON.stringify([{ command: ["a"] }, { command: ["b"] }, { command: ["c"] }, { command: ["d"], inputs: "a.txt" }]));
  const result = await runCli(["build", "--machines", join(dir, "no-such-machines.scm"), file]);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, `offload: error: ${file}: jobs[3].inputs: expected a list of paths, got "a.txt"\n`);
});
