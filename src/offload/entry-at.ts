/**
 * What is at a path on this host, without following a final symbolic link:
 * installing outputs asks before it renames into place, since a rename
 * replaces a file silently, and a symbolic link (even a dangling one) is
 * something there.
 *
 * @example
 * import { entryAt } from "./entry-at.ts";
 * entryAt("/nonexistent/offload-entry"); // null
 * entryAt("/")?.isDirectory(); // true
 */
import { lstatSync, type Stats } from "node:fs";

/**
 * The entry at `path` (lstat), or null when nothing can be seen there.
 *
 * @example
 * entryAt("/proc/self")?.isSymbolicLink(); // true
 */
export function entryAt(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
