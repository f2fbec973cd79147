// `offload show` takes its machines file as test and status do: FILE,
// --machines or $OFFLOAD_MACHINES; a REGEXP that matches no machine is an error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("cli-show-selection-");
const file = join(dir, "machines.scm");
const machine = (name: string) => `(build-machine (name "${name}") (user "u") (host-key "ssh-ed25519 AAAA") (systems (list "x86_64-linux")))`;
// build1 twice: show prints the file as Guix reads it, duplicates included.
writeFileSync(file, `(list ${machine("build1")}\n      ${machine("build1")}\n      ${machine("gpu1")})\n`);

const names = (stdout: string) => (JSON.parse(stdout) as { machines: Array<{ name: string }> }).machines.map((m) => m.name);

test("--machines and $OFFLOAD_MACHINES name the file; REGEXP is then the only argument", async () => {
  const byOption = await runCli(["show", "--json", "--machines", file, "^build"]);
  assert.equal(byOption.code, 0, byOption.stderr);
  assert.deepEqual(names(byOption.stdout), ["build1", "build1"]);
  const byEnv = await runCli(["show", "--json"], { env: { OFFLOAD_MACHINES: file } });
  assert.deepEqual(names(byEnv.stdout), ["build1", "build1", "gpu1"]);
  const byArgument = await runCli(["show", "--json", file, "gpu"], { env: { OFFLOAD_MACHINES: join(dir, "elsewhere.scm") } });
  assert.deepEqual(names(byArgument.stdout), ["gpu1"]);
  const twice = await runCli(["show", "--machines", file, file, "^build"]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /^offload: error: the machines file is given twice/);
});

test("a REGEXP that matches no machine is an error, in the table and in JSON", async () => {
  for (const json of [[], ["--json"]]) {
    const result = await runCli(["show", ...json, file, "^nothing$"]);
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, `offload: error: no machine in ${file} matches ^nothing$\n`);
  }
  const table = await runCli(["show", file, "^gpu"]);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^gpu1 /m);
  assert.doesNotMatch(table.stdout, /build1/);
});
