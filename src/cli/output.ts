/**
 * Shared command-line plumbing: colour decisions, the one error format,
 * the evaluation-limit options every file-reading command accepts.
 *
 * @example
 * const colors = colorsFor(process.stdout);
 * console.log(colors.red("failed"));
 */
import { Chalk, type ChalkInstance } from "chalk";
import { Option, type Command } from "commander";
import type { LoadOptions } from "../machines/load.ts";
import { formatLocation } from "../../grammar/source.ts";
import type { LoadWarning } from "../machines/types.ts";
import { SchemeError } from "../scheme/errors.ts";

/** Chalk with colour only on a TTY, and never with NO_COLOR set. */
export function colorsFor(stream: NodeJS.WriteStream): ChalkInstance {
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== "") return new Chalk({ level: force === "0" || force === "false" ? 0 : 1 });
  const enabled = stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  return new Chalk({ level: enabled ? 1 : 0 });
}

/** An error the user can act on; printed as one line, exit status 1. */
/**
 * Print a machines file's load warnings on stderr as `FILE:LINE:COLUMN: warning: …`.
 *
 * @example
 * printLoadWarnings("machines.scm", warnings);
 */
export function printLoadWarnings(file: string, warnings: ReadonlyArray<Pick<LoadWarning, "message" | "location">>): void {
  const colors = colorsFor(process.stderr);
  for (const warning of warnings) {
    const where = warning.location === null ? file : formatLocation(warning.location);
    process.stderr.write(`${where}: ${colors.yellow("warning:")} ${warning.message}\n`);
  }
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Prints an error as `offload: error: ...` (or the located form) and returns the exit code. */
export function reportError(error: unknown): number {
  const colors = colorsFor(process.stderr);
  if (error instanceof SchemeError) {
    process.stderr.write(`${colors.red(error.format())}\n`);
    return 1;
  }
  if (error instanceof CliError) {
    process.stderr.write(`${colors.red(`offload: error: ${error.message}`)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${colors.red(`offload: error: ${message}`)}\n`);
  return 1;
}

/** Options naming the limits of reading and evaluating a file. */
export interface LimitOptions {
  maxSteps?: string;
  maxCallDepth?: string;
  maxDepth?: string;
  maxFileSize?: string;
  maxSeconds?: string;
  fileAccess?: boolean;
}

/** Adds the evaluation-limit options to a command. */
export function addLimitOptions(command: Command): Command {
  return command
    .addOption(new Option("--max-steps <n>", "evaluation steps before giving up (default 50000000)"))
    .addOption(new Option("--max-call-depth <n>", "nested calls before giving up (default 10000)"))
    .addOption(new Option("--max-depth <n>", "list nesting the reader accepts (default 256)"))
    .addOption(new Option("--max-file-size <bytes>", "largest file read (default 67108864)"))
    .addOption(new Option("--max-seconds <s>", "evaluation time limit (default 60)"))
    .option("--no-file-access", "forbid the file from reading other files");
}

function positiveNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new CliError(`${name} must be a positive number, got '${text}'`, 2);
  return value;
}

/** Load options from parsed command-line options. */
export function loadOptionsFrom(options: LimitOptions): LoadOptions {
  return {
    maxSteps: positiveNumber("--max-steps", options.maxSteps),
    maxCallDepth: positiveNumber("--max-call-depth", options.maxCallDepth),
    maxDepth: positiveNumber("--max-depth", options.maxDepth),
    maxBytes: positiveNumber("--max-file-size", options.maxFileSize),
    maxSeconds: positiveNumber("--max-seconds", options.maxSeconds),
    fileAccess: options.fileAccess !== false,
  };
}

/** A REGEXP argument, compiled, or a usage error. */
export function nameFilter(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  try {
    const re = new RegExp(pattern);
    return (name) => re.test(name);
  } catch {
    throw new CliError(`invalid regular expression '${pattern}'`, 2);
  }
}
