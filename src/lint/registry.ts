/**
 * Every lint rule, gathered from the rule modules, where each rule's
 * metadata (default severity, whether it can fix, a line of documentation)
 * sits beside the check that reports it. Rule ids are a type ({@link RuleId}),
 * so a misspelt id in a rule does not compile. Rule ids for load failures are
 * the reader's and evaluator's error codes, so `offload show` and
 * `offload lint` agree; every such code has a rule.
 *
 * @example
 * ruleInfo("deprecated-system").severity; // "warning"
 * isRuleId("no-such-rule");               // false
 */
import type { SchemeErrorCode } from "../scheme/errors.ts";
import type { RuleMeta } from "./context.ts";
import { DUPLICATE_MACHINE_RULES } from "./rules/duplicate-machine.ts";
import { FIELD_VALUE_RULES } from "./rules/field-values.ts";
import { HOST_KEY_RULES } from "./rules/host-key.ts";
import { LOAD_ERROR_RULES } from "./rules/load-errors.ts";
import { PLACEHOLDER_RULES } from "./rules/placeholder.ts";
import { PRIVATE_KEY_RULES } from "./rules/private-key.ts";
import { RECORD_SYNTAX_RULES } from "./rules/record-syntax.ts";
import { RESULT_VALUE_RULES } from "./rules/result-value.ts";
import { SYSTEMS_RULES } from "./rules/systems.ts";

/** The rule tables in documentation order. */
const RULE_TABLES = [
  LOAD_ERROR_RULES,
  RECORD_SYNTAX_RULES,
  SYSTEMS_RULES,
  HOST_KEY_RULES,
  PLACEHOLDER_RULES,
  PRIVATE_KEY_RULES,
  DUPLICATE_MACHINE_RULES,
  FIELD_VALUE_RULES,
  RESULT_VALUE_RULES,
] as const;

type KeysOf<T> = T extends unknown ? keyof T & string : never;

/** The id of a lint rule. */
export type RuleId = KeysOf<(typeof RULE_TABLES)[number]>;

// Compiles only while every error the reader or evaluator can raise has a rule
// (a file not found is missing-file-read, see rules/load-errors.ts).
const EVERY_ERROR_CODE_IS_A_RULE: [Exclude<SchemeErrorCode, "file-not-found">] extends [RuleId] ? true : never = true;
void EVERY_ERROR_CODE_IS_A_RULE;

/** What the registry knows about a rule. */
export interface RuleInfo extends RuleMeta {
  id: RuleId;
}

const RULES: readonly RuleInfo[] = RULE_TABLES.flatMap((table) => Object.entries(table).map(([id, meta]) => ({ id: id as RuleId, ...(meta as RuleMeta) })));

const BY_ID: ReadonlyMap<string, RuleInfo> = new Map(RULES.map((rule) => [rule.id, rule]));

/**
 * Every rule, in documentation order.
 *
 * @example
 * allRules().map((rule) => rule.id).includes("speed"); // true
 */
export function allRules(): readonly RuleInfo[] {
  return RULES;
}

/**
 * Whether `text` names a rule (for ids from the command line).
 *
 * @example
 * isRuleId("speed"); // true
 */
export function isRuleId(text: string): text is RuleId {
  return BY_ID.has(text);
}

/**
 * The rule with this id.
 *
 * @example
 * ruleInfo("unused-machine").severity; // "info"
 */
export function ruleInfo(id: RuleId): RuleInfo {
  return BY_ID.get(id)!;
}
