/**
 * The reading limits every command that reads a machines file takes
 * (`--max-steps`, `--max-call-depth`, `--max-depth`, `--max-file-size`,
 * `--max-seconds`, `--max-memory`, `--no-file-access`). The defaults shown in
 * --help are the constants the reader and evaluator apply, so the two cannot
 * drift; they come from a module of constants, so that showing them loads
 * neither the reader nor the evaluator.
 *
 * @example
 * import { OffloadCommand } from "./command.ts";
 * const show = addLimitOptions(new OffloadCommand("show").exitOverride()).action(() => {});
 * show.parse(["--max-steps", "1e6", "--max-memory", "67108864", "--no-file-access"], { from: "user" });
 * loadOptionsFrom(show.opts()); // { maxSteps: 1000000, maxCallDepth: undefined, maxDepth: undefined, maxBytes: undefined, maxSeconds: undefined, maxMemory: 67108864, fileAccess: false }
 */
import type { Command } from "commander";
import type { LoadOptions } from "../machines/load.ts";
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_CALL_DEPTH,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_MEMORY,
  DEFAULT_MAX_SECONDS,
  DEFAULT_MAX_STEPS,
} from "../scheme/limit-defaults.ts";
import { positiveNumberOption } from "./option-kinds.ts";

/** The parsed limit options (undefined: the reader's or evaluator's default). */
export interface LimitOptions {
  maxSteps?: number;
  maxCallDepth?: number;
  maxDepth?: number;
  maxFileSize?: number;
  maxSeconds?: number;
  maxMemory?: number;
  /** False with --no-file-access. */
  fileAccess?: boolean;
}

/** Add the limit options to a command. */
export function addLimitOptions(command: Command): Command {
  return command
    .addOption(positiveNumberOption("--max-steps <n>", "evaluation steps before giving up", DEFAULT_MAX_STEPS))
    .addOption(positiveNumberOption("--max-call-depth <n>", "nested calls before giving up", DEFAULT_MAX_CALL_DEPTH))
    .addOption(positiveNumberOption("--max-depth <n>", "list nesting the reader accepts", DEFAULT_MAX_DEPTH))
    .addOption(positiveNumberOption("--max-file-size <bytes>", "largest file read", DEFAULT_MAX_BYTES))
    .addOption(positiveNumberOption("--max-seconds <s>", "evaluation time limit", DEFAULT_MAX_SECONDS))
    .addOption(positiveNumberOption("--max-memory <bytes>", "Scheme data the file's evaluation may hold", DEFAULT_MAX_MEMORY))
    .option("--no-file-access", "forbid the machines file from reading other files");
}

/**
 * Load options from the parsed limit options.
 *
 * @example
 * // --max-file-size is the reader's maxBytes; no limit given leaves the evaluator's default (undefined)
 * loadOptionsFrom({ maxFileSize: 4096 }); // { maxSteps: undefined, maxCallDepth: undefined, maxDepth: undefined, maxBytes: 4096, maxSeconds: undefined, maxMemory: undefined, fileAccess: true }
 */
export function loadOptionsFrom(options: LimitOptions): LoadOptions {
  return {
    maxSteps: options.maxSteps,
    maxCallDepth: options.maxCallDepth,
    maxDepth: options.maxDepth,
    maxBytes: options.maxFileSize,
    maxSeconds: options.maxSeconds,
    maxMemory: options.maxMemory,
    fileAccess: options.fileAccess !== false,
  };
}
