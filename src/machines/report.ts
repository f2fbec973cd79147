/**
 * The `offload show --json` report: every machine with its Scheme field names,
 * warnings, or the one error that stopped loading.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "offload-show-"));
 * writeFileSync(join(dir, "machines.scm"), `(list (build-machine (name "build1") (system "x86_64-linux") (user "alice") (host-key "ssh-ed25519 AAAA")))`);
 * writeFileSync(join(dir, "broken.scm"), `(list\n  (build-machine (name "build1")))`);
 * const shown = showReport(join(dir, "machines.scm"), { env: { HOME: "/home/alice" } });
 * const broken = showReport(join(dir, "broken.scm"));
 * rmSync(dir, { recursive: true });
 * shown;
 * // { machines: [{ name: "build1", port: 22, systems: ["x86_64-linux"], "private-key": "/home/alice/.ssh/id_rsa", location: { line: 1, column: 7 } }],
 * //   warnings: [{ code: "deprecated-system", message: "The 'system' field is deprecated, please use 'systems' instead." }] }
 * broken; // { error: { code: "missing-field-initializers", message: "missing field initializers (user host-key)", location: { line: 2, column: 3 } } }
 */
import type { Location } from "../../grammar/source.ts";
import { SchemeError } from "../scheme/errors.ts";
import { writeAbbreviated } from "../scheme/printer.ts";
import { isNumber, toFloat } from "../scheme/numbers.ts";
import { Pair, SchemeString, listToArray, type Datum, type RecordInstance } from "../scheme/values.ts";
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
  { file: string; machines: ShowMachine[]; warnings: ShowWarning[] } | { file: string; error: { code: string; message: string; location: Location | null } };

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

/** The longest `write` form shown; a value a million levels deep is not printed whole (nor its printer's state kept). */
const MAX_JSON_TEXT = 100_000;

/**
 * A Scheme value as JSON: strings, numbers, booleans, lists; anything else
 * (a circular list, data nested very deep) as its `write` form.
 *
 * @example
 * import { Flonum, list, schemeString, sym } from "../scheme/values.ts";
 * toJson(list(schemeString("x86_64-linux"), new Flonum(0.8))); // ["x86_64-linux", 0.8]
 * toJson(sym("kvm")); // "kvm"
 * toJson([1, 2]); // "#(1 2)"
 */
export function toJson(value: Datum, depth = 0): Json {
  if (value instanceof SchemeString) return value.text;
  if (typeof value === "boolean") return value;
  if (isNumber(value)) return toFloat(value);
  // Only proper lists become arrays (vectors print as Scheme, like any other value).
  const items = depth < MAX_JSON_DEPTH && (value instanceof Pair || !Array.isArray(value)) ? listToArray(value) : undefined;
  if (items) return items.map((item) => toJson(item, depth + 1));
  return writeAbbreviated(value, MAX_JSON_TEXT);
}

/**
 * One record as the JSON object `show` prints.
 *
 * @example
 * import { createInterpreter } from "../scheme/interpreter.ts";
 * import type { RecordInstance } from "../scheme/values.ts";
 * import { defineBuildMachineModule, OFFLOAD_MODULE } from "./build-machine.ts";
 * const interp = createInterpreter({ extend: (table) => defineBuildMachineModule(table, { env: {} }), defaultModules: [OFFLOAD_MODULE] });
 * const record = interp.evalString('(build-machine (name "b") (user "u") (host-key "k") (speed 2.5))', "m.scm") as RecordInstance;
 * machineJson(record, "m.scm"); // { name: "b", port: 22, systems: [], speed: 2.5, "private-key": false, location: { file: "m.scm", line: 1, column: 1 } }
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
 * // a missing file is no machines, as in Guix, and said so
 * showReport("/nonexistent/machines.scm");
 * // { file: "/nonexistent/machines.scm", machines: [], warnings: [{ code: "missing-file", location: null }] }
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
