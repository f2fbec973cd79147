import assert from "node:assert/strict";
import { closeSync, existsSync, ftruncateSync, openSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Chalk } from "chalk";
import { formatMachineTable } from "../../src/cli/show-command.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("offload-show-");
/** Runs the CLI from source (no stale bundle), with a HOME of its own. */
function offload(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { env: { HOME: "/home/tester", ...env } });
}
function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test("show --json prints exactly the documented shape", async () => {
  const path = file("ok.scm", `(list (build-machine (name "b1") (user "u") (host-key "ssh-ed25519 AAAA") (system "x86_64-linux")))`);
  const { code, stdout } = await offload(["show", "--json", path]);
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.deepEqual(Object.keys(report), ["file", "machines", "warnings"]);
  assert.deepEqual(Object.keys(report.machines[0]), [
    "name",
    "port",
    "systems",
    "user",
    "host-key",
    "private-key",
    "compression",
    "compression-level",
    "daemon-socket",
    "overload-threshold",
    "parallel-builds",
    "speed",
    "features",
    "location",
  ]);
  assert.deepEqual(report.machines[0].location, { file: path, line: 1, column: 7 });
  assert.equal(report.warnings[0].code, "deprecated-system");
});

test("human output: a table on stdout, warnings as FILE:LINE:COLUMN on stderr, REGEXP filters", async () => {
  const path = file(
    "two.scm",
    `(list (build-machine (name "alpha") (user "u") (host-key "k") (systems '("x86_64-linux")))\n      (build-machine (name "beta") (user "u") (host-key "k")))`,
  );
  const { code, stdout, stderr } = await offload(["show", path, "^b"]);
  assert.equal(code, 0);
  assert.match(stdout, /^NAME\s+PORT/);
  assert.match(stdout, /beta/);
  assert.doesNotMatch(stdout, /alpha/);
  assert.doesNotMatch(stdout, /\x1b\[/, "no colour when piped");
  assert.match(stderr, new RegExp(`${path}:2:7: warning: machine 'beta' has neither 'systems' nor 'system'`));
});

test("failures: exit 1 and the error object, one located line, no stack trace", async () => {
  const path = file("bad.scm", `(list\n  (build-machine (name "a") (user "u") (host-key "k") (sytems '())))`);
  const json = await offload(["show", "--json", path]);
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(report), ["file", "error"]);
  assert.equal(report.error.code, "extraneous-field-initializers");
  assert.deepEqual(report.error.location, { file: path, line: 2, column: 3 });
  const human = await offload(["show", path]);
  assert.equal(human.code, 1);
  assert.equal(human.stderr.trim().split("\n").length, 1);
  assert.match(human.stderr, new RegExp(`^${path}:2:3: error: extraneous field initializers \\(sytems\\) \\(did you mean systems\\?\\)`));
});

test("bad input gets one clear error within seconds: garbage, huge, deep, endless, recursive", async () => {
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
    ["/dev/zero", /not a regular file/],
    [file("reads-device.scm", '(load "/dev/urandom")'), /cannot read \/dev\/urandom: not a regular file/],
    [file("bomb.scm", "(let loop ((l (iota 1000))) (loop (append l l)))"), /holds more than \d+ MiB of data/],
    [file("circular.scm", "(define l (list 1)) (set-cdr! l l) (length l)"), /wrong type argument/],
  ];
  for (const [path, message] of cases) {
    const started = Date.now();
    const { code, stderr } = await offload(["show", path]);
    assert.equal(code, 1, path);
    assert.match(stderr, message, path);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    assert.ok(Date.now() - started < 30_000, `${path} took too long`);
  }
});

test("eval prints values as Guile's write does", async () => {
  const { code, stdout } = await offload(["eval", '(list 2. "a\\nb" \'sym #\\a 1/3)', "(+ 1 2)"]);
  assert.equal(code, 0);
  assert.equal(stdout, '(2.0 "a\\nb" sym #\\a 1/3)\n3\n');
  const withFile = await offload(["eval", "-f", file("m.scm", `(define n 41)`), "(+ n 1)"]);
  assert.equal(withFile.stdout, "42\n");
});

test("show marks fields of the wrong type in the table and warns on stderr, as lint does", async () => {
  const path = file("types.scm", `(list (build-machine (name "a") (port "22") (user "u") (host-key "k")\n  (systems "x86_64-linux") (features '(kvm))))`);
  const { code, stdout, stderr } = await offload(["show", path]);
  assert.equal(code, 0);
  const row = stdout.split("\n")[1]!;
  assert.match(row, /^a\s+"22" \(!\)\s+"x86_64-linux" \(!\)\s+u\s+1\s+1\s+0\.8\s+\(kvm\) \(!\)\s+1:7$/);
  assert.match(stdout, /\(!\) a value of the wrong type: Guix cannot use this machine/);
  for (const field of ["systems", "port", "features"]) {
    assert.match(stderr, new RegExp(`${path}:1:7: warning: machine 'a': field ${field} should be`), field);
  }
  const json = JSON.parse((await offload(["show", "--json", path])).stdout);
  assert.deepEqual(
    json.warnings.map((w: { code: string; field: string; value: string }) => [w.code, w.field, w.value]),
    [
      ["wrong-field-type", "systems", '"x86_64-linux"'],
      ["wrong-field-type", "port", '"22"'],
      ["wrong-field-type", "features", "(kvm)"],
    ],
  );
});

