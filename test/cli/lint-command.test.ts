import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";

type Run = { status: number | null; stdout: string; stderr: string };

/**
 * Runs the real program in a child process. Not in this process: under
 * `node --test` the runner writes its own protocol to this process's stdout,
 * so capturing stdout here would mix the runner's messages into ours.
 */
async function offload(...args: string[]): Promise<Run> {
  const { code, stdout, stderr } = await runCli(args);
  return { status: code, stdout, stderr };
}

const dir = tempDir("lint-cli-");

test("exit 1 and a located error", async () => {
  const r = await offload("lint", "--format", "gcc", "fixtures/lint/speed.scm");
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^fixtures\/lint\/speed\.scm:6:15: error: speed 0 must be greater than 0/);
});

test("exit 0 for a clean file, with no output", async () => {
  const r = await offload("lint", "fixtures/lint/port-range.ok.scm");
  assert.equal(r.status, 0);
  assert.equal(r.stdout, "");
});

test("exit 0 with only warnings; exit 1 with --max-warnings 0", async () => {
  assert.equal((await offload("lint", "fixtures/lint/deprecated-system.scm")).status, 0);
  const r = await offload("lint", "--max-warnings", "0", "fixtures/lint/deprecated-system.scm");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /2 warnings, more than --max-warnings 0/);
});

test("exit 1 with errors; several files in one report", async () => {
  const r = await offload("lint", "--format", "json", "fixtures/lint/port-range.scm", "fixtures/lint/speed.ok.scm");
  assert.equal(r.status, 1);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(
    json.files.map((f: { file: string }) => f.file),
    ["fixtures/lint/port-range.scm", "fixtures/lint/speed.ok.scm"],
  );
  assert.equal(json.errorCount, 2);
});

test("exit 2 for usage errors", async () => {
  assert.equal((await offload("lint", "--rule", "no-such-rule=off", "fixtures/lint/speed.scm")).status, 2);
  assert.equal((await offload("lint", "--rule", "speed=loud", "fixtures/lint/speed.scm")).status, 2);
  assert.equal((await offload("lint", "--format", "xml", "fixtures/lint/speed.scm")).status, 2);
  assert.equal((await offload("lint", "--max-warnings", "many", "fixtures/lint/speed.scm")).status, 2);
  assert.equal((await offload("lint", "--bogus")).status, 2);
});

test("--rule changes severities; --quiet shows errors only", async () => {
  assert.equal((await offload("lint", "--rule", "speed=warning", "fixtures/lint/speed.scm")).status, 0);
  const r = await offload("lint", "--quiet", "--format", "gcc", "fixtures/lint/overload-threshold.scm");
  assert.equal(r.status, 1);
  assert.deepEqual(
    r.stdout
      .trim()
      .split("\n")
      .map((l) => l.replace(/^.*\[(.*)\]$/, "$1 ") + l.split(": ")[1]),
    ["overload-threshold error"],
  );
});

test("--allow-system accepts a system type", async () => {
  const r = await offload("lint", "--format", "gcc", "--allow-system", "x86-64-linux", "fixtures/lint/unknown-system.scm");
  assert.equal(r.stdout, "");
});

test("gcc and sarif formats", async () => {
  const gcc = await offload("lint", "--format", "gcc", "fixtures/lint/systems-not-list.scm");
  assert.match(gcc.stdout, /^fixtures\/lint\/systems-not-list\.scm:3:17: error: .* \[systems-not-list\]\n$/);
  const sarif = JSON.parse((await offload("lint", "--format", "sarif", "fixtures/lint/systems-not-list.scm")).stdout);
  assert.equal(sarif.version, "2.1.0");
  assert.equal(sarif.runs[0].results[0].ruleId, "systems-not-list");
});

test("stylish: code frame and summary", async () => {
  const r = await offload("lint", "fixtures/lint/speed.scm");
  assert.match(r.stdout, /6:15 +error +speed 0 must be greater than 0/);
  assert.match(r.stdout, /\n +6 \| +\(speed 0\)\)\n +\| +\^\n/);
  assert.match(r.stdout, /✖ 2 problems \(2 errors, 0 warnings, 0 info\)/);
});

test("--fix-dry-run prints a unified diff and leaves the file alone", async () => {
  const file = `${dir}/dry.scm`;
  copyFileSync("fixtures/lint/deprecated-system.scm", file);
  const before = readFileSync(file, "utf8");
  const r = await offload("lint", "--fix-dry-run", file);
  assert.equal(readFileSync(file, "utf8"), before);
  assert.match(r.stdout, /^--- .*dry\.scm\n\+\+\+ .*dry\.scm\n@@ /);
  assert.match(r.stdout, /\n-       \(system "x86_64-linux"\) ; the old way\n\+       \(systems \(list "x86_64-linux"\)\) ; the old way\n/);
});

test("--fix applies fixes in place, keeps comments, and a second --fix changes nothing", async () => {
  const file = `${dir}/fix.scm`;
  writeFileSync(file, readFileSync("fixtures/lint/not-a-list.scm", "utf8"));
  assert.equal((await offload("lint", "--fix", file)).status, 0);
  const fixed = readFileSync(file, "utf8");
  assert.match(fixed, /^;; a bare record, pasted from the blog\n\(list \(build-machine\n/);
  await offload("lint", "--fix", file);
  assert.equal(readFileSync(file, "utf8"), fixed);
  const show = JSON.parse((await offload("show", "--json", file)).stdout);
  assert.equal(show.machines.length, 1);
});

test("--check-files is off by default for other files and checks keys when asked", async () => {
  const file = `${dir}/keys.scm`;
  writeFileSync(
    file,
    `(list (build-machine (name "b") (systems (list "x86_64-linux")) (user "u") (private-key "${dir}/missing-key")
  (host-key "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF")))\n`,
  );
  assert.equal((await offload("lint", file)).status, 0);
  const r = await offload("lint", "--check-files", "--format", "gcc", file);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /error: private key .*missing-key does not exist.*\[private-key\]/);
});

test("a missing file is an error", async () => {
  const r = await offload("lint", "--format", "gcc", `${dir}/nope.scm`);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /nope\.scm:1:1: error: cannot read .*no such file.*\[file-error\]/);
});
