/**
 * The `offload show --json` report: every machine with its Scheme field names,
 * warnings, or the one error that stopped loading.
 *
 * @example
 * showReport("/etc/guix/machines.scm");
 * // { file, machines: [{ name, port, systems, ... , location }], warnings: [] }
 */
import type { Location } from "../../grammar/source.ts";
import { SchemeError } from "../scheme/errors.ts";
import { writeString } from "../scheme/printer.ts";
import { isNumber, toFloat } from "../scheme/numbers.ts";
import { Pair, listToArray, type Datum, type RecordInstance } from "../scheme/values.ts";
import { effectiveSystems, loadMachines, recordLocation, type LoadOptions } from "./load.ts";
import type { LoadWarning } from "./types.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ShowMachine {
  [field: string]: Json;
}

/** A warning as `show --json` prints it (see {@link LoadWarning} for the optional keys). */
export interface ShowWarning {
  code: string;
  message: string;
  location: Location | null;
  file?: string;
  field?: string;
  machine?: number;
  value?: string;
}

export type ShowReport =
  | { file: string; machines: ShowMachine[]; warnings: ShowWarning[] }
  | { file: string; error: { code: string; message: string; location: Location | null } };

/** The fields `show --json` prints, in order. */
export const SHOWN_FIELDS = [
  "name",
  "port",
  "systems",
  "user",
  "host-key",
  "private-key",
  "compression",
  "compression-level",
  "daemon-socket",
  "overload-threshold",
  "parallel-builds",
  "speed",
  "features",
] as const;

/** How deep lists nest in JSON; deeper data is shown as its `write` form (JSON.stringify recurses). */
const MAX_JSON_DEPTH = 100;

/**
 * A Scheme value as JSON: strings, numbers, booleans, lists; anything else
 * (a circular list, data nested very deep) as its `write` form.
 *
 * @example
 * toJson(list("x86_64-linux")); // ["x86_64-linux"]
 * toJson(sym("kvm"));           // "kvm"
 */
export function toJson(value: Datum, depth = 0): Json {
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (isNumber(value)) return toFloat(value);
  // Only proper lists become arrays (vectors print as Scheme, like any other value).
  const items = depth < MAX_JSON_DEPTH && (value instanceof Pair || !Array.isArray(value)) ? listToArray(value) : undefined;
  if (items) return items.map((item) => toJson(item, depth + 1));
  return writeString(value);
}

/**
 * One record as the JSON object `show` prints.
 *
 * @example
 * machineJson(record, "m.scm").port; // 22
 */
export function machineJson(record: RecordInstance, file: string): ShowMachine {
  const machine: ShowMachine = {};
  for (const field of SHOWN_FIELDS) {
    machine[field] = toJson(field === "systems" ? effectiveSystems(record) : record.fields.get(field)!);
  }
  const location = recordLocation(record, file);
  machine.location = { file: location.file, line: location.line, column: location.column };
  return machine;
}

/** A load warning as JSON, with only the keys it has. */
function showWarning(warning: LoadWarning): ShowWarning {
  const shown: ShowWarning = { code: warning.code, message: warning.message, location: warning.location };
  if (warning.file !== undefined) shown.file = warning.file;
  if (warning.field !== undefined) shown.field = warning.field;
  if (warning.machine !== undefined) shown.machine = warning.machine;
  if (warning.value !== undefined) shown.value = warning.value;
  return shown;
}

/**
 * Loads `file` and builds the report; never throws for bad input.
 *
 * @example
 * showReport("/etc/guix/machines.scm"); // { file, machines: [{ name, port, ... location }], warnings: [] }
 */
export function showReport(file: string, options: LoadOptions = {}): ShowReport {
  try {
    const result = loadMachines(file, options);
    return {
      file,
      machines: result.records.map((r) => machineJson(r, file)),
      warnings: result.warnings.map(showWarning),
    };
  } catch (error) {
    if (error instanceof SchemeError) {
      return { file, error: { code: error.code, message: error.message, location: error.location } };
    }
    throw error;
  }
}
