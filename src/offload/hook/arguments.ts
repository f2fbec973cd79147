/**
 * The hook's command line as guix-daemon writes it:
 * `SYSTEM MAX-SILENT-TIME PRINT-BUILD-TRACE BUILD-TIMEOUT`, where SYSTEM is
 * the daemon's own system type, the times are whole seconds (0: no limit)
 * and PRINT-BUILD-TRACE is 1 or 0.
 *
 * @example
 * import { parseHookArguments } from "./arguments.ts";
 * parseHookArguments(["x86_64-linux", "3600", "1", "86400"]);
 * // { system: "x86_64-linux", maxSilentTime: 3600, printBuildTrace: true, buildTimeout: 86400 }
 */
import { HookError } from "./errors.ts";

/** The daemon's settings, as the hook receives them. */
export interface HookArguments {
  /** The daemon's system type (not the derivations'). */
  system: string;
  /** Seconds of silence before a build is killed; 0 for none. */
  maxSilentTime: number;
  /** Whether the daemon wants `@ …` trace lines. */
  printBuildTrace: boolean;
  /** Seconds a build may take; 0 for none. */
  buildTimeout: number;
}

function seconds(text: string, what: string, all: readonly string[]): number {
  if (!/^\d{1,10}$/.test(text)) throw invalid(all, `${what} must be a whole number of seconds, not ${JSON.stringify(text)}`);
  return Number(text);
}

function invalid(all: readonly string[], why: string): HookError {
  return new HookError("invalid-arguments", `invalid arguments: ${all.join(" ")} (${why})`);
}

/**
 * Parse the four arguments; throws HookError `invalid-arguments` (Guix's
 * wording) for anything else.
 *
 * @example
 * parseHookArguments(["x86_64-linux", "0", "0", "0"]).maxSilentTime; // 0
 */
export function parseHookArguments(args: readonly string[]): HookArguments {
  if (args.length !== 4) throw invalid(args, "expected SYSTEM MAX-SILENT-TIME PRINT-BUILD-TRACE BUILD-TIMEOUT");
  const [system, silent, trace, timeout] = args as [string, string, string, string];
  if (!/^[a-z0-9_-]+$/.test(system)) throw invalid(args, `${JSON.stringify(system)} is not a system type`);
  if (trace !== "0" && trace !== "1") throw invalid(args, `PRINT-BUILD-TRACE must be 0 or 1, not ${JSON.stringify(trace)}`);
  return {
    system,
    maxSilentTime: seconds(silent, "MAX-SILENT-TIME", args),
    printBuildTrace: trace === "1",
    buildTimeout: seconds(timeout, "BUILD-TIMEOUT", args),
  };
}
