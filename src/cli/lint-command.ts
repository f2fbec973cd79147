/**
 * `offload lint [options] [FILE...]`: every mistake in machines files, with
 * exact locations, in four formats, with safe fixes.
 *
 * Exit status: 0 clean or only warnings, 1 errors (or more warnings than
 * --max-warnings), 2 usage errors.
 *
 * @example
 * // offload lint --format gcc --rule unknown-system=off /etc/guix/machines.scm
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { DEFAULT_MACHINES_FILE } from "../machines/default-file.ts";
import { fixText } from "../lint/apply-fixes.ts";
import { countSeverities, type FileReport, type RuleLevel } from "../lint/diagnostic.ts";
import { formatGcc } from "../lint/formats/gcc.ts";
import { formatJson } from "../lint/formats/json.ts";
import { formatSarif } from "../lint/formats/sarif.ts";
import { formatStylish } from "../lint/formats/stylish.ts";
import { lintFile, lintText, type LinterOptions } from "../lint/linter.ts";
import { allRules, ruleInfo } from "../lint/registry.ts";
import { unifiedDiff } from "../lint/unified-diff.ts";
import { addLimitOptions, CliError, colorsFor, loadOptionsFrom, type LimitOptions } from "./output.ts";

interface LintCommandOptions extends LimitOptions {
  format: "stylish" | "json" | "sarif" | "gcc";
  fix?: boolean;
  fixDryRun?: boolean;
  rule: string[];
  maxWarnings?: string;
  quiet?: boolean;
  allowSystem: string[];
  checkFiles?: boolean;
}

const LEVELS: readonly RuleLevel[] = ["off", "info", "warning", "error"];

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Registers `lint`. */
export function registerLintCommand(program: Command): void {
  const command = program
    .command("lint")
    .description("find every mistake in machines files before the daemon trips on it")
    .argument("[files...]", "machines files", [DEFAULT_MACHINES_FILE])
    .addOption(new Option("-f, --format <format>", "output format").choices(["stylish", "json", "sarif", "gcc"]).default("stylish"))
    .option("--fix", "apply safe fixes in place")
    .option("--fix-dry-run", "print the fixes as a unified diff instead of applying them")
    .option("--rule <rule=level>", "set a rule's level: off, info, warning or error (repeatable)", collect, [])
    .option("--max-warnings <n>", "exit 1 when there are more than N warnings")
    .option("--quiet", "report errors only")
    .option("--allow-system <system>", "accept a system type besides Guix's own (repeatable)", collect, [])
    .option("--check-files", "check private-key files on disk (default for /etc/guix/machines.scm)")
    .option("--no-check-files", "do not check private-key files");
  command.addHelpText("after", `\nRules:\n${allRules().map((r) => `  ${r.id.padEnd(32)}${r.severity.padEnd(8)}${r.fixable ? "fix  " : "     "}${r.description}`).join("\n")}\n`);
  addLimitOptions(command).action((files: string[], options: LintCommandOptions) => {
    process.exitCode = runLint(files, options);
  });
}

function parseRuleLevels(specs: readonly string[]): Map<string, RuleLevel> {
  const levels = new Map<string, RuleLevel>();
  for (const spec of specs) {
    const m = /^([a-z0-9-]+)=([a-z]+)$/.exec(spec);
    if (!m) throw new CliError(`--rule expects RULE=off|info|warning|error, got '${spec}'`, 2);
    if (!ruleInfo(m[1]!)) throw new CliError(`unknown rule '${m[1]}' (offload lint --help lists them)`, 2);
    if (!LEVELS.includes(m[2] as RuleLevel)) throw new CliError(`unknown level '${m[2]}' for ${m[1]}: use off, info, warning or error`, 2);
    levels.set(m[1]!, m[2] as RuleLevel);
  }
  return levels;
}

function parseMaxWarnings(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new CliError(`--max-warnings expects a non-negative integer, got '${text}'`, 2);
  return Number(text);
}

function linterOptionsFor(file: string, options: LintCommandOptions, ruleLevels: Map<string, RuleLevel>): LinterOptions {
  return {
    ruleLevels,
    allowSystems: options.allowSystem,
    checkFiles: options.checkFiles ?? resolve(file) === DEFAULT_MACHINES_FILE,
    load: loadOptionsFrom(options),
  };
}

/** Runs the command; returns the exit status. */
export function runLint(files: readonly string[], options: LintCommandOptions): number {
  const ruleLevels = parseRuleLevels(options.rule);
  const maxWarnings = parseMaxWarnings(options.maxWarnings);
  if (options.fix && options.fixDryRun) throw new CliError("--fix and --fix-dry-run cannot be used together", 2);
  const reports: FileReport[] = [];
  let diff = "";
  for (const file of files) {
    const linterOptions = linterOptionsFor(file, options, ruleLevels);
    if (options.fix || options.fixDryRun) {
      const original = readIfPossible(file);
      if (original !== undefined) {
        const fixed = fixText(file, original, linterOptions);
        if (options.fixDryRun) diff += unifiedDiff(file, original, fixed.text);
        else if (fixed.text !== original) writeFileSync(file, fixed.text);
        reports.push(lintText(file, fixed.text, linterOptions));
        continue;
      }
    }
    reports.push(lintFile(file, linterOptions));
  }
  const counts = countSeverities(reports);
  const shown = options.quiet ? reports.map((r) => ({ ...r, diagnostics: r.diagnostics.filter((d) => d.severity === "error") })) : reports;
  const output = render(shown, options.format, options.fixDryRun ? process.stderr : process.stdout);
  if (options.fixDryRun) {
    process.stdout.write(diff);
    process.stderr.write(output);
  } else process.stdout.write(output);
  if (counts.errorCount > 0) return 1;
  if (maxWarnings !== undefined && counts.warningCount > maxWarnings) {
    process.stderr.write(`offload lint: ${counts.warningCount} warnings, more than --max-warnings ${maxWarnings}\n`);
    return 1;
  }
  return 0;
}

function readIfPossible(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function render(reports: readonly FileReport[], format: LintCommandOptions["format"], stream: NodeJS.WriteStream): string {
  switch (format) {
    case "json":
      return formatJson(reports);
    case "sarif":
      return formatSarif(reports);
    case "gcc":
      return formatGcc(reports);
    default:
      return formatStylish(reports, colorsFor(stream));
  }
}
