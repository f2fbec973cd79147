/**
 * Writing a JSON file atomically: to a temporary file beside it, then
 * renamed over it, so a reader — another offload process — sees the old
 * content or the new, never half a file. Used for the machines cache here
 * and for the offload engine's state files (slots aside).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Permissions for what {@link writeJsonAtomically} creates (default: 0666 and 0777, less the umask). */
export interface AtomicWriteModes {
  fileMode?: number;
  /** For parent directories that do not exist yet. */
  dirMode?: number;
}

/**
 * Write `value` as JSON to `file`, creating missing parent directories.
 * Throws what the file system says; the temporary file is removed then.
 *
 * @example
 * import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const state = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const file = join(state, "probes", "b:22.json");
 * writeJsonAtomically(file, { at: 0 }, { fileMode: 0o600 });
 * const written = [readFileSync(file, "utf8"), (statSync(file).mode & 0o777).toString(8), readdirSync(join(state, "probes"))];
 * rmSync(state, { recursive: true });
 * // the JSON, the mode asked for, and no temporary file left beside it
 * written; // ['{"at":0}', "600", ["b:22.json"]]
 */
export function writeJsonAtomically(file: string, value: unknown, modes: AtomicWriteModes = {}): void {
  // Unique per process and call: two writers never share a temporary file.
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, ...(modes.dirMode === undefined ? {} : { mode: modes.dirMode }) });
    writeFileSync(temporary, JSON.stringify(value), modes.fileMode === undefined ? undefined : { mode: modes.fileMode });
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
