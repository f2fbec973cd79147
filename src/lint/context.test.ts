import { test } from "node:test";
import assert from "node:assert/strict";
import { SourceText, Span } from "../../grammar/source.ts";
import { DiagnosticCollector, MAX_DIAGNOSTICS_PER_RULE } from "./context.ts";

const source = new SourceText("m.scm", "(speed 0)");
const span = new Span(source, 7, 8);

test("a rule reports with its default severity, once per span and message", () => {
  const collector = new DiagnosticCollector();
  collector.add("speed", span, "speed 0 must be greater than 0");
  collector.add("speed", span, "speed 0 must be greater than 0");
  assert.deepEqual(
    collector.diagnostics.map((d) => [d.rule, d.severity, d.span.text()]),
    [["speed", "error", "0"]],
  );
  assert.equal(collector.has("speed"), true);
  assert.equal(collector.has("port-range"), false);
});

test("the configured level wins over the rule's and the reporter's; off drops the diagnostic but counts as reported", () => {
  const configured = new DiagnosticCollector(
    new Map([
      ["speed", "warning"],
      ["overload-threshold", "off"],
    ]),
  );
  configured.add("speed", span, "a", null, "info");
  configured.add("overload-threshold", span, "b");
  assert.deepEqual(
    configured.diagnostics.map((d) => d.severity),
    ["warning"],
  );
  assert.equal(configured.has("overload-threshold"), true);
  const plain = new DiagnosticCollector();
  plain.add("overload-threshold", span, "c", null, "warning");
  assert.deepEqual(
    plain.diagnostics.map((d) => d.severity),
    ["warning"],
  );
});

test("past the cap of one rule, one more diagnostic counts the rest; other rules keep their own count", () => {
  const source = new SourceText("m.scm", "x".repeat(5_000));
  const collector = new DiagnosticCollector();
  for (let i = 0; i < MAX_DIAGNOSTICS_PER_RULE + 250; i++) collector.add("speed", new Span(source, i, i + 1), `problem ${i}`);
  collector.add("port-range", new Span(source, 0, 1), "another rule");
  const speed = collector.diagnostics.filter((d) => d.rule === "speed");
  assert.equal(speed.length, MAX_DIAGNOSTICS_PER_RULE + 1);
  assert.deepEqual(
    [speed.at(-1)!.message, speed.at(-1)!.span.start, speed.at(-1)!.fix],
    ["250 more speed problems are not shown (the first 1000 are)", MAX_DIAGNOSTICS_PER_RULE, null],
  );
  assert.equal(collector.diagnostics.filter((d) => d.rule === "port-range").length, 1);
  assert.ok(collector.has("speed"));
});
