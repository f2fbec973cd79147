import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Report } from "../helpers/guile.ts";
import { compareReports, formatDifferences, jsonDifferences } from "./compare.ts";

const location = (line: number, column: number) => ({ file: "m.scm", line, column });

const machine = {
  name: "a",
  port: 22,
  systems: ["x86_64-linux"],
  speed: 2,
  features: [],
  location: location(1, 7),
};

const loaded: Report = {
  file: "m.scm",
  machines: [machine],
  warnings: [{ code: "deprecated-system", message: "deprecated", location: location(1, 7) }],
};

const failed = (code: string, message: string, at: ReturnType<typeof location> | null): Report => ({
  file: "m.scm",
  error: { code, message, location: at },
});

describe("compareReports", () => {
  it("finds no difference between equal reports", () => {
    assert.deepEqual(compareReports(loaded, structuredClone(loaded)), []);
  });

  it("names each differing field by its path", () => {
    const ours = structuredClone(loaded) as { machines: Record<string, unknown>[] };
    ours.machines[0]!.speed = 2.5;
    ours.machines[0]!.location = location(1, 8);
    assert.deepEqual(compareReports(loaded, ours), ["machines[0].speed: guile 2, ours 2.5", "machines[0].location.column: guile 7, ours 8"]);
  });

  it("reports a different number of machines by name", () => {
    const ours = { ...structuredClone(loaded), machines: [] };
    assert.deepEqual(compareReports(loaded, ours), ['machines: guile 1 ["a"], ours 0 []']);
  });

  it("compares warning codes and locations, not their messages", () => {
    const ours = structuredClone(loaded);
    ours.warnings[0]!.message = "a better message";
    assert.deepEqual(compareReports(loaded, ours), []);
    ours.warnings[0]!.location = null;
    assert.deepEqual(compareReports(loaded, ours), ['warnings[0].location: guile {"file":"m.scm","line":1,"column":7}, ours null']);
    assert.deepEqual(compareReports(loaded, { ...ours, warnings: [] }), ["warnings[0]: guile deprecated-system at m.scm:1:7, ours (none)"]);
  });

  it("compares the text of not-a-list, which Guix prints verbatim", () => {
    const guile: Report = { file: "m.scm", machines: [], warnings: [{ code: "not-a-list", message: "'m.scm' did not return", location: null }] };
    const ours = structuredClone(guile);
    ours.warnings[0]!.message = "other";
    assert.equal(compareReports(guile, ours).length, 1);
  });

  it("reports success against failure, and different error codes", () => {
    assert.equal(compareReports(loaded, failed("read-error", "x", null)).length, 1);
    assert.match(compareReports(failed("unbound-variable", "x", null), loaded)[0]!, /guile failed with unbound-variable/);
    assert.deepEqual(compareReports(failed("unbound-variable", "x", null), failed("wrong-type-arg", "y", location(2, 3))), [
      'error.code: guile "unbound-variable", ours "wrong-type-arg"',
    ]);
  });

  it("compares error locations only when Guile gives one", () => {
    const guile = failed("missing-field-initializers", "m", location(3, 7));
    assert.deepEqual(compareReports(guile, failed("missing-field-initializers", "better", location(3, 7))), []);
    assert.equal(compareReports(guile, failed("missing-field-initializers", "m", location(3, 8))).length, 1);
    assert.deepEqual(compareReports(failed("wrong-type-arg", "m", null), failed("wrong-type-arg", "m", location(9, 9))), []);
  });

  it("expects a stray ) exactly where Guile stopped, minus one column", () => {
    const guile = failed("read-error", 'unexpected ")"', location(6, 2));
    assert.deepEqual(compareReports(guile, failed("read-error", "unexpected )", location(6, 1))), []);
    assert.equal(compareReports(guile, failed("read-error", "unexpected )", location(6, 2))).length, 1);
  });

  it("accepts other read-error locations at or before where Guile stopped", () => {
    const guile = failed("read-error", "unexpected end of input while reading string", location(6, 1));
    assert.deepEqual(compareReports(guile, failed("read-error", "unterminated string", location(5, 14))), []);
    assert.equal(compareReports(guile, failed("read-error", "unterminated string", location(6, 2))).length, 1);
    assert.equal(compareReports(guile, failed("read-error", "unterminated string", null)).length, 1);
  });

  it("formats differences with both sides' context", () => {
    const text = formatDifferences("m.scm", ["x: guile 1, ours 2"], loaded, failed("read-error", "r", null));
    assert.match(text, /^m\.scm: our report disagrees with Guile's in 1 place\(s\):\n  - x: guile 1, ours 2\n  guile: warnings/);
    assert.match(text, /ours: {2}error \{"code":"read-error"/);
  });
});

describe("jsonDifferences", () => {
  it("treats numbers by value and recurses into arrays and objects", () => {
    assert.deepEqual(jsonDifferences("v", { a: [1, 2.0, -0] }, { a: [1, 2, 0] }), []);
    assert.deepEqual(jsonDifferences("v", { a: [1, "x"] }, { a: [1, "y"], b: true }), ['v.a[1]: guile "x", ours "y"', "v.b: guile (absent), ours true"]);
  });
});
