/**
 * Path rules for job inputs and outputs. Remote paths are relative to the
 * job's scratch directory and must stay inside it; the same rules are applied
 * to what the remote sends back, since a remote machine is not trusted to
 * keep outputs inside their directory.
 *
 * @example
 * import { inputRemotePath, checkOutputPath, isInside } from "./job-paths.ts";
 * inputRemotePath("src/main.c"); // "src/main.c"
 * inputRemotePath("/etc/hosts"); // "hosts"
 * import type { OffloadError } from "./errors.ts";
 * let error: OffloadError | undefined;
 * try {
 *   checkOutputPath("../x");
 * } catch (caught) {
 *   error = caught as OffloadError;
 * }
 * [error?.code, error?.message];
 * // ["invalid-job", 'output "../x" must be a relative path inside the job directory (no "..", not absolute)']
 */
import { basename, isAbsolute, posix } from "node:path";
import { OffloadError } from "./errors.ts";

/**
 * Split a relative POSIX path into segments, or return null if it is not a
 * clean relative path (absolute, empty, `.`/`..` segments, NUL).
 *
 * @example
 * cleanSegments("a/b"); // ["a", "b"]
 * cleanSegments("a/../b"); // null
 */
export function cleanSegments(path: string): string[] | null {
  if (path === "" || path.startsWith("/") || path.includes("\0")) return null;
  const segments = path.split("/").filter((segment) => segment !== "");
  if (segments.length === 0 || segments.some((segment) => segment === "." || segment === "..")) return null;
  return segments;
}

/**
 * Where a local input goes in the scratch directory: relative paths are kept
 * (normalized); an absolute path, or one leaving the current directory, lands
 * under its base name.
 *
 * @example
 * inputRemotePath("./src/../a/b.txt"); // "a/b.txt"
 * inputRemotePath("../lib/x.c"); // "x.c"
 */
export function inputRemotePath(localPath: string): string {
  if (localPath.includes("\0")) throw new OffloadError("invalid-job", "an input path cannot contain a NUL character");
  const normalized = posix.normalize(localPath.replace(/\/+$/, ""));
  if (!isAbsolute(normalized) && normalized !== "." && normalized !== ".." && !normalized.startsWith("../")) {
    return normalized;
  }
  const name = basename(normalized);
  if (name === "" || name === "." || name === "..") {
    throw new OffloadError("invalid-job", `cannot send ${JSON.stringify(localPath)}: name a file or directory inside it`);
  }
  return name;
}

/**
 * Validate an output path (relative to the scratch directory and to the
 * local output directory) and return it normalized.
 *
 * @example
 * checkOutputPath("out/./result.bin/"); // "out/result.bin"
 */
export function checkOutputPath(path: string): string {
  const segments = cleanSegments(posix.normalize(path));
  if (segments === null || path.split("/").includes("..")) {
    throw new OffloadError("invalid-job", `output ${JSON.stringify(path)} must be a relative path inside the job directory (no "..", not absolute)`);
  }
  return segments.join("/");
}

/**
 * Whether `path` is `root` itself or lies below it (both clean relative paths).
 *
 * @example
 * isInside("out/a", "out"); // true
 * isInside("outside", "out"); // false
 */
export function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/**
 * Where a symlink at `linkPath` with `target` points, as a clean relative
 * path, or null if the target is absolute or climbs above the top.
 *
 * @example
 * resolveLinkTarget("out/sub/l", "../f"); // "out/f"
 * resolveLinkTarget("out/l", "/etc/passwd"); // null
 */
export function resolveLinkTarget(linkPath: string, target: string): string | null {
  if (target === "" || target.startsWith("/") || target.includes("\0")) return null;
  const parts = linkPath.split("/").slice(0, -1);
  for (const segment of target.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(segment);
  }
  return parts.join("/");
}

/**
 * Check and normalize a job's output list: each a relative path inside the
 * job directory ({@link checkOutputPath}), none listed twice or inside another.
 *
 * @example
 * normalizeOutputs(["out/", "log.txt"]); // ["out", "log.txt"]
 */
export function normalizeOutputs(outputs: readonly string[]): string[] {
  const normalized = outputs.map(checkOutputPath);
  normalized.forEach((output, i) => {
    normalized.forEach((other, j) => {
      if (i !== j && isInside(output, other)) {
        throw new OffloadError(
          "invalid-job",
          `output ${JSON.stringify(output)} is ${output === other ? "listed twice" : `inside output ${JSON.stringify(other)}`}`,
        );
      }
    });
  });
  return normalized;
}
