/**
 * What a program may ask of the outside world: environment variables, facts
 * about the machine and its users, reading files, loading other files, and
 * printing. Nothing here writes files, runs programs or opens sockets; the
 * interpreter supplies the implementation.
 *
 * @example
 * import { createInterpreter } from "./interpreter.ts";
 * const host: Host = createInterpreter({ env: { HOME: "/home/alice" }, fileAccess: false }).evaluator.host!;
 * host.getenv("HOME"); // "/home/alice"
 * // with --no-file-access no other file is seen
 * host.fileExists("/etc/passwd"); // false
 */
import type { ReadDatum } from "../../grammar/reader.ts";
import type { SourceText } from "../../grammar/source.ts";
import type { Datum } from "./values.ts";

/** A user account, as `getpw` returns it. */
export interface PasswdEntry {
  name: string;
  passwd: string;
  uid: number;
  gid: number;
  gecos: string;
  dir: string;
  shell: string;
}

export interface Host {
  /** An environment variable, or undefined. */
  getenv(name: string): string | undefined;
  /** All environment variables, as `environ` lists them. */
  environment(): Array<[string, string]>;
  /** A text file's contents; throws a `file-not-found` or `file-error` SchemeError when it cannot be read. */
  readTextFile(path: string): string;
  /** Whether a file exists (false when file access is turned off). */
  fileExists(path: string): boolean;
  /** Loads and evaluates another file in the current top-level environment, returning its last value. */
  load(path: string): Datum;
  /**
   * The forms of a file for `include`, `path` relative to the directory of
   * the including file, whose text is `from`. Throws `limit-exceeded` for an
   * include cycle (a file that includes itself, directly or not), which
   * Guile expands forever.
   */
  include(path: string, from: SourceText | undefined): ReadDatum[];
  /** Receives what display, write, newline and format #t print. */
  write(text: string): void;
  /** This machine's host name. */
  hostname(): string;
  /** The real user id of this process. */
  uid(): number;
  /** The login name of this process's user, or undefined. */
  login(): string | undefined;
  /** A user account by name or id, or undefined when there is none. */
  passwd(user: string | number): PasswdEntry | undefined;
  /** The working directory. */
  cwd(): string;
}
