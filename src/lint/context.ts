/**
 * What every rule gets: the file (text, datums, build-machine forms), the
 * evaluation, the machine views, the options, and `report` — which applies
 * the configured severity and drops repeats (one form evaluated many times
 * reports once).
 *
 * @example
 * context.report("speed", clause.valueSpan, "speed must be greater than 0");
 */
import type { ReadDatum } from "../../grammar/reader.ts";
import type { SourceText, Span } from "../../grammar/source.ts";
import type { Diagnostic, Fix, RuleLevel, Severity } from "./diagnostic.ts";
import type { Evaluation } from "./evaluation.ts";
import type { MachineForm } from "./machine-forms.ts";
import type { MachineView } from "./machine-view.ts";
import { ruleInfo } from "./registry.ts";

/** Options that change what rules check. */
export interface LintOptions {
  /** System types accepted besides Guix's own (`--allow-system`). */
  allowSystems?: readonly string[];
  /** Check private-key files on disk (`--check-files`). */
  checkFiles?: boolean;
  /** Severity overrides (`--rule RULE=LEVEL`). */
  ruleLevels?: ReadonlyMap<string, RuleLevel>;
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
  report(rule: string, span: Span, message: string, fix?: Fix | null, severity?: Severity): void;
  /** True if some diagnostic of `rule` was reported (even if turned off). */
  reported(rule: string): boolean;
}

/** A rule module: checks one concept and reports through the context. */
export interface RuleModule {
  name: string;
  check(context: LintContext): void;
}

/** Collects diagnostics for one file with severities applied and repeats dropped. */
export class DiagnosticCollector {
  readonly diagnostics: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  private readonly rules = new Set<string>();

  constructor(private readonly levels: ReadonlyMap<string, RuleLevel> = new Map()) {}

  add(rule: string, span: Span, message: string, fix: Fix | null = null, severity?: Severity): void {
    this.rules.add(rule);
    const key = `${rule}\u0000${span.file}\u0000${span.start}\u0000${span.end}\u0000${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const level = this.levels.get(rule) ?? severity ?? ruleInfo(rule)?.severity ?? "error";
    if (level === "off") return;
    this.diagnostics.push({ rule, severity: level, message, span, fix });
  }

  has(rule: string): boolean {
    return this.rules.has(rule);
  }
}
