/**
 * The kinds of option value the commands take — seconds, whole numbers,
 * positive numbers, repeatable lists — each parsed in one place through
 * commander's `argParser`, so a bad value is a usage error (exit status 2)
 * before any work starts, and the same option means the same everywhere.
 *
 * @example
 * const wait = secondsOption("--wait <seconds>", "longest wait for a free machine", { defaultSeconds: 3600, zeroMeans: "do not wait" });
 * parseSeconds("1.5", false); // 1500
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
 * parseSeconds("0", true);    // 0
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
 * command.addOption(secondsOption("--timeout <seconds>", "connect and command timeout", { defaultSeconds: 30 }));
 * // offload test --timeout 2.5  → options.timeout === 2500
 */
export function secondsOption(flags: string, description: string, settings: SecondsSettings = {}): Option {
  const allowZero = settings.zeroMeans !== undefined;
  const option = new Option(flags, allowZero ? `${description} (0: ${settings.zeroMeans})` : description).argParser((text: string) => parseSeconds(text, allowZero));
  if (settings.defaultSeconds !== undefined) option.default(settings.defaultSeconds * 1000, String(settings.defaultSeconds));
  return option;
}

/**
 * A whole number of at least `min`.
 *
 * @example
 * parseWholeNumber("2", 0); // 2
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
 * command.addOption(wholeNumberOption("--retries <n>", "other machines to try", { min: 0, defaultValue: 2 }));
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
 * command.addOption(positiveNumberOption("--max-steps <n>", "evaluation steps before giving up", DEFAULT_MAX_STEPS));
 */
export function positiveNumberOption(flags: string, description: string, appliedDefault?: number): Option {
  return new Option(flags, appliedDefault === undefined ? description : `${description} (default: ${appliedDefault})`).argParser(parsePositiveNumber);
}

/**
 * An option that may be given several times; the values are collected in
 * order (undefined when never given: commander would print an empty default).
 *
 * @example
 * command.addOption(repeatableOption("--input <path>", "file or directory to send (repeatable)"));
 * // --input a --input b  → options.input is ["a", "b"]
 */
export function repeatableOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}
