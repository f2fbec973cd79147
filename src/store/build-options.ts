/**
 * The SetOptions request, as Guix's `set-build-options` (guix/store.scm)
 * writes it: fixed fields chosen by the daemon's protocol version, then
 * key/value overrides (`build-timeout`, `build-max-silent-time`, …) in the
 * same order Guix sends them. Defaults are Guix's, so a request built with
 * no options is byte for byte what a Guix client sends.
 *
 * @example
 * // a session that kills builds silent for an hour or running over a day
 * import { StoreConnection } from "./connection.ts";
 * const store = await StoreConnection.connect("/var/guix/daemon-socket/socket");
 * await store.setOptions({ maxSilentTime: 3600, timeout: 86400, printBuildTrace: false });
 */
import { Op } from "./protocol.ts";
import { WireWriter } from "./wire.ts";

/** Options of a build session (every field optional; Guix's defaults apply). */
export interface BuildOptions {
  keepFailed?: boolean;
  keepGoing?: boolean;
  /** Build locally when substitutes fail (`--fallback`). */
  fallback?: boolean;
  /** Daemon verbosity (0 = errors only). */
  verbosity?: number;
  /** Number of build rounds (sent as `build-repeat` = rounds - 1). */
  rounds?: number;
  maxBuildJobs?: number;
  /** Build timeout in seconds (`build-timeout`). */
  timeout?: number;
  /** Seconds of silence before a build is killed (`build-max-silent-time`). */
  maxSilentTime?: number;
  /** Whether the daemon may offload builds (the build hook). Default true. */
  offload?: boolean;
  /** Verbosity of build logs. */
  buildVerbosity?: number;
  logType?: number;
  /** `@ build-started` and friends in the log. Default true, as in Guix. */
  printBuildTrace?: boolean;
  printExtendedBuildTrace?: boolean;
  multiplexedBuildOutput?: boolean;
  buildCores?: number;
  /** Default true, as in Guix. */
  useSubstitutes?: boolean;
  substituteUrls?: readonly string[];
  userName?: string;
  terminalColumns?: number;
  locale?: string;
  /** Further overrides, sent after the ones above. */
  overrides?: ReadonlyArray<readonly [string, string]>;
}

/**
 * The key/value overrides of a SetOptions request, in Guix's order.
 *
 * @example
 * setOptionsOverrides({ timeout: 10 }); // [["print-extended-build-trace", "0"], ["build-timeout", "10"]]
 */
export function setOptionsOverrides(options: BuildOptions): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const printBuildTrace = options.printBuildTrace ?? true;
  if (printBuildTrace) pairs.push(["print-extended-build-trace", options.printExtendedBuildTrace === true ? "1" : "0"]);
  if (options.multiplexedBuildOutput === true) pairs.push(["multiplexed-build-output", "true"]);
  if (options.timeout !== undefined) pairs.push(["build-timeout", String(options.timeout)]);
  if (options.maxSilentTime !== undefined) pairs.push(["build-max-silent-time", String(options.maxSilentTime)]);
  if (options.maxBuildJobs !== undefined) pairs.push(["build-max-jobs", String(options.maxBuildJobs)]);
  if (options.buildCores !== undefined) pairs.push(["build-cores", String(options.buildCores)]);
  if (options.substituteUrls !== undefined) pairs.push(["substitute-urls", options.substituteUrls.join(" ")]);
  if (options.rounds !== undefined) pairs.push(["build-repeat", String(Math.max(0, options.rounds - 1))]);
  if (options.userName !== undefined) pairs.push(["user-name", options.userName]);
  if (options.terminalColumns !== undefined) pairs.push(["terminal-columns", String(options.terminalColumns)]);
  if (options.locale !== undefined) pairs.push(["locale", options.locale]);
  for (const [key, value] of options.overrides ?? []) pairs.push([key, value]);
  return pairs;
}

/**
 * The whole SetOptions request (operation code included) for a daemon of protocol minor version `daemonMinor`.
 *
 * @example
 * import { ByteReader } from "./byte-reader.ts";
 * const reader = ByteReader.fromBuffer(encodeSetOptions({ timeout: 10 }, 0x64));
 * const words: number[] = [];
 * for (let i = 0; i < 10; i++) words.push(await reader.readInt());
 * // SetOptions (19), keepFailed, keepGoing, fallback, verbosity, offload, buildVerbosity, logType, printBuildTrace, useSubstitutes
 * words; // [19, 0, 0, 0, 0, 1, 0, 0, 1, 1]
 * // then the overrides: their count, and each key and value
 * await reader.readInt(); // 2
 * [await reader.readText(), await reader.readText(), await reader.readText(), await reader.readText()]; // ["print-extended-build-trace", "0", "build-timeout", "10"]
 */
export function encodeSetOptions(options: BuildOptions, daemonMinor: number): Buffer {
  const w = new WireWriter().int(Op.SetOptions);
  w.bool(options.keepFailed ?? false)
    .bool(options.keepGoing ?? false)
    .bool(options.fallback ?? false)
    .int(options.verbosity ?? 0);
  if (daemonMinor < 0x61) w.int(options.maxBuildJobs ?? 1).int(options.maxSilentTime ?? 3600);
  if (daemonMinor >= 2) w.bool(options.offload ?? true);
  if (daemonMinor >= 4)
    w.int(options.buildVerbosity ?? 0)
      .int(options.logType ?? 0)
      .bool(options.printBuildTrace ?? true);
  if (daemonMinor >= 6 && daemonMinor < 0x61) w.int(options.buildCores ?? 1);
  if (daemonMinor >= 10) w.bool(options.useSubstitutes ?? true);
  if (daemonMinor >= 12) w.pairs(setOptionsOverrides(options));
  return w.toBuffer();
}
