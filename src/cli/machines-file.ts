/**
 * Which machines file a command reads, and reading it. Every command that
 * reads machines takes `--machines FILE` (or `OFFLOAD_MACHINES`); `test` and
 * `status` also take it as their first argument, as `guix offload test`
 * does. The file is loaded through the cache in the state directory, which
 * keeps a result per set of reading limits.
 *
 * @example
 * // offload status --machines ~/machines.scm '^build'
 * // offload status ~/machines.scm '^build'  (the same, as guix offload test takes it)
 */
import { Option, type Command } from "commander";
import { loadMachinesCached } from "../machines/cache.ts";
import { DEFAULT_MACHINES_FILE } from "../machines/default-file.ts";
import type { BuildMachine, LoadWarning } from "../machines/types.ts";
import { loadOptionsFrom, type LimitOptions } from "./limit-options.ts";
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
 * machinesOption().defaultValue; // "/etc/guix/machines.scm"
 * machinesOption().envVar; // "OFFLOAD_MACHINES"
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
 * import { OffloadCommand } from "./command.ts";
 * const status = (args: string[]) => {
 *   const command = new OffloadCommand("status").exitOverride().addOption(machinesOption()).argument("[file]").argument("[regexp]").action(() => {});
 *   command.parse(args, { from: "user" });
 *   return machinesArguments(command.args, command);
 * };
 * status(["m.scm", "^b"]); // { file: "m.scm", regexp: "^b" }
 * status(["--machines", "m.scm", "^b"]); // { file: "m.scm", regexp: "^b" }
 */
export function machinesArguments(positional: ReadonlyArray<string | undefined>, command: Command): MachinesArguments {
  const fromOption = command.getOptionValue("machines") as string;
  const [first, second] = positional;
  if (command.getOptionValueSource("machines") === "cli") {
    if (second !== undefined)
      throw new UsageError(`the machines file is given twice ('${first}' and --machines ${fromOption}); with --machines the only argument is REGEXP`);
    return { file: fromOption, regexp: first };
  }
  return { file: first ?? fromOption, regexp: second };
}

/**
 * Load a machines file and print its warnings on stderr.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "offload-machines-"));
 * writeFileSync(join(dir, "machines.scm"), '(list (build-machine (name "build1") (systems (list "x86_64-linux")) (user "offload") (host-key "ssh-ed25519 AAAA…")))');
 * const machines = await loadMachineList(join(dir, "machines.scm"), join(dir, "state"), {});
 * rmSync(dir, { recursive: true });
 * machines.map((machine) => [machine.name, machine.port, machine.systems]); // [["build1", 22, ["x86_64-linux"]]]
 */
export async function loadMachineList(file: string, stateDir: string, limits: LimitOptions): Promise<BuildMachine[]> {
  const { machines, warnings } = await load(file, stateDir, limits);
  printLoadWarnings(file, warnings);
  return machines;
}

function load(file: string, stateDir: string, limits: LimitOptions): Promise<{ machines: BuildMachine[]; warnings: LoadWarning[] }> {
  return loadMachinesCached(file, stateDir, process.env, loadOptionsFrom(limits));
}
