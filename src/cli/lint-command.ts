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
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { DEFAULT_MACHINES_FILE } from "../machines/default-file.ts";
import { DEFAULT_MAX_BYTES } from "../scheme/limit-defaults.ts";
import { fixText } from "../lint/apply-fixes.ts";
import { countSeverities, type FileReport, type RuleLevel } from "../lint/diagnostic.ts";
import { formatGcc } from "../lint/formats/gcc.ts";
import { formatJson } from "../lint/formats/json.ts";
import { formatSarif } from "../lint/formats/sarif.ts";
import { formatStylish } from "../lint/formats/stylish.ts";
import { lintFile, lintText, type LinterOptions } from "../lint/linter.ts";
import { allRules, isRuleId, type RuleId } from "../lint/registry.ts";
import { unifiedDiff } from "../lint/unified-diff.ts";
import { addLimitOptions, loadOptionsFrom, type LimitOptions } from "./limit-options.ts";
import { machinesOption } from "./machines-file.ts";
import { repeatableOption, wholeNumberOption } from "./option-kinds.ts";
import { colorsFor, errorLine, UsageError } from "./output.ts";

interface LintCommandOptions extends LimitOptions {
  format: "stylish" | "json" | "sarif" | "gcc";
  fix?: boolean;
  fixDryRun?: boolean;
  machines: string;
  rule?: Map<RuleId, RuleLevel>;
  maxWarnings?: number;
  quiet?: boolean;
  allowSystem?: string[];
  checkFiles?: boolean;
}

const LEVELS: readonly RuleLevel[] = ["off", "info", "warning", "error"];

/** Register `offload lint`. */
export function registerLintCommand(program: Command): void {
  const command = program
    .command("lint")
    .description("find every mistake in machines files before the daemon trips on it")
    .argument("[files...]", "machines files (default: --machines, $OFFLOAD_MACHINES, /etc/guix/machines.scm)")
    .addOption(machinesOption())
    .addOption(new Option("-f, --format <format>", "output format").choices(["stylish", "json", "sarif", "gcc"]).default("stylish"))
    .option("--fix", "apply safe fixes in place")
    .option("--fix-dry-run", "print the fixes as a unified diff instead of applying them")
    .option("--rule <rule=level>", "set a rule's level: off, info, warning or error (repeatable)", parseRuleLevel)
    .addOption(wholeNumberOption("--max-warnings <n>", "exit 1 when there are more than N warnings", { min: 0 }))
    .option("--quiet", "report errors only")
    .addOption(repeatableOption("--allow-system <system>", "accept a system type besides Guix's own (repeatable)"))
    .option("--check-files", "check private-key files on disk (default for /etc/guix/machines.scm)")
    .option("--no-check-files", "do not check private-key files");
  command.addHelpText(
    "after",
    `\nRules:\n${allRules()
      .map((r) => `  ${r.id.padEnd(32)}${r.severity.padEnd(8)}${r.fixable ? "fix  " : "     "}${r.description}`)
      .join("\n")}\n`,
  );
  addLimitOptions(command).action((files: string[], options: LintCommandOptions, self: Command) => {
    process.exitCode = runLint(lintedFiles(files, options.machines, self.getOptionValueSource("machines") === "cli"), options);
  });
}

/**
 * One `--rule RULE=LEVEL`, added to the levels before it.
 *
 * @example
 * // offload lint --rule speed=warning --rule placeholder=off  → speed is a warning, placeholder is not reported
 * // offload lint --rule sped=warning  → offload: error: option '--rule <rule=level>' argument 'sped=warning' is invalid: unknown rule 'sped' …
 */
function parseRuleLevel(spec: string, previous: Map<RuleId, RuleLevel> = new Map()): Map<RuleId, RuleLevel> {
  const m = /^([a-z0-9-]+)=([a-z]+)$/.exec(spec);
  if (!m) throw new InvalidArgumentError("expected RULE=off|info|warning|error");
  const [, rule = "", level = ""] = m;
  if (!isRuleId(rule)) throw new InvalidArgumentError(`unknown rule '${rule}' (offload lint --help lists them)`);
  if (!LEVELS.includes(level as RuleLevel)) throw new InvalidArgumentError(`unknown level '${level}': use off, info, warning or error`);
  return new Map([...previous, [rule, level as RuleLevel]]);
}

/**
 * The files to lint: those named, plus --machines when given on the command
 * line; with neither, $OFFLOAD_MACHINES or Guix's own file.
 *
 * @example
 * // offload lint  → $OFFLOAD_MACHINES, else /etc/guix/machines.scm
 * // offload lint a.scm --machines b.scm  → a.scm and b.scm
 */
function lintedFiles(named: readonly string[], machines: string, machinesOnCommandLine: boolean): string[] {
  const files = machinesOnCommandLine ? [...named, machines] : [...named];
  return files.length > 0 ? files : [machines];
}

function linterOptionsFor(file: string, options: LintCommandOptions): LinterOptions {
  return {
    ruleLevels: options.rule ?? new Map(),
    allowSystems: options.allowSystem ?? [],
    checkFiles: options.checkFiles ?? resolve(file) === DEFAULT_MACHINES_FILE,
    load: loadOptionsFrom(options),
  };
}

/**
 * Lint `files` as the options say, print the report, return the exit status.
 *
 * @example
 * // offload lint --format gcc machines.scm; echo $?  → 1 when there are errors, 0 with only warnings
 */
function runLint(files: readonly string[], options: LintCommandOptions): number {
  const maxWarnings = options.maxWarnings;
  if (options.fix && options.fixDryRun) throw new UsageError("--fix and --fix-dry-run cannot be used together");
  const reports: FileReport[] = [];
  let diff = "";
  for (const file of files) {
    const linterOptions = linterOptionsFor(file, options);
    if (options.fix || options.fixDryRun) {
      const original = readIfPossible(file, options.maxFileSize ?? DEFAULT_MAX_BYTES);
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
    process.stderr.write(`${errorLine(`${counts.warningCount} warnings, more than --max-warnings ${maxWarnings}`)}\n`);
    return 1;
  }
  return 0;
}

function readIfPossible(file: string, maxBytes: number): string | undefined {
  try {
    // A device, a FIFO or a file over --max-file-size is not read for fixing: lintFile reports it (reading /dev/zero never ends).
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
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
