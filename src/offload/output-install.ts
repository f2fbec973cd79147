/**
 * Move verified outputs from the staging directory into place. Each output
 * is renamed in one step (same file system: the staging directory lives in
 * the destination directory), replacing what was there before; a previous
 * directory is first renamed aside, so readers see the old or the new tree,
 * never a mixture.
 *
 * @example
 * import { createStagingDir, installOutputs } from "./output-install.ts";
 * const staging = createStagingDir("/home/me/project", "job1");
 * // … receiveOutputs(stream, staging, ["out"]) …
 * installOutputs(staging, "/home/me/project", ["out"]);
 */
import { lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { OffloadError } from "./errors.ts";

/**
 * A fresh hidden staging directory inside `destinationDir`.
 *
 * @example
 * createStagingDir("/tmp/out", "j1"); // "/tmp/out/.offload-j1-Ab12Cd"
 */
export function createStagingDir(destinationDir: string, jobId: string): string {
  mkdirSync(destinationDir, { recursive: true });
  return mkdtempSync(join(destinationDir, `.offload-${jobId}-`));
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rename each staged output to `destinationDir/output`, then remove the
 * staging directory.
 *
 * @example
 * installOutputs(staging, process.cwd(), ["result.txt", "dist"]); // ./result.txt and ./dist replaced; staging removed
 */
export function installOutputs(stagingDir: string, destinationDir: string, outputs: readonly string[]): void {
  try {
    for (const output of outputs) {
      const staged = join(stagingDir, output);
      const destination = join(destinationDir, output);
      try {
        mkdirSync(dirname(destination), { recursive: true });
      } catch (error) {
        throw new OffloadError("transfer-failed", `cannot create the directory for output ${JSON.stringify(output)}: ${(error as Error).message}`);
      }
      const stagedIsDirectory = lstatSync(staged).isDirectory();
      const old = exists(destination) ? lstatSync(destination) : null;
      if (old === null || (!old.isDirectory() && !stagedIsDirectory)) {
        renameSync(staged, destination);
        continue;
      }
      // A directory (old or new) cannot be renamed over in one step: move the old one aside first.
      const aside = join(stagingDir, `.old-${Math.random().toString(36).slice(2)}`);
      renameSync(destination, aside);
      try {
        renameSync(staged, destination);
      } catch (error) {
        renameSync(aside, destination);
        throw error;
      }
    }
  } finally {
    rmSync(stagingDir, { recursive: true, force: true });
  }
}
