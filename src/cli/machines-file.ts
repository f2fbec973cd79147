/**
 * Which machines file a command reads, and reading it. Every command that
 * reads machines takes `--machines FILE` (or `OFFLOAD_MACHINES`); `test` and
 * `status` also take it as their first argument, as `guix offload test`
 * does. The file is loaded through the cache in the state directory, except
 * under explicit reading limits, which a cached evaluation may not have met.
 *
 * @example
 * command.addOption(machinesOption());
 * const machines = await loadMachineList("/etc/guix/machines.scm", stateDir, {});
 */
import { Option, type Command } from "commander";
import { loadMachinesCached } from "../machines/cache.ts";
import { DEFAULT_MACHINES_FILE } from "../machines/default-file.ts";
import type { BuildMachine, LoadWarning } from "../machines/types.ts";
import { limitsGiven, loadOptionsFrom, type LimitOptions } from "./limit-options.ts";
import { printLoadWarnings, UsageError } from "./output.ts";

/**
 * The environment variable naming the machines file when --machines is not given.
 *
 * @example
 * // OFFLOAD_MACHINES=~/machines.scm offload status
 */
export const MACHINES_ENV = "OFFLOAD_MACHINES";

/**
 * `--machines FILE`, defaulting to $OFFLOAD_MACHINES, then Guix's own file.
 *
 * @example
 * program.command("run").addOption(machinesOption());
 */
export function machinesOption(): Option {
  return new Option("--machines <file>", "machines file").env(MACHINES_ENV).default(DEFAULT_MACHINES_FILE);
}

/** The machines file and REGEXP a `[FILE [REGEXP]]` command was given. */
export interface MachinesArguments {
  file: string;
  regexp: string | undefined;
}

/**
 * Resolve `[FILE [REGEXP]]` against --machines: with --machines on the
 * command line the only argument is REGEXP; otherwise FILE, when given, wins
 * over $OFFLOAD_MACHINES and the default.
 *
 * @example
 * machinesArguments(["m.scm", "^b"], command); // { file: "m.scm", regexp: "^b" }
 * // offload status --machines m.scm '^b'  → { file: "m.scm", regexp: "^b" }
 */
export function machinesArguments(positional: ReadonlyArray<string | undefined>, command: Command): MachinesArguments {
  const fromOption = command.getOptionValue("machines") as string;
  const [first, second] = positional;
  if (command.getOptionValueSource("machines") === "cli") {
    if (second !== undefined) throw new UsageError(`the machines file is given twice ('${first}' and --machines ${fromOption}); with --machines the only argument is REGEXP`);
    return { file: fromOption, regexp: first };
  }
  return { file: first ?? fromOption, regexp: second };
}

/**
 * Load a machines file and print its warnings on stderr.
 *
 * @example
 * const machines = await loadMachineList("machines.scm", "/var/lib/offload", { maxSteps: 1000 });
 */
export async function loadMachineList(file: string, stateDir: string, limits: LimitOptions): Promise<BuildMachine[]> {
  const { machines, warnings } = await load(file, stateDir, limits);
  printLoadWarnings(file, warnings);
  return machines;
}

async function load(file: string, stateDir: string, limits: LimitOptions): Promise<{ machines: BuildMachine[]; warnings: LoadWarning[] }> {
  if (!limitsGiven(limits)) return loadMachinesCached(file, stateDir);
  // Loaded only here: the reader and evaluator are most of a cold start.
  const { loadMachines } = await import("../machines/load.ts");
  return loadMachines(file, loadOptionsFrom(limits));
}
