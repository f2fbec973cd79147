/**
 * The files being loaded, innermost last. Relative file names in a program
 * resolve against the directory of the file that is being loaded (as Guile's
 * `load` does), so a machines file can name key files beside it whatever the
 * working directory; and a file that loads itself, directly or not, is a
 * cycle rather than an endless recursion.
 *
 * @example
 * const stack = new LoadStack();
 * stack.within("/etc/guix/machines.scm", () => stack.resolve("keys/a.pub")); // "/etc/guix/keys/a.pub"
 * // outside any load, against the working directory again
 * stack.resolve("keys/a.pub") === `${process.cwd()}/keys/a.pub`; // true
 * let message = "";
 * try {
 *   stack.within("/a.scm", () => stack.within("/b.scm", () => stack.within("/a.scm", () => 0)));
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "load cycle: /a.scm -> /b.scm -> /a.scm"
 */
import { dirname, resolve } from "node:path";
import { SchemeError } from "./errors.ts";
import { named } from "./file-reader.ts";

export class LoadStack {
  private readonly files: string[] = [];

  /** The absolute name of the file being loaded, if any. */
  get current(): string | undefined {
    return this.files[this.files.length - 1];
  }

  /** How many files are being loaded, one inside the other. */
  get depth(): number {
    return this.files.length;
  }

  /** `path` made absolute against the directory of the file being loaded (or the working directory). */
  resolve(path: string): string {
    const current = this.current;
    return current === undefined ? resolve(path) : resolve(dirname(current), path);
  }

  /**
   * Runs `body` with `file` as the file being loaded. Throws a `file-error`
   * when `file` is already being loaded (a load cycle).
   */
  within<T>(file: string, body: () => T): T {
    const absolute = resolve(file);
    if (this.files.includes(absolute)) {
      throw new SchemeError("file-error", `load cycle: ${[...this.files, absolute].map(named).join(" -> ")}`);
    }
    this.files.push(absolute);
    try {
      return body();
    } finally {
      this.files.pop();
    }
  }
}
