/**
 * `--state-dir DIR` (or `OFFLOAD_STATE_DIR`): where slots, failure back-off,
 * probe results and loaded machines files are kept. Every command that shows
 * or uses slots takes it, so they all see the same slots.
 *
 * @example
 * // offload status --state-dir /tmp/s  → slots, back-off and probe results under /tmp/s
 * // OFFLOAD_STATE_DIR=/tmp/s offload run -- make  → the same
 */
import { resolve } from "node:path";
import { Option } from "commander";
import { defaultStateDir, STATE_DIR_ENV } from "../offload/state-dir.ts";

/**
 * The option, with the default directory for this user shown in --help.
 *
 * @example
 * import { OffloadCommand } from "./command.ts";
 * // a relative directory is made absolute, so every command sees the same slots
 * const select = new OffloadCommand("select").exitOverride().addOption(stateDirOption()).action(() => {});
 * select.parse(["--state-dir", "state"], { from: "user" });
 * select.opts().stateDir === `${process.cwd()}/state`; // true
 * stateDirOption().envVar; // "OFFLOAD_STATE_DIR"
 */
export function stateDirOption(): Option {
  return new Option("--state-dir <dir>", "slots, back-off, probe results and the loaded machines file")
    .env(STATE_DIR_ENV)
    .argParser((dir: string) => resolve(dir))
    .default(defaultStateDir());
}
