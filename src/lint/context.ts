/**
 * What every rule gets: the file (text, datums, build-machine forms), the
 * evaluation, the machine views, the options, and `report` — which applies
 * the configured severity and drops repeats (one form evaluated many times
 * reports once). And what a rule module is: the rules it reports, each with
 * its metadata, beside the check that reports them.
 */
import type { ReadDatum } from "../../grammar/reader.ts";
import type { SourceText, Span } from "../../grammar/source.ts";
import type { Diagnostic, Fix, RuleLevel, Severity } from "./diagnostic.ts";
import type { Evaluation } from "./evaluation.ts";
import type { MachineForm } from "./machine-forms.ts";
import type { MachineView } from "./machine-view.ts";
import { ruleInfo, type RuleId } from "./registry.ts";

/** What `offload lint --help`, SARIF and the severities know about one rule. */
export interface RuleMeta {
  severity: Severity;
  fixable: boolean;
  description: string;
}

/** The rules one module reports, by id. */
export type RuleTable = Readonly<Record<string, RuleMeta>>;

/** Options that change what rules check. */
export interface LintOptions {
  /** System types accepted besides Guix's own (`--allow-system`). */
  allowSystems?: readonly string[];
  /** Check private-key files on disk (`--check-files`). */
  checkFiles?: boolean;
  /** HOME of the daemon's offload process, which loads the file as root (default: root's home, see daemon-home.ts). */
  daemonHome?: string;
  /** Severity overrides (`--rule RULE=LEVEL`). */
  ruleLevels?: ReadonlyMap<RuleId, RuleLevel>;
}

/** The file and everything known about it. */
export interface LintContext {
  source: SourceText;
  datums: readonly ReadDatum[];
  forms: readonly MachineForm[];
  evaluation: Evaluation;
  views: readonly MachineView[];
  options: LintOptions;
  /** Reports a problem; `severity` replaces the rule's default unless the user configured the rule. */
  report(rule: RuleId, span: Span, message: string, fix?: Fix | null, severity?: Severity): void;
  /** True if some diagnostic of `rule` was reported (even if turned off). */
  reported(rule: RuleId): boolean;
}

/**
 * A rule module: checks one concept and reports through the context. `rules`
 * is the table registry.ts reads (the same object, declared `as const` in the
 * module, so rule ids are types).
 *
 * @example
 * // a module beside its check (a simpler speed check than the one in rules/field-values.ts):
 * export const SPEED_RULES = { speed: { severity: "error", fixable: false, description: "speed must be > 0." } } as const satisfies RuleTable;
 * export const speedRule: RuleModule = {
 *   name: "speed",
 *   rules: SPEED_RULES,
 *   check(context) {
 *     for (const view of context.views) {
 *       const { value, span } = view.field("speed");
 *       if (typeof value === "number" && value <= 0) context.report("speed", span, `speed ${value} must be greater than 0`);
 *     }
 *   },
 * };
 */
export interface RuleModule {
  name: string;
  rules: RuleTable;
  check(context: LintContext): void;
}

/**
 * The most diagnostics of one rule reported for one file; the rest are
 * counted in one more diagnostic. A file of a million wrong list elements
 * would otherwise give a report hundreds of times its size.
 *
 * @example
 * MAX_DIAGNOSTICS_PER_RULE; // 1000
 */
export const MAX_DIAGNOSTICS_PER_RULE = 1000;

/**
 * Collects diagnostics for one file with severities applied and repeats
 * dropped; past {@link MAX_DIAGNOSTICS_PER_RULE} of a rule, one last
 * diagnostic counts the others.
 *
 * @example
 * import { SourceText, Span } from "../../grammar/source.ts";
 * const span = new Span(new SourceText("m.scm", "(speed 0)"), 7, 8);
 * const collector = new DiagnosticCollector(new Map([["speed", "warning"]]));
 * collector.add("speed", span, "speed 0 must be greater than 0");
 * collector.add("speed", span, "speed 0 must be greater than 0"); // the same again is dropped
 * collector.diagnostics.map((d) => [d.severity, d.span.text(), d.message]); // [["warning", "0", "speed 0 must be greater than 0"]]
 */
export class DiagnosticCollector {
  readonly diagnostics: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  private readonly rules = new Set<RuleId>();
  /** Diagnostics kept so far, by rule. */
  private readonly kept = new Map<RuleId, number>();
  /** The diagnostic counting what a rule's cap left out, and how many. */
  private readonly untold = new Map<RuleId, { diagnostic: Diagnostic; count: number }>();

  constructor(private readonly levels: ReadonlyMap<RuleId, RuleLevel> = new Map()) {}

  add(rule: RuleId, span: Span, message: string, fix: Fix | null = null, severity?: Severity): void {
    this.rules.add(rule);
    const key = `${rule}\u0000${span.file}\u0000${span.start}\u0000${span.end}\u0000${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const level = this.levels.get(rule) ?? severity ?? ruleInfo(rule).severity;
    if (level === "off") return;
    const kept = this.kept.get(rule) ?? 0;
    if (kept < MAX_DIAGNOSTICS_PER_RULE) {
      this.kept.set(rule, kept + 1);
      this.diagnostics.push({ rule, severity: level, message, span, fix });
      return;
    }
    const untold = this.untold.get(rule);
    if (untold) {
      untold.count++;
      untold.diagnostic.message = `${untold.count} more ${rule} problems are not shown (the first ${MAX_DIAGNOSTICS_PER_RULE} are)`;
    } else {
      const diagnostic: Diagnostic = {
        rule,
        severity: level,
        message: `1 more ${rule} problem is not shown (the first ${MAX_DIAGNOSTICS_PER_RULE} are)`,
        span,
        fix: null,
      };
      this.untold.set(rule, { diagnostic, count: 1 });
      this.diagnostics.push(diagnostic);
    }
  }

  has(rule: RuleId): boolean {
    return this.rules.has(rule);
  }
}
