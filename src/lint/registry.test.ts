import { test } from "node:test";
import assert from "node:assert/strict";
import { RULE_MODULES } from "./linter.ts";
import { allRules, isRuleId, ruleInfo } from "./registry.ts";

test("the registry is exactly the rules the rule modules declare beside their checks", () => {
  const declared = RULE_MODULES.flatMap((module) => Object.keys(module.rules)).sort();
  assert.deepEqual(
    allRules()
      .map((rule) => rule.id)
      .sort(),
    declared,
  );
  assert.equal(new Set(declared).size, declared.length, "no id is declared twice");
  for (const module of RULE_MODULES) {
    for (const [id, meta] of Object.entries(module.rules)) assert.deepEqual(isRuleId(id) && ruleInfo(id), { id, ...meta }, id);
  }
});

test("ids from the command line are checked", () => {
  assert.equal(isRuleId("speed"), true);
  assert.equal(isRuleId("sped"), false);
  assert.equal(ruleInfo("unused-machine").severity, "info");
});

test("what Guix loads but offload cannot read is a warning, not an error", () => {
  for (const id of ["refused", "unsupported", "unsupported-module"] as const) assert.equal(ruleInfo(id).severity, "warning", id);
});
