/**
 * Reading a source or data file for a program: size limit, directories,
 * and the error codes Guile's errors map to — `file-not-found` for a file
 * that does not exist (ENOENT, which Guix's loader treats specially),
 * `file-error` for anything else.
 *
 * @example
 * readFileText("/etc/guix/machines.scm", "machines.scm").text; // the file's text
 */
import { readFileSync, statSync } from "node:fs";
import { decodeSource, DEFAULT_MAX_BYTES, type ReadLimits } from "../../grammar/reader.ts";
import type { SourceText } from "../../grammar/source.ts";
import { SchemeError } from "./errors.ts";
import { list, sym } from "./values.ts";

/**
 * The text of `path`, decoded; errors name the file `shownAs` (the name the
 * program wrote) and carry Guile's `system-error` arguments.
 */
export function readFileText(path: string, shownAs: string, limits: ReadLimits = {}): SourceText {
  return decodeSource(path, readBytes(path, shownAs, limits.maxBytes), limits);
}

function readBytes(path: string, shownAs: string, maxBytes: number | undefined): Uint8Array {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw systemError("file-error", shownAs, "Is a directory", 21);
    const limit = maxBytes ?? DEFAULT_MAX_BYTES;
    if (stat.size > limit) {
      throw new SchemeError("limit-exceeded", `cannot read ${shownAs}: ${stat.size} bytes is more than the limit of ${limit} (--max-file-size)`);
    }
    if (!stat.isFile()) throw new SchemeError("file-error", `cannot read ${shownAs}: not a regular file (a device or a FIFO is never a configuration)`);
    return readFileSync(path);
  } catch (error) {
    if (error instanceof SchemeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw systemError("file-not-found", shownAs, "No such file or directory", 2);
    if (code === "EACCES") throw systemError("file-error", shownAs, "Permission denied", 13);
    throw systemError("file-error", shownAs, (error as Error).message, 5);
  }
}

/**
 * A file that could not be read, with Guile's
 * `(system-error "open-file" "~A: ~S" (REASON FILE) (ERRNO))` arguments;
 * `path` is the name as the program wrote it.
 *
 * @example
 * // (call-with-input-file "keys/a.pub" read-line) with no such file:
 * error.code; // "file-not-found"
 * error.path; // "keys/a.pub"
 */
export class FileError extends SchemeError {
  constructor(
    code: "file-not-found" | "file-error",
    readonly path: string,
    reason: string,
    errno: number,
  ) {
    const words = code === "file-not-found" ? "no such file" : reason.charAt(0).toLowerCase() + reason.slice(1);
    super(code, `cannot read ${path}: ${words}`, undefined, {
      key: sym("system-error"),
      args: list("open-file", "~A: ~S", list(reason, path), list(errno)),
    });
  }
}

function systemError(code: "file-not-found" | "file-error", file: string, reason: string, errno: number): FileError {
  return new FileError(code, file, reason, errno);
}
