/**
 * The kinds of option value the commands take — seconds, whole numbers,
 * positive numbers, repeatable lists — each parsed in one place through
 * commander's `argParser`, so a bad value is a usage error (exit status 2)
 * before any work starts, and the same option means the same everywhere.
 *
 * @example
 * import { OffloadCommand } from "./command.ts";
 * const program = new OffloadCommand("offload").exitOverride().configureOutput({ writeErr: () => {} });
 * const run = program
 *   .command("run")
 *   .addOption(secondsOption("--wait <seconds>", "longest wait for a free machine", { defaultSeconds: 3600, zeroMeans: "do not wait" }))
 *   .addOption(wholeNumberOption("--retries <n>", "other machines to try", { min: 0, defaultValue: 2 }))
 *   .action(() => {});
 * program.parse(["run", "--wait", "1.5"], { from: "user" });
 * run.opts(); // { wait: 1500, retries: 2 }
 * // a bad value is a usage error before any work starts
 * let error: { exitCode: number; message: string } | undefined;
 * try {
 *   program.parse(["run", "--retries", "two"], { from: "user" });
 * } catch (caught) {
 *   error = caught as { exitCode: number; message: string };
 * }
 * [error?.exitCode, error?.message]; // [2, "offload: error: option '--retries <n>' argument 'two' is invalid: expected a whole number (0 or more). See offload run --help"]
 */
import { InvalidArgumentError, Option } from "commander";

/** How a seconds option treats its default and the value 0. */
export interface SecondsSettings {
  /** Used when the option is not given (shown in --help). */
  defaultSeconds?: number;
  /** When set, 0 is accepted and means this (shown in --help); otherwise 0 is refused. */
  zeroMeans?: string;
}

/**
 * Seconds as milliseconds. A duration of 0 is refused unless `allowZero`:
 * a timeout of 0 would end everything at once, which nobody means.
 *
 * @example
 * parseSeconds("2.5", false); // 2500
 * parseSeconds("0", true); // 0
 * let message = "";
 * try {
 *   parseSeconds("0", false);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "expected a positive number of seconds"
 */
export function parseSeconds(text: string, allowZero: boolean): number {
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < 0 || (seconds === 0 && !allowZero)) {
    throw new InvalidArgumentError(allowZero ? "expected a number of seconds (0 or more)" : "expected a positive number of seconds");
  }
  return seconds * 1000;
}

/**
 * An option whose value is a duration in seconds, parsed to milliseconds.
 *
 * @example
 * // milliseconds inside, seconds in --help
 * const timeout = secondsOption("--timeout <seconds>", "connect and command timeout", { defaultSeconds: 30 });
 * [timeout.defaultValue, timeout.defaultValueDescription]; // [30000, "30"]
 * secondsOption("--wait <seconds>", "longest wait for a free machine", { zeroMeans: "do not wait" }).description; // "longest wait for a free machine (0: do not wait)"
 */
export function secondsOption(flags: string, description: string, settings: SecondsSettings = {}): Option {
  const allowZero = settings.zeroMeans !== undefined;
  const option = new Option(flags, allowZero ? `${description} (0: ${settings.zeroMeans})` : description).argParser((text: string) =>
    parseSeconds(text, allowZero),
  );
  if (settings.defaultSeconds !== undefined) option.default(settings.defaultSeconds * 1000, String(settings.defaultSeconds));
  return option;
}

/**
 * A whole number of at least `min`.
 *
 * @example
 * parseWholeNumber("2", 0); // 2
 * let message = "";
 * try {
 *   parseWholeNumber("1.5", 0);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "expected a whole number (0 or more)"
 */
export function parseWholeNumber(text: string, min: number): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(min === 0 ? "expected a whole number (0 or more)" : `expected a whole number of at least ${min}`);
  }
  return value;
}

/**
 * An option whose value is a whole number of at least `min`.
 *
 * @example
 * const jobs = wholeNumberOption("--jobs <n>", "jobs at once", { min: 1 });
 * jobs.parseArg?.("4", undefined); // 4
 * let message = "";
 * try {
 *   jobs.parseArg?.("0", undefined);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "expected a whole number of at least 1"
 */
export function wholeNumberOption(flags: string, description: string, settings: { min: number; defaultValue?: number }): Option {
  const option = new Option(flags, description).argParser((text: string) => parseWholeNumber(text, settings.min));
  if (settings.defaultValue !== undefined) option.default(settings.defaultValue);
  return option;
}

/**
 * A finite number greater than 0.
 *
 * @example
 * parsePositiveNumber("1e6"); // 1000000
 */
export function parsePositiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError("expected a positive number");
  return value;
}

/**
 * An option whose value is a number greater than 0. `appliedDefault` is only
 * shown in --help: the layer that applies it owns the value, so the option is
 * undefined when not given.
 *
 * @example
 * const maxSteps = positiveNumberOption("--max-steps <n>", "evaluation steps before giving up", 1000);
 * [maxSteps.description, maxSteps.defaultValue]; // ["evaluation steps before giving up (default: 1000)", undefined]
 */
export function positiveNumberOption(flags: string, description: string, appliedDefault?: number): Option {
  return new Option(flags, appliedDefault === undefined ? description : `${description} (default: ${appliedDefault})`).argParser(parsePositiveNumber);
}

/**
 * An option that may be given several times; the values are collected in
 * order (undefined when never given: commander would print an empty default).
 *
 * @example
 * import { OffloadCommand } from "./command.ts";
 * const run = new OffloadCommand("run").exitOverride().addOption(repeatableOption("--input <path>", "file or directory to send (repeatable)")).action(() => {});
 * run.parse(["--input", "a", "--input", "b"], { from: "user" });
 * run.opts().input; // ["a", "b"]
 */
export function repeatableOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}
