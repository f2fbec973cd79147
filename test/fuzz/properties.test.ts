import { test } from "node:test";
import assert from "node:assert/strict";
import { checkOutcome, type CheckContext, type CommandOutcome } from "./properties.ts";

const main = "/case/machines.scm";
const context: CheckContext = {
  main,
  files: new Map([[main, Buffer.from('(list\n\t(build-machine (name "a")))\n')]]),
  limits: { maxSeconds: 1, maxMemory: 16 << 20, maxSteps: 1000, timeMarginMs: 1000, hangMs: 10_000, memoryMarginBytes: 100 << 20 },
};
const showError = (code: string, location: unknown, message = "boom") => JSON.stringify({ file: main, error: { code, message, location } });
const ok: CommandOutcome = {
  command: "show",
  via: "process",
  exitCode: 0,
  signal: null,
  stdout: JSON.stringify({ file: main, machines: [], warnings: [] }),
  stderr: "",
  ms: 100,
  cpuMs: 90,
  peakBytes: 50 << 20,
};
const properties = (outcome: Partial<CommandOutcome>) => checkOutcome({ ...ok, ...outcome }, context).violations.map((v) => v.property);

test("a good run breaks nothing, and its outcome is counted by code", () => {
  assert.deepEqual(checkOutcome(ok, context), { outcome: "ok", violations: [] });
  // Line 2 starts with a tab: column 9 is where Guile puts the form.
  assert.deepEqual(checkOutcome({ ...ok, exitCode: 1, stdout: showError("read-error", { file: main, line: 2, column: 9 }) }, context), {
    outcome: "error:read-error",
    violations: [],
  });
  // An error about the file as a whole names it and has no place in it.
  assert.deepEqual(properties({ exitCode: 1, stdout: showError("file-error", null, `cannot read ${main}: not a regular file`) }), []);
});

test("each broken property is named", () => {
  assert.deepEqual(properties({ stderr: "TypeError: x is undefined\n    at f (/src/a.ts:1:2)" }), ["stack-trace"]);
  assert.deepEqual(properties({ exitCode: 2 }), ["exit-status"]);
  assert.deepEqual(properties({ exitCode: 1 }), ["exit-status"]);
  assert.deepEqual(properties({ stdout: "offload: error: no" }), ["json"]);
  assert.deepEqual(properties({ exitCode: 1, stdout: showError("made-up", null, main) }), ["error-code"]);
  assert.deepEqual(properties({ exitCode: 1, stdout: showError("read-error", { file: main, line: 2, column: 40 }) }), ["location"]);
  assert.deepEqual(properties({ exitCode: 1, stdout: showError("read-error", { file: "/elsewhere.scm", line: 1, column: 1 }) }), ["location"]);
  assert.deepEqual(properties({ exitCode: 1, stdout: showError("unbound-variable", null) }), ["location"]);
  assert.deepEqual(properties({ exitCode: 1, stdout: showError("read-error", { file: main, line: 1, column: 1 }, "x".repeat(5000)) }), ["long-message"]);
  assert.deepEqual(properties({ cpuMs: 2500 }), ["time"]);
  assert.deepEqual(properties({ peakBytes: 200 << 20 }), ["memory"]);
  assert.deepEqual(properties({ exitCode: null, signal: "SIGABRT" }), ["crash"]);
  const hung = checkOutcome({ ...ok, exitCode: null, timedOut: true, ms: 10_000 }, context);
  assert.deepEqual([hung.outcome, hung.violations.map((v) => v.property)], ["killed:time", ["time"]]);
});

test("lint: every diagnostic inside the file, the exit status from the error count", () => {
  const lint = (diagnostics: unknown[], errorCount: number, exitCode: number) =>
    checkOutcome({ ...ok, command: "lint", exitCode, stdout: JSON.stringify({ files: [{ file: main, diagnostics }], errorCount, warningCount: 0 }) }, context);
  const inside = { rule: "speed", severity: "error", message: "m", location: { line: 2, column: 9, endLine: 2, endColumn: 35 }, fix: null };
  assert.deepEqual(lint([inside], 1, 1), { outcome: "error:speed", violations: [] });
  assert.deepEqual(
    lint([{ ...inside, location: { line: 3, column: 1, endLine: 9, endColumn: 1 } }], 1, 1).violations.map((v) => v.property),
    ["location"],
  );
  assert.deepEqual(
    lint([inside], 1, 0).violations.map((v) => v.property),
    ["exit-status"],
  );
  assert.deepEqual(
    lint([{ ...inside, rule: "no-such-rule" }], 1, 1).violations.map((v) => v.property),
    ["error-code"],
  );
});
