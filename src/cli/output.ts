/**
 * What the commands print besides their results: colour decisions, the one
 * error style (`offload: error: …`, or `FILE:LINE:COLUMN: error: …` for an
 * error in a file) and a machines file's load warnings.
 *
 * @example
 * // offload status machines.scm '^zzz'  → stderr: offload: error: no machine in machines.scm matches ^zzz (red on a terminal)
 * // offload show machines.scm  → stderr: machines.scm:2:24: error: car: wrong type argument in position 1 (expecting pair): 5 [wrong-type-arg]
 */
import { Chalk, type ChalkInstance } from "chalk";
import { formatLocation } from "../../grammar/source.ts";
import type { LoadWarning } from "../machines/types.ts";
import { SchemeError } from "../scheme/errors.ts";
import { EXIT_USAGE } from "./exit-status.ts";

/**
 * Chalk with colour only on a TTY, and never with NO_COLOR set; FORCE_COLOR wins.
 *
 * @example
 * colorsFor(process.stderr).yellow("warning:"); // yellow on a terminal; plain when piped, with NO_COLOR or TERM=dumb
 */
export function colorsFor(stream: NodeJS.WriteStream): ChalkInstance {
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== "") return new Chalk({ level: force === "0" || force === "false" ? 0 : 1 });
  const enabled = stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  return new Chalk({ level: enabled ? 1 : 0 });
}

/**
 * Print a machines file's load warnings on stderr as `FILE:LINE:COLUMN: warning: …`.
 *
 * @example
 * printLoadWarnings("machines.scm", [{ message: "The 'system' field is deprecated…", location: null }]);
 * // stderr: machines.scm: warning: The 'system' field is deprecated…
 */
export function printLoadWarnings(file: string, warnings: ReadonlyArray<Pick<LoadWarning, "message" | "location">>): void {
  const colors = colorsFor(process.stderr);
  for (const warning of warnings) {
    const where = warning.location === null ? file : formatLocation(warning.location);
    process.stderr.write(`${where}: ${colors.yellow("warning:")} ${warning.message}\n`);
  }
}

/**
 * A command that cannot do what was asked; printed as one line, exit status 1.
 *
 * @example
 * const error = new CliError("no machine in machines.scm matches ^zzz");
 * [error.code, error.exitCode, errorLine(error.message)]; // ["command-failed", 1, "offload: error: no machine in machines.scm matches ^zzz"]
 */
export class CliError extends Error {
  readonly code: string = "command-failed";
  readonly exitCode: number = 1;
}

/**
 * A command line that cannot be run as given; exit status 2.
 *
 * @example
 * const error = new UsageError("--fix and --fix-dry-run cannot be used together");
 * [error instanceof CliError, error.code, error.exitCode]; // [true, "usage", 2]
 */
export class UsageError extends CliError {
  override readonly code = "usage";
  override readonly exitCode = EXIT_USAGE;
}

/**
 * A message without a leading `offload:` or `offload: error:`, which some
 * lower layers (remote scripts) put there, so the prefix is never doubled.
 *
 * @example
 * withoutProgramPrefix("offload: output out.txt was not created"); // "output out.txt was not created"
 */
export function withoutProgramPrefix(message: string): string {
  return message.replace(/^(?:offload: (?:error: )?)+/, "");
}

/**
 * The one line for a command-level error: `offload: error: MESSAGE`.
 *
 * @example
 * errorLine("no build machine"); // "offload: error: no build machine"
 */
export function errorLine(message: string): string {
  return `offload: error: ${withoutProgramPrefix(message)}`;
}

/**
 * Print an error (located when it is an error in a file) and return the exit status.
 *
 * @example
 * // offload lint --fix --fix-dry-run m.scm; echo $?  → stderr: offload: error: --fix and --fix-dry-run cannot be used together, then 2
 * // offload show m.scm; echo $?  → stderr: m.scm:2:24: error: car: wrong type argument in position 1 (expecting pair): 5 [wrong-type-arg], then 1
 */
export function reportError(error: unknown): number {
  const colors = colorsFor(process.stderr);
  if (error instanceof SchemeError) {
    process.stderr.write(`${colors.red(error.format())}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${colors.red(errorLine(message))}\n`);
  return error instanceof CliError ? error.exitCode : 1;
}
