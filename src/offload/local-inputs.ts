/**
 * The local side of inputs: walk the paths a job names, hash every regular
 * file (SHA-256) and describe where each entry goes in the remote scratch
 * directory. The remote input cache is keyed by content hash plus the
 * executable bit (hard links share permissions, so the two variants are
 * separate cache entries).
 *
 * @example
 * import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { collectInputs } from "./local-inputs.ts";
 * const project = mkdtempSync(join(tmpdir(), "offload-project-"));
 * mkdirSync(join(project, "src"));
 * writeFileSync(join(project, "src", "main.c"), "int main(void) { return 0; }\n");
 * symlinkSync("main.c", join(project, "src", "entry.c"));
 * writeFileSync(join(project, "build.sh"), "#!/bin/sh\nmake\n", { mode: 0o755 });
 * const inputs = await collectInputs(["src", "build.sh"], project);
 * rmSync(project, { recursive: true });
 * inputs.directories; // ["src"]
 * // the key is the SHA-256, with -x for an executable
 * inputs.files;
 * // [{ remotePath: "src/main.c", size: 29, executable: false, key: "2ad75d95660563887d8d3f1d0ae1dcf18c2379cbd83a5c72f5ab276351ee6949" },
 * //  { remotePath: "build.sh", size: 15, executable: true, key: "1b1f5c68cd5e6781b20ff468ba97fb722b3a8f2aa5c1662f2b00216ab92e5fc9-x" }]
 * inputs.symlinks; // [{ remotePath: "src/entry.c", target: "main.c" }]
 * inputs.totalBytes; // 44
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { OffloadError } from "./errors.ts";
import { hashFileOffThread, OFF_THREAD_HASH_BYTES } from "./hash-worker.ts";
import { inputRemotePath } from "./job-paths.ts";

/** A regular file to materialize remotely. */
export interface InputFile {
  localPath: string;
  remotePath: string;
  size: number;
  executable: boolean;
  sha256: string;
  /** Name in the remote content-addressed cache: the hash, plus `-x` when executable. */
  key: string;
}

/** A symbolic link inside an input directory, recreated as is. */
export interface InputSymlink {
  remotePath: string;
  target: string;
}

/** Everything a job sends. */
export interface CollectedInputs {
  /** Directories to create (parents before children). */
  directories: string[];
  files: InputFile[];
  symlinks: InputSymlink[];
  totalBytes: number;
}

/** Directory walks stop here, so a huge tree is refused rather than eating memory. */
const MAX_INPUT_ENTRIES = 200_000;

/**
 * SHA-256 of a file, hex.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "offload-hash-"));
 * writeFileSync(join(dir, "hello"), "hello\n");
 * const digest = await hashFile(join(dir, "hello"));
 * rmSync(dir, { recursive: true });
 * digest; // "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
 */
export function hashFile(file: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash("sha256");
    createReadStream(file, { highWaterMark: 1 << 20 })
      .on("data", (chunk) => hash.update(chunk))
      .once("error", reject)
      .once("end", () => resolvePromise(hash.digest("hex")));
  });
}

/**
 * The cache key of content with this hash and executable bit.
 *
 * @example
 * cacheKey("ab…", true); // "ab…-x"
 */
export function cacheKey(sha256: string, executable: boolean): string {
  return executable ? `${sha256}-x` : sha256;
}

/**
 * Walk and hash the inputs. Relative paths are resolved against `baseDir`
 * and kept; top-level symlinks are followed, symlinks inside directories are
 * kept as links.
 *
 * @example
 * import type { OffloadError } from "./errors.ts";
 * await collectInputs(["Makefile"], "/nonexistent").catch((error: OffloadError) => [error.code, error.message]);
 * // ["input-unreadable", 'cannot read input "Makefile": no such file or directory']
 */
