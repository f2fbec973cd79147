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
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { localWriteFailed } from "./disk-errors.ts";
import { entryAt } from "./entry-at.ts";
import { OffloadError } from "./errors.ts";
import { processTag, TAG_PATTERN, tagIsGone } from "./process-tag.ts";

/** Staging directory names: the job, the tag of the process that made it (process-tag.ts), random letters. */
const STAGING_NAME = new RegExp(`^\\.offload-.+-(${TAG_PATTERN.source})-[A-Za-z0-9]{6}$`);
/** Staging directories from before tags (no way to tell if in use) are removed when this old. */
const UNTAGGED_STAGING_MS = 24 * 3600_000;

/**
 * A fresh hidden staging directory inside `destinationDir`, named after the
 * job and this process. The first time in a process, staging directories
 * that killed runs left there are removed first ({@link removeStaleStaging}).
 * Throws `local-write-failed` when it cannot be made.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { processTag } from "./process-tag.ts";
 * const dir = mkdtempSync(join(tmpdir(), "offload-out-"));
 * const staging = createStagingDir(dir, "j1");
 * rmSync(dir, { recursive: true });
 * const prefix = join(dir, `.offload-j1-${processTag()}-`);
 * staging.startsWith(prefix); // true
 * // then six random letters and digits
 * staging.length - prefix.length; // 6
 */
export function createStagingDir(destinationDir: string, jobId: string): string {
  try {
    mkdirSync(destinationDir, { recursive: true });
    if (!swept.has(destinationDir)) {
      swept.add(destinationDir);
      removeStaleStaging(destinationDir);
    }
    return mkdtempSync(join(destinationDir, `.offload-${jobId}-${processTag()}-`));
  } catch (error) {
    throw localWriteFailed(destinationDir, error);
  }
}

const swept = new Set<string>();

/**
 * Remove the staging directories in `dir` whose process has ended (a run
 * killed while downloading); returns their names. Those of running
 * processes, and of other hosts, stay.
 *
 * @example
 * import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { processTag } from "./process-tag.ts";
 * const dir = mkdtempSync(join(tmpdir(), "offload-out-"));
 * // one left by a killed run on this host (a PID above any pid_max), one of this process
 * mkdirSync(join(dir, `.offload-j1-${processTag().split(".")[0]}.999999999.5-Ab12Cd`));
 * mkdirSync(join(dir, `.offload-j2-${processTag()}-Xy34Zw`));
 * const removed = removeStaleStaging(dir);
 * const left = readdirSync(dir);
 * rmSync(dir, { recursive: true });
 * removed.map((name) => name.split("-")[1]); // ["j1"]
 * left.map((name) => name.split("-")[1]); // ["j2"]
 */
export function removeStaleStaging(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.startsWith(".offload-"));
  } catch {
    return removed;
  }
  for (const name of names) {
    const path = join(dir, name);
    const tag = STAGING_NAME.exec(name)?.[1];
    const stale = tag !== undefined ? tagIsGone(tag) : isOldDirectory(path);
    if (!stale) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function isOldDirectory(path: string): boolean {
  try {
    const info = lstatSync(path);
    return info.isDirectory() && Date.now() - info.mtimeMs > UNTAGGED_STAGING_MS;
  } catch {
    return false;
  }
}

/**
 * Rename each staged output to `destinationDir/output`, then remove the
 * staging directory.
 *
 * @example
 * import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const project = mkdtempSync(join(tmpdir(), "offload-project-"));
 * writeFileSync(join(project, "result.txt"), "old\n");
 * mkdirSync(join(project, "dist"));
 * writeFileSync(join(project, "dist", "stale.js"), "");
 * const staging = createStagingDir(project, "j1");
 * writeFileSync(join(staging, "result.txt"), "new\n");
 * mkdirSync(join(staging, "dist"));
 * writeFileSync(join(staging, "dist", "app.js"), "");
 * installOutputs(staging, project, ["result.txt", "dist"]);
 * const result = readFileSync(join(project, "result.txt"), "utf8");
 * const dist = readdirSync(join(project, "dist"));
 * const left = readdirSync(project).sort();
 * rmSync(project, { recursive: true });
 * result; // "new\n"
 * // the old tree was replaced, not merged
 * dist; // ["app.js"]
 * // and the staging directory is gone
 * left; // ["dist", "result.txt"]
 */
export function installOutputs(stagingDir: string, destinationDir: string, outputs: readonly string[]): void {
  try {
    for (const output of outputs) {
      try {
        installOne(join(stagingDir, output), join(destinationDir, output), stagingDir);
      } catch (error) {
        throw error instanceof OffloadError ? error : localWriteFailed(output, error);
      }
    }
  } finally {
    rmSync(stagingDir, { recursive: true, force: true });
  }
}

function installOne(staged: string, destination: string, stagingDir: string): void {
  mkdirSync(dirname(destination), { recursive: true });
  const stagedIsDirectory = lstatSync(staged).isDirectory();
  const old = entryAt(destination);
  if (old === null || (!old.isDirectory() && !stagedIsDirectory)) {
    renameSync(staged, destination);
    return;
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
