/**
 * The options of the commands that hand work to the engine (`select`, `run`,
 * `build`): how long to wait for a free machine, how many other machines to
 * try, the SSH connect timeout, and what the job needs (system, features).
 *
 * @example
 * import { OffloadCommand } from "./command.ts";
 * const run = addEngineOptions(addRequirementOptions(new OffloadCommand("run").exitOverride())).action(() => {});
 * run.parse(["--wait", "0", "--system", "aarch64-linux", "--features", "kvm,big-mem", "--features", "gpu"], { from: "user" });
 * run.opts(); // { system: "aarch64-linux", wait: 0, retries: 2, connectTimeout: 30000, persist: 60000, cacheSize: 2147483648, features: ["kvm,big-mem", "gpu"] }
 * featureList(run.opts().features); // ["kvm", "big-mem", "gpu"]
 */
import type { Command } from "commander";
import type { BuildMachine } from "../machines/types.ts";
import { localSystem } from "../offload/local-system.ts";
import { Offloader } from "../offload/offloader.ts";
import { credentialsFromEnvironment } from "../ssh/credentials.ts";
import { repeatableOption, secondsOption, wholeNumberOption } from "./option-kinds.ts";
import { cacheSizeOption, holderSettingsFor, persistOption } from "./persist-option.ts";

/** The parsed engine options (durations in milliseconds). */
export interface EngineOptions {
  stateDir: string;
  wait: number;
  retries: number;
  connectTimeout: number;
  /** How long connection holders stay idle (0: none). */
  persist: number;
  /** Cap of each machine's input cache, in bytes. */
  cacheSize: number;
}

/** The parsed requirement options. */
export interface RequirementOptions {
  system: string;
  features?: string[];
}

/** Add --wait, --retries, --connect-timeout, --persist and --cache-size. */
export function addEngineOptions(command: Command): Command {
  return command
    .addOption(secondsOption("--wait <seconds>", "longest wait for a free machine", { defaultSeconds: 3600, zeroMeans: "try once, do not wait" }))
    .addOption(wholeNumberOption("--retries <n>", "other machines to try after a connection failure", { min: 0, defaultValue: 2 }))
    .addOption(secondsOption("--connect-timeout <seconds>", "SSH connect timeout", { defaultSeconds: 30 }))
    .addOption(persistOption())
    .addOption(cacheSizeOption());
}

/** Add --system (default: this machine's) and the repeatable --features. */
export function addRequirementOptions(command: Command): Command {
  return command
    .option("--system <system>", "system type the job needs", localSystem())
    .addOption(repeatableOption("--features <list>", "required features, comma-separated (repeatable)"));
}

/**
 * The required features of repeated, comma-separated --features values.
 *
 * @example
 * featureList(["kvm,big-mem", "gpu"]); // ["kvm", "big-mem", "gpu"]
 */
export function featureList(values: readonly string[] = []): string[] {
  return values
    .flatMap((value) => value.split(","))
    .map((feature) => feature.trim())
    .filter((feature) => feature !== "");
}

/**
 * An engine for the parsed engine options (credentials from the environment:
 * $OFFLOAD_KEY_PASSPHRASE, $SSH_AUTH_SOCK).
 */
export function offloaderFor(options: EngineOptions, machines: readonly BuildMachine[]): Offloader {
  return new Offloader({
    machines,
    stateDir: options.stateDir,
    waitMs: options.wait,
    retries: options.retries,
    connect: { timeoutMs: options.connectTimeout, ...credentialsFromEnvironment(process.env) },
    holder: holderSettingsFor(options.stateDir, options.persist),
    cacheMaxBytes: options.cacheSize,
  });
}
