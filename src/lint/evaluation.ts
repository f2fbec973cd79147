/**
 * Evaluates a machines file the way Guix loads it, but keeps what a linter
 * needs even when loading fails: every record built before the failure, the
 * error, and the last value.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * const source = new SourceText("m.scm", '(define a (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "k")))\n(list a b)');
 * const run = evaluateMachines(source, readSource(source), {});
 * run.error?.code; // "unbound-variable"
 * run.constructed.map((record) => record.fields.get("name")); // [{ text: "a" }]
 */
import type { ReadDatum } from "../../grammar/reader.ts";
import type { SourceText } from "../../grammar/source.ts";
import { defineBuildMachineModule, OFFLOAD_MODULE } from "../machines/build-machine.ts";
import { machineRecordsOf, type LoadOptions } from "../machines/load.ts";
import { SchemeError } from "../scheme/errors.ts";
import { createInterpreter } from "../scheme/interpreter.ts";
import type { Datum, RecordInstance } from "../scheme/values.ts";

/** The outcome of evaluating a file. */
export interface Evaluation {
  /** Every build-machine record built, in order. */
  constructed: RecordInstance[];
  /** The records the file returned, when its value is a list of build machines. */
  returned: RecordInstance[] | undefined;
  /** The last value, when loading finished. */
  lastValue: Datum | undefined;
  /** The error that stopped loading. */
  error: SchemeError | undefined;
  /** The top-level form of the file being evaluated when the error happened (the error may be in a file it loads). */
  failedForm?: ReadDatum;
}

/**
 * Evaluates the datums already read from `source` as Guix would load it (the text is not read again).
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * const source = new SourceText("m.scm", '(map (lambda (n) (build-machine (name n) (systems (list "x86_64-linux")) (user "u") (host-key "k"))) (list "b1" "b2"))');
 * evaluateMachines(source, readSource(source), { maxSteps: 1e6 }).returned?.map((record) => record.fields.get("name")); // [{ text: "b1" }, { text: "b2" }]
 */
export function evaluateMachines(source: SourceText, datums: readonly ReadDatum[], options: LoadOptions): Evaluation {
  const constructed: RecordInstance[] = [];
  const env = options.env ?? process.env;
  const interpreter = createInterpreter({
    ...options,
    env,
    file: source.file,
    defaultModules: [OFFLOAD_MODULE],
    extend: (table) => defineBuildMachineModule(table, { env, onConstruct: (r) => constructed.push(r) }),
  });
  let current: ReadDatum | undefined;
  const tracked = (function* () {
    for (const datum of datums) yield (current = datum);
  })();
  try {
    const lastValue = interpreter.evalForms(tracked, source.file);
    return { constructed, returned: machineRecordsOf(lastValue), lastValue, error: undefined };
  } catch (error) {
    if (error instanceof SchemeError) return { constructed, returned: undefined, lastValue: undefined, error, failedForm: current };
    if (error instanceof RangeError) {
      const limit = new SchemeError("limit-exceeded", `evaluation too deep: ${error.message}`);
      return { constructed, returned: undefined, lastValue: undefined, error: limit, failedForm: current };
    }
    throw error;
  }
}