export async function collectInputs(paths: readonly string[], baseDir: string): Promise<CollectedInputs> {
  const collected: CollectedInputs = { directories: [], files: [], symlinks: [], totalBytes: 0 };
  const claimed = new Map<string, string>();
  const claim = (remotePath: string, localPath: string): void => {
    const previous = claimed.get(remotePath);
    if (previous !== undefined) {
      throw new OffloadError(
        "invalid-job",
        `inputs ${JSON.stringify(previous)} and ${JSON.stringify(localPath)} would both land at ${JSON.stringify(remotePath)}`,
      );
    }
    claimed.set(remotePath, localPath);
  };
  const addFile = (localPath: string, remotePath: string, size: number, mode: number): void => {
    claim(remotePath, localPath);
    const executable = (mode & 0o111) !== 0;
    const entry: InputFile = { localPath, remotePath, size, executable, sha256: "", key: "" };
    collected.files.push(entry);
    collected.totalBytes += size;
  };

  for (const path of paths) {
    const localPath = resolve(baseDir, path);
    const remotePath = inputRemotePath(path);
    const info = await stat(localPath).catch((error: NodeJS.ErrnoException) => {
      throw new OffloadError(
        "input-unreadable",
        `cannot read input ${JSON.stringify(path)}: ${error.code === "ENOENT" ? "no such file or directory" : error.message}`,
      );
    });
    if (info.isFile()) addFile(localPath, remotePath, info.size, info.mode);
    else if (info.isDirectory()) await walkDirectory(localPath, remotePath, collected, claim, addFile);
    else throw new OffloadError("input-unreadable", `input ${JSON.stringify(path)} is neither a regular file nor a directory`);
  }
  checkParentsAreDirectories(collected);
  await hashAll(collected.files);
  return collected;
}

/** `--input a --input a/b` with `a` a file: `a/b` could not be placed anywhere. */
function checkParentsAreDirectories(collected: CollectedInputs): void {
  const notDirectories = new Map<string, string>();
  for (const entry of [...collected.files, ...collected.symlinks]) notDirectories.set(entry.remotePath, entry.remotePath);
  for (const entry of [...collected.files, ...collected.symlinks, ...collected.directories.map((remotePath) => ({ remotePath }))]) {
    const segments = entry.remotePath.split("/");
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join("/");
      if (notDirectories.has(parent)) {
        throw new OffloadError(
          "invalid-job",
          `input ${JSON.stringify(entry.remotePath)} would land inside ${JSON.stringify(parent)}, which is not a directory`,
        );
      }
    }
  }
}

/** Hash files a few at a time (enough to overlap I/O, few enough not to run out of descriptors). */
async function hashAll(files: InputFile[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      try {
        // Big files on the worker thread, so connecting and probing go on meanwhile.
        file.sha256 = file.size >= OFF_THREAD_HASH_BYTES ? await hashFileOffThread(file.localPath) : await hashFile(file.localPath);
      } catch (error) {
        throw new OffloadError("input-unreadable", `cannot read input ${JSON.stringify(file.localPath)}: ${(error as Error).message}`);
      }
      file.key = cacheKey(file.sha256, file.executable);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
}

async function walkDirectory(
  localRoot: string,
  remoteRoot: string,
  collected: CollectedInputs,
  claim: (remotePath: string, localPath: string) => void,
  addFile: (localPath: string, remotePath: string, size: number, mode: number) => void,
): Promise<void> {
  const queue: Array<[string, string]> = [[localRoot, remoteRoot]];
  let seen = 0;
  while (queue.length > 0) {
    const [localDir, remoteDir] = queue.shift()!;
    claim(remoteDir, localDir);
    collected.directories.push(remoteDir);
    const names = (await readdir(localDir)).sort();
    for (const name of names) {
      if (++seen > MAX_INPUT_ENTRIES) {
        throw new OffloadError("invalid-job", `input ${JSON.stringify(localRoot)} holds more than ${MAX_INPUT_ENTRIES} entries`);
      }
      const localPath = join(localDir, name);
      const remotePath = `${remoteDir}/${name}`;
      const info = await lstat(localPath);
      if (info.isSymbolicLink()) {
        claim(remotePath, localPath);
        collected.symlinks.push({ remotePath, target: await readlink(localPath) });
      } else if (info.isDirectory()) queue.push([localPath, remotePath]);
      else if (info.isFile()) addFile(localPath, remotePath, info.size, info.mode);
      // Sockets, FIFOs and devices are not sent.
    }
  }
}
