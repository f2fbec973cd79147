/**
 * The values Guix gives the build-machine fields a form leaves out, taken
 * from a real record: a minimal `(build-machine …)` evaluated once by the
 * evaluator, so lint's defaults are the evaluator's, never a copy of them.
 * Left out: `private-key` (it depends on HOME when the file is loaded) and
 * the innate `location`.
 *
 * @example
 * fieldDefaults().get("port"); // 22
 */
import { defineBuildMachineModule, OFFLOAD_MODULE } from "../machines/build-machine.ts";
import { createInterpreter } from "../scheme/interpreter.ts";
import { RecordInstance, type Datum } from "../scheme/values.ts";

/** The fields every build-machine form must give (their values here are placeholders, never defaults). */
const TEMPLATE = '(build-machine (name "") (user "") (host-key ""))';
const NOT_DEFAULTS = new Set(["name", "user", "host-key", "private-key", "location"]);

let defaults: ReadonlyMap<string, Datum> | undefined;

/**
 * Each defaulted field's value (computed on first use).
 *
 * @example
 * // name, user and host-key have no default: every form gives them
 * fieldDefaults().has("name"); // false
 * fieldDefaults().get("parallel-builds"); // 1
 */
export function fieldDefaults(): ReadonlyMap<string, Datum> {
  defaults ??= evaluateDefaults();
  return defaults;
}

function evaluateDefaults(): ReadonlyMap<string, Datum> {
  const env = {};
  const interpreter = createInterpreter({
    env,
    fileAccess: false,
    defaultModules: [OFFLOAD_MODULE],
    extend: (table) => defineBuildMachineModule(table, { env }),
  });
  const record = interpreter.evalString(TEMPLATE, "<build-machine defaults>");
  if (!(record instanceof RecordInstance)) throw new Error("a build-machine form did not build a record");
  return new Map([...record.fields].filter(([name]) => !NOT_DEFAULTS.has(name)));
}
