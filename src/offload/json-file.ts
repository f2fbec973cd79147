/**
 * Small JSON files in the state directory, written atomically (temporary
 * file + rename) so concurrent offload processes never read half a file.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * import { readJsonFile, writeJsonFile } from "./json-file.ts";
 * writeJsonFile(join(dir, "backoff", "b:22.json"), { failures: 1 });
 * const read = readJsonFile(join(dir, "backoff", "b:22.json"));
 * rmSync(dir, { recursive: true });
 * read; // { failures: 1 }
 */
import { readFileSync, rmSync } from "node:fs";
import { writeJsonAtomically } from "../machines/atomic-json.ts";

/** JSON values as they come out of JSON.parse. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The parsed content of `file`, or undefined when it is missing or unreadable
 * (state files are caches: a damaged one is the same as none).
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * writeFileSync(join(dir, "damaged.json"), '{"failures": 1');
 * const damaged = readJsonFile(join(dir, "damaged.json"));
 * const missing = readJsonFile(join(dir, "missing.json"));
 * rmSync(dir, { recursive: true });
 * damaged; // undefined
 * missing; // undefined
 */
export function readJsonFile(file: string): JsonValue | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as JsonValue;
  } catch {
    return undefined;
  }
}

/**
 * Write `value` as JSON to `file` atomically, creating parent directories;
 * a failure is ignored (state is advisory: without it offload only works
 * less well).
 *
 * @example
 * import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * writeJsonFile(join(dir, "probe", "b:22.json"), { at: 1 });
 * const written = readFileSync(join(dir, "probe", "b:22.json"), "utf8");
 * // a file where a directory should be: the write fails, and nothing is thrown
 * writeFileSync(join(dir, "file"), "");
 * writeJsonFile(join(dir, "file", "x.json"), { at: 2 });
 * rmSync(dir, { recursive: true });
 * JSON.parse(written); // { at: 1 }
 */
export function writeJsonFile(file: string, value: unknown): void {
  try {
    writeJsonAtomically(file, value);
  } catch {
    // Advisory state; nothing to do.
  }
}

/**
 * Remove `file` if it exists.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * writeJsonFile(join(dir, "b:22.json"), { failures: 1 });
 * removeFile(join(dir, "b:22.json"));
 * // a missing file is no error
 * removeFile(join(dir, "b:22.json"));
 * const after = readJsonFile(join(dir, "b:22.json"));
 * rmSync(dir, { recursive: true });
 * after; // undefined
 */
export function removeFile(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // Advisory state; nothing to do.
  }
}

/**
 * `value` as a plain object, or undefined.
 *
 * @example
 * asObject(JSON.parse('{"a":1}'))?.a; // 1
 * asObject(JSON.parse("[1]")); // undefined
 */
export function asObject(value: JsonValue | undefined): { [key: string]: JsonValue } | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}
