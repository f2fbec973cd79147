/**
 * Small JSON files in the state directory, written atomically (temporary
 * file + rename) so concurrent offload processes never read half a file.
 *
 * @example
 * import { readJsonFile, writeJsonFile } from "./json-file.ts";
 * writeJsonFile("/tmp/state/x.json", { a: 1 });
 * readJsonFile("/tmp/state/x.json"); // { a: 1 }
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
 * readJsonFile("/nonexistent.json"); // undefined
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
 * writeJsonFile("/tmp/state/probe.json", { at: 1 });
 * readJsonFile("/tmp/state/probe.json"); // { at: 1 }
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
 * removeFile("/tmp/state/backoff/b:22.json");
 * readJsonFile("/tmp/state/backoff/b:22.json"); // undefined
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
 */
export function asObject(value: JsonValue | undefined): { [key: string]: JsonValue } | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}
