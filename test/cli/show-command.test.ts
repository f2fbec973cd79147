import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync, openSync, ftruncateSync, closeSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("offload-show-");
function offload(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync("node", ["bin/offload", ...args], { encoding: "utf8", env: { ...process.env, HOME: "/home/tester", NO_COLOR: "1", ...env }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test("show --json prints exactly the documented shape", () => {
  const path = file("ok.scm", `(list (build-machine (name "b1") (user "u") (host-key "ssh-ed25519 AAAA") (system "x86_64-linux")))`);
  const { code, stdout } = offload(["show", "--json", path]);
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.deepEqual(Object.keys(report), ["file", "machines", "warnings"]);
  assert.deepEqual(Object.keys(report.machines[0]), [
    "name", "port", "systems", "user", "host-key", "private-key", "compression", "compression-level",
    "daemon-socket", "overload-threshold", "parallel-builds", "speed", "features", "location",
  ]);
  assert.deepEqual(report.machines[0].location, { file: path, line: 1, column: 7 });
  assert.equal(report.warnings[0].code, "deprecated-system");
});

test("human output: a table on stdout, warnings as FILE:LINE:COLUMN on stderr, REGEXP filters", () => {
  const path = file("two.scm", `(list (build-machine (name "alpha") (user "u") (host-key "k") (systems '("x86_64-linux")))\n      (build-machine (name "beta") (user "u") (host-key "k")))`);
  const { code, stdout, stderr } = offload(["show", path, "^b"]);
  assert.equal(code, 0);
  assert.match(stdout, /^NAME\s+PORT/);
  assert.match(stdout, /beta/);
  assert.doesNotMatch(stdout, /alpha/);
  assert.doesNotMatch(stdout, /\x1b\[/, "no colour when piped");
  assert.match(stderr, new RegExp(`${path}:2:7: warning: machine 'beta' has neither 'systems' nor 'system'`));
});

test("failures: exit 1 and the error object, one located line, no stack trace", () => {
  const path = file("bad.scm", `(list\n  (build-machine (name "a") (user "u") (host-key "k") (sytems '())))`);
  const json = offload(["show", "--json", path]);
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(report), ["file", "error"]);
  assert.equal(report.error.code, "extraneous-field-initializers");
  assert.deepEqual(report.error.location, { file: path, line: 2, column: 3 });
  const human = offload(["show", path]);
  assert.equal(human.code, 1);
  assert.equal(human.stderr.trim().split("\n").length, 1);
  assert.match(human.stderr, new RegExp(`^${path}:2:3: error: extraneous field initializers \\(sytems\\) \\(did you mean systems\\?\\)`));
});

test("bad input gets one clear error within seconds: garbage, huge, deep, endless, recursive", () => {
  const big = join(dir, "huge.scm");
  const fd = openSync(big, "w");
  ftruncateSync(fd, 100 * 1024 * 1024);
  closeSync(fd);
  const cases: Array<[string, RegExp]> = [
    [file("garbage.scm", Buffer.from([0x28, 0xff, 0xfe, 0xfd, 0x00, 0x01, 0x29])), /invalid UTF-8 at byte 1/],
    [big, /more than the limit of 67108864/],
    [file("deep.scm", "(".repeat(100_000) + ")".repeat(100_000)), /nested more than 256 deep/],
    [file("loop.scm", "(let loop () (loop))"), /steps|seconds/],
    [file("recursion.scm", "(define (f n) (+ 1 (f n)))\n(f 0)"), /nested more than|too deep/],
  ];
  for (const [path, message] of cases) {
    const started = Date.now();
    const { code, stderr } = offload(["show", path]);
    assert.equal(code, 1, path);
    assert.match(stderr, message, path);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    assert.ok(Date.now() - started < 30_000, `${path} took too long`);
  }
});

test("eval prints values as Guile's write does", () => {
  const { code, stdout } = offload(["eval", "(list 2. \"a\\nb\" 'sym #\\a 1/3)", "(+ 1 2)"]);
  assert.equal(code, 0);
  assert.equal(stdout, "(2.0 \"a\\nb\" sym #\\a 1/3)\n3\n");
  const withFile = offload(["eval", "-f", file("m.scm", `(define n 41)`), "(+ n 1)"]);
  assert.equal(withFile.stdout, "42\n");
});
