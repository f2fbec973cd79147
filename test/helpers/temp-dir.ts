/**
 * Temporary directories for tests, removed when the test process ends —
 * normally, after a failed assertion, or killed by SIGINT/SIGTERM/SIGHUP —
 * so a test run leaves nothing behind in the system's temporary directory.
 *
 * @example
 * const dir = tempDir("lint-fix-");
 * writeFileSync(join(dir, "machines.scm"), "(list)");
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const created = new Set<string>();

function removeAll(): void {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  created.clear();
}

process.once("exit", removeAll);
// Killed by a signal, 'exit' never fires: clean up, then die of the same signal
// as before (unless another module's handler is still to run and will do it).
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    removeAll();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/**
 * A fresh directory under the system's temporary directory, removed when the
 * process ends.
 *
 * @example
 * const keys = tempDir("lint-keys-");
 */
export function tempDir(prefix = "offload-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}
