/**
 * Writing a JSON file atomically: to a temporary file beside it, then
 * renamed over it, so a reader — another offload process — sees the old
 * content or the new, never half a file. Used for the machines cache here
 * and for the offload engine's state files (slots aside).
 *
 * @example
 * import { writeJsonAtomically } from "./atomic-json.ts";
 * writeJsonAtomically("/var/lib/offload/machines/3f2a.json", { machines: [] }, { fileMode: 0o600, dirMode: 0o700 });
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
 * writeJsonAtomically("/tmp/offload-state/probes/b:22.json", { at: 0 });
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