test("a missing file anywhere in the load: no machines, exit 0, a warning naming the file and where it was read", async () => {
  const absent = join(dir, "no-such-machines.scm");
  const itself = await offload(["show", absent]);
  assert.equal(itself.code, 0);
  assert.equal(itself.stdout, "no build machines\n");
  assert.equal(itself.stderr, `${absent}: warning: Guix sees no build machines: ${absent} does not exist\n`);
  const path = file(
    "key-missing.scm",
    `(list (build-machine (name "a") (user "u") (systems '("x86_64-linux"))\n  (host-key (call-with-input-file "missing.pub" (@ (ice-9 rdelim) read-line)))))`,
  );
  const key = await offload(["show", path]);
  assert.equal(key.code, 0);
  assert.match(key.stderr, new RegExp(`^${path}:2:13: warning: Guix sees no build machines: missing\\.pub does not exist \\(read at ${path}:2:13\\)`));
  const json = JSON.parse((await offload(["show", "--json", path])).stdout);
  assert.deepEqual(json.machines, []);
  assert.deepEqual(
    json.warnings.map((w: { code: string; file: string }) => [w.code, w.file]),
    [["missing-file", "missing.pub"]],
  );
});

test("--no-file-access reads the machines file itself but nothing it reads", async () => {
  writeFileSync(join(dir, "host.pub"), "ssh-ed25519 AAAA\n");
  const path = file(
    "reads-key.scm",
    `(list (build-machine (name "a") (user "u") (systems '("x86_64-linux"))\n  (host-key (call-with-input-file "host.pub" (@ (ice-9 rdelim) read-line)))))`,
  );
  const plain = file("plain.scm", `(list (build-machine (name "a") (user "u") (host-key "k") (systems '("x86_64-linux"))))`);
  const ok = await offload(["show", "--no-file-access", plain]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^a\s/m);
  const denied = await offload(["show", "--no-file-access", path]);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, new RegExp(`^${path}:2:13: error: cannot read host\\.pub: the configuration may not read other files \\(--no-file-access\\)`));
  const evaluated = await offload(["eval", "--no-file-access", "-f", plain, "(length (list 1 2))"]);
  assert.equal(evaluated.stdout, "2\n", evaluated.stderr);
});

test("eval prints a build-machine record as Guile prints it", async () => {
  const { code, stdout } = await offload(["eval", `(build-machine (name "a") (user "u") (host-key "k") (systems '("x86_64-linux")))`]);
  assert.equal(code, 0);
  assert.equal(
    stdout,
    '#<<build-machine> name: "a" port: 22 systems: ("x86_64-linux") system: #f user: "u" private-key: "/home/tester/.ssh/id_rsa" host-key: "k" ' +
      'compression: "zlib@openssh.com,zlib" compression-level: 3 daemon-socket: "/var/guix/daemon-socket/socket" overload-threshold: 0.8 ' +
      "parallel-builds: 1 speed: 1.0 features: () location: #f>\n",
  );
});

test("refused operations: code refused, the operation named, and no trace on disk", async () => {
  const scratch = tempDir("offload-refused-");
  const target = join(scratch, "created");
  const attempts = [
    `(system "touch ${target}")`,
    `(system* "touch" "${target}")`,
    `(call-with-output-file "${target}" (lambda (p) (display 1 p)))`,
    `(with-output-to-file "${target}" (lambda () (display 1)))`,
    `(open-output-file "${target}")`,
    `(open-file "${target}" "w")`,
    `(mkdir "${target}")`,
    `(symlink "/etc/hostname" "${target}")`,
    `(rename-file "${join(scratch, "x")}" "${target}")`,
    `(begin (use-modules (ice-9 popen)) (open-pipe* OPEN_READ "touch" "${target}"))`,
    `(setenv "OFFLOAD_TEST_SET" "1")`,
    `(chdir "${scratch}")`,
    `(exit 3)`,
  ];
  for (const expression of attempts) {
    const machines = file("refused.scm", `${expression}\n(list)`);
    const { code, stdout, stderr } = await offload(["show", "--json", machines]);
    assert.equal(code, 1, expression);
    const report = JSON.parse(stdout);
    assert.equal(report.error.code, "refused", expression);
    const [, operation] = /`([^`]+)` is refused$/.exec(report.error.message) ?? [];
    assert.match(report.error.message, new RegExp(`^offload does not .* while reading ${machines}: \`[^\`]+\` is refused$`), expression);
    // Located at the call itself.
    assert.equal(report.error.location.line, 1, expression);
    assert.ok(expression.slice(report.error.location.column - 1).startsWith(`(${operation} `), `${expression}: ${JSON.stringify(report.error.location)}`);
    assert.equal(stderr, "", expression);
    assert.deepEqual(readdirSync(scratch), [], `${expression} left a trace`);
    assert.equal(existsSync(target), false, expression);
  }
});

test("formatMachineTable: the header is coloured only when colour is on; a wrong-typed value is written as Scheme writes it", () => {
  const machine = {
    name: "build1",
    port: "22",
    systems: ["x86_64-linux"],
    user: "offload",
    "parallel-builds": 2,
    speed: 1,
    "overload-threshold": 0.8,
    features: [],
    location: { file: "m.scm", line: 1, column: 7 },
  };
  const rows = [{ machine, wrong: new Map([["port", '"22"']]) }];
  const plain = formatMachineTable(rows, new Chalk({ level: 0 }));
  assert.doesNotMatch(plain, /\x1b\[/);
  assert.match(plain.split("\n")[1]!, /^build1 {2}"22" \(!\) /);
  const coloured = formatMachineTable(rows, new Chalk({ level: 1 }));
  assert.match(coloured.split("\n")[0]!, /\x1b\[/);
});
