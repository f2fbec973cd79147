/**
 * The reader's limits and their defaults, alone in a module with no imports:
 * the CLI shows the defaults in --help without loading the reader (and
 * Chevrotain), which every engine command would otherwise pay for at start-up.
 */

/**
 * Limits the reader enforces; each is an option of the CLI.
 *
 * @example
 * import { decodeSource, readSource } from "./reader.ts";
 * import { SourceText } from "./source.ts";
 * const limits: ReadLimits = { maxDepth: 3, maxBytes: 4 };
 * const refusals: string[] = [];
 * for (const read of [() => readSource(new SourceText("m.scm", "(a (b (c (d))))"), limits), () => decodeSource("m.scm", new TextEncoder().encode("(list)"), limits)]) {
 *   try {
 *     read();
 *   } catch (error) {
 *     refusals.push((error as Error).message);
 *   }
 * }
 * refusals;
 * // ["lists nested more than 3 deep (raise the limit with --max-depth)",
 * //  "file is 6 bytes, more than the limit of 4 (raise it with --max-file-size)"]
 */
export interface ReadLimits {
  /** Deepest nesting of lists and vectors (default 256; machines files nest a few levels). */
  maxDepth?: number;
  /** Largest file in bytes (default 64 MiB). */
  maxBytes?: number;
}

/** How deep lists and vectors may nest (`--max-depth`). */
export const DEFAULT_MAX_DEPTH = 256;

/** The largest file read, in bytes (`--max-file-size`). */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
