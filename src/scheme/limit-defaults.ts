/**
 * The default of every reading limit (`--max-steps`, `--max-call-depth`,
 * `--max-seconds`, `--max-memory`, and the reader's `--max-depth` and
 * `--max-file-size`), in a module of constants only: the CLI shows them in
 * --help without loading the evaluator, the reader and Chevrotain, which every
 * engine command would otherwise pay for at start-up (about 10 ms).
 */
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from "../../grammar/read-limits.ts";

/** Evaluation steps per load (50 million: enough for 100,000 machines many times over). */
export const DEFAULT_MAX_STEPS = 50_000_000;

/** Pending non-tail evaluations, i.e. recursion depth (Guile-like deep recursion, bounded memory). */
export const DEFAULT_MAX_CALL_DEPTH = 1_000_000;

/** Wall-clock seconds per load. */
export const DEFAULT_MAX_SECONDS = 60;

/** Bytes of Scheme data a program may hold (strings, pairs, vectors, bignums). */
export const DEFAULT_MAX_MEMORY = 512 * 1024 * 1024;
