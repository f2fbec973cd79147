/**
 * What a program may ask of the outside world: environment variables, reading
 * files, loading other files, and printing. Nothing here writes files, runs
 * programs or opens sockets; the interpreter supplies the implementation.
 *
 * @example
 * const host: Host = { getenv: (n) => process.env[n], ... };
 */
import type { Datum } from "./values.ts";

export interface Host {
  /** An environment variable, or undefined. */
  getenv(name: string): string | undefined;
  /** A text file's contents; throws a `file-error` SchemeError when it cannot be read. */
  readTextFile(path: string): string;
  /** Whether a file exists (false when file access is turned off). */
  fileExists(path: string): boolean;
  /** Loads and evaluates another file in the current top-level environment, returning its last value. */
  load(path: string): Datum;
  /** Receives what display, write, newline and format #t print. */
  write(text: string): void;
}
