/**
 * Reading a source or data file for a program: size limit, directories,
 * and the error codes Guile's errors map to — `file-not-found` for a file
 * that does not exist (ENOENT, which Guix's loader treats specially),
 * `file-error` for anything else.
 *
 * @example
 * let error: FileError | undefined;
 * try {
 *   readFileText("/nonexistent/keys/a.pub", "keys/a.pub");
 * } catch (caught) {
 *   error = caught as FileError;
 * }
 * [error?.code, error?.message]; // ["file-not-found", "cannot read keys/a.pub: no such file"]
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { decodeSource, DEFAULT_MAX_BYTES, type ReadLimits } from "../../grammar/reader.ts";
import type { SourceText } from "../../grammar/source.ts";
import { abbreviate, FILE_NAME_LENGTH } from "../../grammar/abbreviate.ts";
import { SchemeError } from "./errors.ts";
import { list, schemeString, sym } from "./values.ts";

/**
 * The text of `path`, decoded; errors name the file `shownAs` (the name the
 * program wrote) and carry Guile's `system-error` arguments.
 *
 * @example
 * let error: FileError | undefined;
 * try {
 *   readFileText("/dev/zero", "/dev/zero");
 * } catch (caught) {
 *   error = caught as FileError;
 * }
 * [error?.code, error?.message]; // ["file-error", "cannot read /dev/zero: not a regular file (a device, FIFO or socket is never a configuration)"]
 */
export function readFileText(path: string, shownAs: string, limits: ReadLimits = {}): SourceText {
  return decodeSource(path, readBytes(path, shownAs, limits.maxBytes), limits);
}

function readBytes(path: string, shownAs: string, maxBytes: number | undefined): Uint8Array {
  const limit = maxBytes ?? DEFAULT_MAX_BYTES;
  try {
    // stat does not block on a FIFO, and tells devices apart before anything is opened.
    const stat = statSync(path);
    if (stat.isDirectory()) throw systemError("file-error", shownAs, "Is a directory", 21);
    if (!stat.isFile()) {
      throw new SchemeError("file-error", `cannot read ${named(shownAs)}: not a regular file (a device, FIFO or socket is never a configuration)`);
    }
    if (stat.size > limit) throw tooBig(shownAs, stat.size, limit);
    return readBounded(path, shownAs, limit);
  } catch (error) {
    if (error instanceof SchemeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw systemError("file-not-found", shownAs, "No such file or directory", 2);
    if (code === "EACCES") throw systemError("file-error", shownAs, "Permission denied", 13);
    if (code === "ENAMETOOLONG") throw systemError("file-error", shownAs, "File name too long", 36);
    if (code === "ENOTDIR") throw systemError("file-error", shownAs, "Not a directory", 20);
    if (code === "ELOOP") throw systemError("file-error", shownAs, "Too many levels of symbolic links", 40);
    // Node's message ends with the file name ("EIO: i/o error, read '/x'"), which the error already names.
    throw systemError("file-error", shownAs, (error as Error).message.replace(/, \w+ '[\s\S]*'$/, ""), 5);
  }
}

function tooBig(shownAs: string, size: number | string, limit: number): SchemeError {
  return new SchemeError("limit-exceeded", `cannot read ${named(shownAs)}: ${size} bytes is more than the limit of ${limit} (--max-file-size)`);
}

/**
 * At most `limit` bytes of a file, counted as they are read: a file can
 * grow after stat, and some (in /proc) say they are empty and are not.
 */
function readBounded(path: string, shownAs: string, limit: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      total += read;
      if (total > limit) throw tooBig(shownAs, `more than ${limit}`, limit);
      chunks.push(chunk.subarray(0, read));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file that could not be read, with Guile's
 * `(system-error "open-file" "~A: ~S" (REASON FILE) (ERRNO))` arguments;
 * `path` is the name as the program wrote it.
 *
 * @example
 * import { writeString } from "./printer.ts";
 * // what (call-with-input-file "keys/a.pub" read-line) raises when there is no such file
 * const error = new FileError("file-not-found", "keys/a.pub", "No such file or directory", 2);
 * error.message; // "cannot read keys/a.pub: no such file"
 * writeString(error.args); // '("open-file" "~A: ~S" ("No such file or directory" "keys/a.pub") (2))'
 */
export class FileError extends SchemeError {
  constructor(
    code: "file-not-found" | "file-error",
    readonly path: string,
    reason: string,
    errno: number,
  ) {
    const words = code === "file-not-found" ? "no such file" : reason.charAt(0).toLowerCase() + reason.slice(1);
    super(code, `cannot read ${named(path)}: ${words}`, undefined, {
      key: sym("system-error"),
      args: list(schemeString("open-file"), schemeString("~A: ~S"), list(schemeString(reason), schemeString(path)), list(errno)),
    });
  }
}

/**
 * A file name as messages quote it: whole, unless it is longer than any real
 * one (a megabyte string given to `load`).
 *
 * @example
 * named("/etc/guix/machines.scm"); // "/etc/guix/machines.scm"
 * named("x".repeat(5000)).length; // 1024
 */
export function named(path: string): string {
  return abbreviate(path, FILE_NAME_LENGTH);
}

function systemError(code: "file-not-found" | "file-error", file: string, reason: string, errno: number): FileError {
  return new FileError(code, file, reason, errno);
}
