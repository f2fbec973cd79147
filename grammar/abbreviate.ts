/**
 * Shortening long texts (a value's `write` form, a token, a file name) for
 * one-line messages. The one copy every layer uses — from the reader up —
 * so every message cuts at the same length.
 *
 * @example
 * abbreviate("(build-machine (name \"a\"))", 20); // "(build-machine (n..."
 * abbreviate("(a b)");                             // "(a b)"
 */

/** The longest text a message quotes in full. */
export const ABBREVIATION_LENGTH = 80;

/**
 * The longest file name a message quotes in full: longer than any real one,
 * so only a name made up to be huge (a string of megabytes given to `load`) is cut.
 *
 * @example
 * abbreviate("/etc/guix/machines.scm", FILE_NAME_LENGTH); // "/etc/guix/machines.scm"
 */
export const FILE_NAME_LENGTH = 1024;

/**
 * `text` itself when it has at most `maxLength` characters, else its start and
 * `...`, `maxLength` characters in all.
 *
 * @example
 * abbreviate("x".repeat(100)).length; // 80
 */
export function abbreviate(text: string, maxLength: number = ABBREVIATION_LENGTH): string {
  return text.length > maxLength ? `${text.slice(0, Math.max(0, maxLength - 3))}...` : text;
}
