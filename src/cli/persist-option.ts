/**
 * `--persist SECONDS` (default 60; 0: none) and `--cache-size SIZE`, and
 * what they make: connection holders for the engine (src/ssh/holder.ts) —
 * the first offload process that needs a machine starts one, later ones go
 * through it until it has been idle that long — and the cap of each
 * machine's input cache.
 *
 * @example
 * import { Command } from "commander";
 * const command = new Command("run").exitOverride().addOption(persistOption());
 * command.parse(["--persist", "0"], { from: "user" });
 * // no holder: every process connects by itself
 * holderSettingsFor("/var/lib/offload", command.opts().persist); // undefined
 */
import { InvalidArgumentError, Option } from "commander";
import { DEFAULT_CACHE_MAX_BYTES } from "../offload/input-cache.ts";
import { DEFAULT_PERSIST_MS, type HolderSettings } from "../ssh/holder.ts";
import { formatBytes, parseSize } from "../ssh/units.ts";
import { secondsOption } from "./option-kinds.ts";

/**
 * The --persist option (milliseconds once parsed).
 *
 * @example
 * program.command("run").addOption(persistOption());
 */
export function persistOption(): Option {
  return secondsOption("--persist <seconds>", "keep each machine's SSH connection open this long for later offload processes (a connection holder)", {
    defaultSeconds: DEFAULT_PERSIST_MS / 1000,
    zeroMeans: "no holder, every process connects by itself",
  });
}

/**
 * A size option (bytes once parsed): a number with K, M, G or T (binary units).
 *
 * @example
 * command.addOption(sizeOption("--cache-size <size>", "input cache cap per machine", DEFAULT_CACHE_MAX_BYTES));
 */
function sizeOption(flags: string, description: string, defaultBytes: number): Option {
  return new Option(flags, description).default(defaultBytes, formatBytes(defaultBytes)).argParser((text: string) => {
    const bytes = parseSize(text);
    if (bytes === null) throw new InvalidArgumentError("expected a size such as 500M or 2G");
    return bytes;
  });
}

/**
 * The --cache-size option.
 *
 * @example
 * program.command("build").addOption(cacheSizeOption());
 */
export function cacheSizeOption(): Option {
  return sizeOption("--cache-size <size>", "cap of each build machine's input cache (least recently used entries go first)", DEFAULT_CACHE_MAX_BYTES);
}

/**
 * Holder settings for this process, or undefined when --persist is 0. The
 * holder is this same program started again as the hidden `offload hold`;
 * with `start` false, only holders already running are used.
 *
 * @example
 * new SessionPool(connect, holderSettingsFor(stateDir, 60_000));
 */
export function holderSettingsFor(stateDir: string, persistMs: number, start = true): HolderSettings | undefined {
  const entry = process.argv[1];
  if (persistMs <= 0 || entry === undefined) return undefined;
  return { stateDir, persistMs, command: [process.execPath, ...process.execArgv, entry, "hold"], start };
}
