/**
 * Lints one machines file: read it, find its build-machine forms, evaluate
 * it as Guix would, and run every rule module. Never throws for bad input:
 * every problem becomes a diagnostic.
 *
 * @example
 * // a file Guix cannot even read is a diagnostic too
 * lintText("m.scm", '(list (build-machine (name "a")').diagnostics.map((d) => [d.rule, d.message]);
 * // [["read-error", "unterminated list starting at 1:7: missing ) (Guix cannot read the file: every build that would offload fails)"]]
 */
import { readSource, ReadError, type ReadDatum } from "../../grammar/reader.ts";
import { SourceText, Span } from "../../grammar/source.ts";
import type { LoadOptions } from "../machines/load.ts";
import { SchemeError } from "../scheme/errors.ts";
import { readFileText } from "../scheme/file-reader.ts";
import { DiagnosticCollector, type LintContext, type LintOptions, type RuleModule } from "./context.ts";
import { compareDiagnostics, type FileReport } from "./diagnostic.ts";
import { daemonHome } from "./daemon-home.ts";
import { evaluateMachines } from "./evaluation.ts";
import { findMachineForms } from "./machine-forms.ts";
import { viewsOf } from "./machine-view.ts";
import { duplicateMachineRule } from "./rules/duplicate-machine.ts";
import { fieldValuesRule } from "./rules/field-values.ts";
import { hostKeyRule } from "./rules/host-key.ts";
import { loadErrorsRule } from "./rules/load-errors.ts";
import { placeholderRule } from "./rules/placeholder.ts";
import { privateKeyRule } from "./rules/private-key.ts";
import { recordSyntaxRule } from "./rules/record-syntax.ts";
import { resultValueRule } from "./rules/result-value.ts";
import { systemsRule } from "./rules/systems.ts";

/**
 * Rule modules in the order they run (load-errors after the syntactic rules it defers to).
 *
 * @example
 * RULE_MODULES.map((module) => module.name);
 * // ["record-syntax", "placeholder", "load-errors", "result-value", "systems", "host-key", "field-values", "duplicate-machine", "private-key"]
 */
export const RULE_MODULES: readonly RuleModule[] = [
  recordSyntaxRule,
  placeholderRule,
  loadErrorsRule,
  resultValueRule,
  systemsRule,
  hostKeyRule,
  fieldValuesRule,
  duplicateMachineRule,
  privateKeyRule,
];

/** Everything a lint run needs: rule options plus evaluation limits. */
export interface LinterOptions extends LintOptions {
  load?: LoadOptions;
}

/**
 * Lints `file` from disk.
 *
 * @example
 * lintFile("/nonexistent/machines.scm").diagnostics.map((d) => [d.rule, d.message]);
 * // [["file-error", "cannot read /nonexistent/machines.scm: no such file (Guix then offloads nothing)"]]
 */
export function lintFile(file: string, options: LinterOptions = {}): FileReport {
  let source: SourceText;
  try {
    // The evaluator's own reading: devices and FIFOs refused, bytes counted as they are read.
    source = readFileText(file, file, options.load ?? {});
  } catch (error) {
    if (error instanceof ReadError) return readFailure(file, error.span.source.text, error, options);
    if (!(error instanceof SchemeError)) throw error;
    const collector = new DiagnosticCollector(options.ruleLevels);
    const message = error.code === "file-not-found" ? `${error.message} (Guix then offloads nothing)` : error.message;
    collector.add(error.code === "limit-exceeded" ? "limit-exceeded" : "file-error", new Span(new SourceText(file, ""), 0, 0), message);
    return { file, text: "", diagnostics: collector.diagnostics };
  }
  return lintSource(source, options);
}

/**
 * Lints text already in memory (tests, editors, --fix passes).
 *
 * @example
 * lintText("m.scm", "(list)").diagnostics.map((d) => d.rule); // ["no-machines"]
 */
export function lintText(file: string, text: string, options: LinterOptions = {}): FileReport {
  return lintSource(new SourceText(file, text), options);
}

/**
 * The environment the file is evaluated in: the daemon's offload process sees
 * root's HOME, whoever runs the linter (an explicit `load.env` wins).
 */
function daemonEnvironment(options: LinterOptions): Record<string, string | undefined> {
  return options.load?.env ?? { ...process.env, HOME: options.daemonHome ?? daemonHome() };
}

function readFailure(file: string, text: string, error: ReadError, options: LinterOptions): FileReport {
  const collector = new DiagnosticCollector(options.ruleLevels);
  collector.add(error.code, error.span, `${error.message} (Guix cannot read the file: every build that would offload fails)`);
  return { file, text, diagnostics: collector.diagnostics };
}

function lintSource(source: SourceText, options: LinterOptions): FileReport {
  let datums: ReadDatum[];
  try {
    datums = readSource(source, options.load ?? {});
  } catch (error) {
    if (!(error instanceof ReadError)) throw error;
    return readFailure(source.file, source.text, error, options);
  }
  const collector = new DiagnosticCollector(options.ruleLevels);
  const forms = findMachineForms(datums);
  const evaluation = evaluateMachines(source, datums, { ...options.load, env: daemonEnvironment(options) });
  const context: LintContext = {
    source,
    datums,
    forms,
    evaluation,
    views: viewsOf(forms, evaluation),
    options,
    report: (rule, span, message, fix, severity) => collector.add(rule, span, message, fix ?? null, severity),
    reported: (rule) => collector.has(rule),
  };
  for (const rule of RULE_MODULES) rule.check(context);
  return { file: source.file, text: source.text, diagnostics: collector.diagnostics.sort(compareDiagnostics) };
}
