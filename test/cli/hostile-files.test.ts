// Hostile machines files through the command line (issue 15, items 5-9): each
// error is one located JSON error under `show --json` and one diagnostic under
// `lint --format json`, with a stable code and no stack trace; and the memory
// limit is an option of every command that reads machines. Needs neither Guile
// nor OpenSSH: nothing gets far enough to connect.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("cli-hostile-");

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A program whose data doubles until something stops it. */
const BOMB = "(define (grow l) (grow (append l l)))\n(grow (iota 1000))\n";

interface Case {
  name: string;
  text: string;
  code: string;
  line: number;
  column: number;
  /** Extra options (small limits keep the runs short). */
  options?: string[];
}

const CASES: readonly Case[] = [
  { name: "memory", text: BOMB, code: "limit-exceeded", line: 1, column: 24, options: ["--max-memory", "4000000"] },
  { name: "refused", text: '(define x 1)\n(system "touch /tmp/x")\n(list)\n', code: "refused", line: 2, column: 1 },
  { name: "cycle", text: "(define l (list 1))\n(set-cdr! l l)\n(length l)\n", code: "wrong-type-arg", line: 3, column: 1 },
  { name: "string", text: '(let loop ((s "xx"))\n  (loop (string-append s s)))\n', code: "limit-exceeded", line: 2, column: 9 },
  { name: "bigint", text: "(let loop ((n 2))\n  (loop (* n n)))\n", code: "limit-exceeded", line: 2, column: 9 },
  { name: "nesting", text: `(list ${"(".repeat(300)}`, code: "limit-exceeded", line: 1, column: 262 },
  { name: "device", text: '(list)\n(load "/dev/zero")\n', code: "file-error", line: 2, column: 1 },
];

test("show --json: a located JSON error with its code, exit 1, nothing on stderr but no stack", async () => {
  for (const c of CASES) {
    const path = file(`${c.name}.scm`, c.text);
    const result = await runCli(["show", "--json", ...(c.options ?? []), path]);
    assert.equal(result.code, 1, `${c.name}: ${result.stderr}`);
    const report = JSON.parse(result.stdout) as { error: { code: string; location: { file: string; line: number; column: number } | null } };
    assert.equal(report.error.code, c.code, c.name);
    assert.deepEqual(report.error.location, { file: path, line: c.line, column: c.column }, c.name);
    assert.doesNotMatch(result.stderr, /\n\s+at /, c.name);
  }
});

test("lint --format json: the same code as a located diagnostic", async () => {
  for (const c of CASES) {
    const path = file(`${c.name}.scm`, c.text);
    const result = await runCli(["lint", "--format", "json", ...(c.options ?? []), path]);
    const report = JSON.parse(result.stdout) as {
      files: Array<{ diagnostics: Array<{ rule: string; severity: string; location: { line: number; column: number } }> }>;
    };
    const hit = report.files[0]!.diagnostics.find((d) => d.rule === c.code);
    assert.ok(hit, `${c.name}: ${result.stdout}`);
    assert.deepEqual([hit.location.line, hit.location.column], [c.line, c.column], c.name);
    // A refusal is a warning (Guix loads the file; offload only cannot check the rest), everything else an error.
    assert.equal(result.code, hit.severity === "error" ? 1 : 0, c.name);
    assert.doesNotMatch(result.stderr, /\n\s+at /, c.name);
  }
});

test("--max-memory ends an allocation bomb on every command that reads machines", async () => {
  const bomb = file("bomb.scm", BOMB);
  const jobs = file("jobs.json", JSON.stringify([{ command: ["true"] }]));
  const runs: string[][] = [
    ["show", bomb],
    ["eval", "-f", bomb, "1"],
    ["lint", bomb],
    ["test", bomb],
    ["status", bomb],
    ["select", "--machines", bomb],
    ["run", "--machines", bomb, "--", "true"],
    ["build", "--machines", bomb, jobs],
    ["gc", bomb],
  ];
  for (const [command, ...rest] of runs) {
    const result = await runCli([command!, "--max-memory", "4000000", ...rest]);
    const output = command === "lint" ? result.stdout : result.stderr;
    assert.equal(result.code, 1, `${command}: ${result.stderr}`);
    assert.match(output, /more than 4000000 bytes of data .*--max-memory/, command);
  }
});

test("lint --fix on a device or a FIFO reports it and reads nothing (a FIFO with no writer once blocked it for good)", async () => {
  const fifo = join(dir, "machines.fifo");
  execFileSync("mkfifo", [fifo]);
  const result = await runCli(["lint", "--fix", "--format", "json", "/dev/zero", fifo], { timeoutMs: 30_000 });
  assert.equal(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout) as { files: Array<{ file: string; diagnostics: Array<{ rule: string }> }> };
  assert.deepEqual(
    report.files.map((f) => [f.file, f.diagnostics.map((d) => d.rule)]),
    [
      ["/dev/zero", ["file-error"]],
      [fifo, ["file-error"]],
    ],
  );
});
