/**
 * Where offload keeps its host-wide state: slot markers, failure back-off and
 * cached probe results. Guix keeps its slot files under /var/guix/offload; we
 * follow the same split between root (a system directory) and ordinary users
 * (the XDG state directory).
 *
 * @example
 * import { defaultStateDir, ensureStateDir } from "./state-dir.ts";
 * const dir = ensureStateDir(defaultStateDir());
 */
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { BuildMachine } from "../machines/types.ts";
import { machineKey } from "../ssh/machine-key.ts";

/** The environment variable that overrides the default state directory. */
export const STATE_DIR_ENV = "OFFLOAD_STATE_DIR";

/**
 * The state directory used when none is given: $OFFLOAD_STATE_DIR, else
 * /var/lib/offload for root, else $XDG_STATE_HOME/offload (default
 * ~/.local/state/offload).
 *
 * @example
 * defaultStateDir({ XDG_STATE_HOME: "/tmp/s" }, 1000); // "/tmp/s/offload"
 * defaultStateDir({ XDG_STATE_HOME: "/tmp/s" }, 0); // "/var/lib/offload"
 * defaultStateDir({ OFFLOAD_STATE_DIR: "/srv/offload" }, 0); // "/srv/offload"
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): string {
  const override = env[STATE_DIR_ENV];
  if (override !== undefined && override !== "") return resolve(override);
  if (uid === 0) return "/var/lib/offload";
  const xdg = env.XDG_STATE_HOME;
  const base = xdg !== undefined && xdg.startsWith("/") ? xdg : join(homedir(), ".local", "state");
  return join(base, "offload");
}

/**
 * Resolve `dir` (or the default) to an absolute path and create it.
 *
 * @example
 * import { existsSync, mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const scratch = mkdtempSync(join(tmpdir(), "offload-"));
 * const dir = ensureStateDir(join(scratch, "state", "offload"));
 * const made = existsSync(dir);
 * rmSync(scratch, { recursive: true });
 * dir === join(scratch, "state", "offload"); // true
 * made; // true
 */
export function ensureStateDir(dir: string = defaultStateDir()): string {
  const absolute = resolve(dir);
  mkdirSync(absolute, { recursive: true, mode: 0o755 });
  return absolute;
}

/**
 * The name of a machine's files in the state directory: its
 * {@link machineKey}, with every character that does not belong in a file
 * name (`/`, and anything unusual) written as `%XX`.
 *
 * @example
 * machineFileName({ name: "a/b", port: 22 }); // "a%2fb:22"
 */
export function machineFileName(machine: Pick<BuildMachine, "name" | "port">): string {
  return machineKey(machine).replace(/[^A-Za-z0-9._@+:-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
