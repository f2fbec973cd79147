/**
 * The reader's limits and their defaults, alone in a module with no imports:
 * the CLI shows the defaults in --help without loading the reader (and
 * Chevrotain), which every engine command would otherwise pay for at start-up.
 *
 * @example
 * DEFAULT_MAX_DEPTH; // 256
 * DEFAULT_MAX_BYTES; // 67108864
 */

/**
 * Limits the reader enforces; each is an option of the CLI.
 *
 * @example
 * const limits: ReadLimits = { maxDepth: 32, maxBytes: 1 << 20 };
 * limits.maxDepth; // 32
 */
export interface ReadLimits {
  /** Deepest nesting of lists and vectors (default 256; machines files nest a few levels). */
  maxDepth?: number;
  /** Largest file in bytes (default 64 MiB). */
  maxBytes?: number;
}

/**
 * How deep lists and vectors may nest (`--max-depth`).
 *
 * @example
 * DEFAULT_MAX_DEPTH; // 256
 */
export const DEFAULT_MAX_DEPTH = 256;

/**
 * The largest file read, in bytes (`--max-file-size`).
 *
 * @example
 * DEFAULT_MAX_BYTES / 1024 / 1024; // 64
 */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
