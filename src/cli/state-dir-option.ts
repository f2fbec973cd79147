/**
 * `--state-dir DIR` (or `OFFLOAD_STATE_DIR`): where slots, failure back-off,
 * probe results and loaded machines files are kept. Every command that shows
 * or uses slots takes it, so they all see the same slots.
 *
 * @example
 * command.addOption(stateDirOption());
 * // offload status --state-dir /tmp/s  → options.stateDir === "/tmp/s"
 */
import { resolve } from "node:path";
import { Option } from "commander";
import { defaultStateDir, STATE_DIR_ENV } from "../offload/state-dir.ts";

/**
 * The option, with the default directory for this user shown in --help.
 *
 * @example
 * program.command("select").addOption(stateDirOption());
 */
export function stateDirOption(): Option {
  return new Option("--state-dir <dir>", "slots, back-off, probe results and the loaded machines file")
    .env(STATE_DIR_ENV)
    .argParser((dir: string) => resolve(dir))
    .default(defaultStateDir());
}
