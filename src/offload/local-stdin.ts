/**
 * Whether a command's standard input should be forwarded to a remote job,
 * as ssh does: a pipe or a file is; a terminal or /dev/null is not, so the
 * remote command sees end of file at once (no job waits on a keyboard).
 *
 * @example
 * import { forwardableStdin } from "./local-stdin.ts";
 * const stdin = forwardableStdin(); // process.stdin for `echo x | offload run -- cat`, undefined from a terminal
 */
import { fstatSync, statSync, type Stats } from "node:fs";
import { isatty } from "node:tty";
import type { Readable } from "node:stream";

/**
 * True when file descriptor `fd` is a terminal, /dev/null, or closed: nothing to forward.
 *
 * @example
 * import { closeSync, openSync } from "node:fs";
 * // as for `offload run … < /dev/null`, then `offload run … < file`
 * const devNull = openSync("/dev/null", "r");
 * const file = openSync("/etc/passwd", "r");
 * const answers = [nothingToForward(devNull), nothingToForward(file)];
 * closeSync(devNull);
 * closeSync(file);
 * answers; // [true, false]
 */
export function nothingToForward(fd: number): boolean {
  if (isatty(fd)) return true;
  let info: Stats;
  try {
    info = fstatSync(fd);
  } catch {
    return true;
  }
  if (!info.isCharacterDevice()) return false;
  try {
    const devNull = statSync("/dev/null");
    return info.rdev === devNull.rdev;
  } catch {
    return false;
  }
}

/**
 * This process's standard input when it should be forwarded, else undefined.
 *
 * @example
 * await offloader.run({ ...spec, stdin: forwardableStdin() }, io);
 */
export function forwardableStdin(): Readable | undefined {
  return nothingToForward(0) ? undefined : process.stdin;
}
