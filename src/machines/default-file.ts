/**
 * Where Guix's daemon looks for build machines.
 *
 * @example
 * import { DEFAULT_MACHINES_FILE } from "./default-file.ts";
 * program.option("--machines <file>", "machines file", DEFAULT_MACHINES_FILE);
 */
export const DEFAULT_MACHINES_FILE = "/etc/guix/machines.scm";
