/**
 * Loading a machines file as Guix does: evaluate every top-level form in a
 * module that sees `(guix scripts offload)`; the last value must be a list of
 * build-machine records. The records become typed {@link BuildMachine}s.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "offload-machines-"));
 * writeFileSync(join(dir, "machines.scm"), `(list (build-machine (name "build1") (systems '("x86_64-linux")) (user "alice") (host-key "ssh-ed25519 AAAA")))`);
 * const { machines, warnings } = loadMachines(join(dir, "machines.scm"), { env: { HOME: "/home/alice" } });
 * rmSync(dir, { recursive: true });
 * machines;
 * // [{ name: "build1", port: 22, systems: ["x86_64-linux"], user: "alice", hostKey: "ssh-ed25519 AAAA",
 * //    privateKey: "/home/alice/.ssh/id_rsa", compression: "zlib@openssh.com,zlib", overloadThreshold: 0.8, features: [] }]
 * warnings; // []
 */
import { formatLocation, locationOf, type Location } from "../../grammar/source.ts";
import { RefusedError } from "../scheme/errors.ts";
import { FileError, named } from "../scheme/file-reader.ts";
import { createInterpreter, type InterpreterOptions } from "../scheme/interpreter.ts";
import { NIL, Pair, RecordInstance, listToArray, stringText, type Datum } from "../scheme/values.ts";
import { isNumber, toFloat } from "../scheme/numbers.ts";
import { writeAbbreviated } from "../scheme/printer.ts";
import { defineBuildMachineModule, OFFLOAD_MODULE } from "./build-machine.ts";
import type { BuildMachine, LoadWarning } from "./types.ts";

/** Options for {@link loadMachines}: evaluation limits, file access, environment. */
export type LoadOptions = Omit<InterpreterOptions, "extend" | "defaultModules" | "file">;

/** What loading a file gives. */
export interface LoadResult {
  file: string;
  machines: BuildMachine[];
  warnings: LoadWarning[];
  /** The records the file returned, in order (parallel to `machines`). */
  records: RecordInstance[];
  /** Every build-machine record the file built, returned or not. */
  constructed: RecordInstance[];
  /** The value of the last top-level form. */
  lastValue: Datum;
}

/**
 * Loads `file`. Throws {@link SchemeError} (with a location) when Guix would
 * fail to load it. A missing file anywhere in the load — the machines file
 * itself, a key file it reads, a file it includes or loads — is not an error:
 * Guix's `build-machines` catches ENOENT and uses no machines, so the result
 * is no machines and a `missing-file` warning naming the file and where it was read.
 *
 * @example
 * loadMachines("/nonexistent/machines.scm");
 * // { machines: [], warnings: [{ code: "missing-file", message: "Guix sees no build machines: /nonexistent/machines.scm does not exist" }] }
 */
export function loadMachines(file: string, options: LoadOptions = {}): LoadResult {
  const constructed: RecordInstance[] = [];
  const env = options.env ?? process.env;
  const interpreter = createInterpreter({
    ...options,
    env,
    file,
    defaultModules: [OFFLOAD_MODULE],
    extend: (table) => defineBuildMachineModule(table, { env, onConstruct: (r) => constructed.push(r) }),
  });
  let lastValue: Datum;
  try {
    lastValue = interpreter.loadFile(file);
  } catch (error) {
    if (error instanceof FileError && error.code === "file-not-found") {
      return { file, machines: [], warnings: [missingFileWarning(error, file)], records: [], constructed, lastValue: NIL };
    }
    if (error instanceof RefusedError) error.about(file);
    throw error;
  }
  const warnings: LoadWarning[] = [];
  const records = machineRecordsOf(lastValue);
  if (!records) {
    warnings.push({
      code: "not-a-list",
      message: `'${named(file)}' did not return a list of build machines; ignoring it`,
      location: null,
    });
    return { file, machines: [], warnings, records: [], constructed, lastValue };
  }
  const machines = records.map((record, index) => toBuildMachine(record, index, file, warnings));
  return { file, machines, warnings, records, constructed, lastValue };
}

/**
 * The build-machine records of a file's value when it is what Guix accepts, a
 * list of nothing but build-machine records; otherwise undefined (Guix then
 * warns and uses no machines).
 *
 * @example
 * import { NIL, list, schemeString } from "../scheme/values.ts";
 * machineRecordsOf(NIL); // []
 * machineRecordsOf(list(schemeString("build1"))); // undefined
 */
export function machineRecordsOf(value: Datum): RecordInstance[] | undefined {
  const items = listToArray(value);
  if (!items) return undefined;
  for (const item of items) if (!(item instanceof RecordInstance) || item.type.name !== "build-machine") return undefined;
  return items as RecordInstance[];
}

/** Guix's silent "no machines" for a missing file, said aloud: which file, and where it was read. */
function missingFileWarning(error: FileError, file: string): LoadWarning {
  const where = error.location;
  const message =
    where === null
      ? `Guix sees no build machines: ${named(error.path)} does not exist`
      : `Guix sees no build machines: ${named(error.path)} does not exist (read at ${formatLocation(where)}), and Guix treats a file missing while it loads '${named(file)}' as no machines`;
  return { code: "missing-file", message, location: where, file: error.path };
}

/**
 * Where a record's `(build-machine` form starts.
 *
 * @example
 * import { createInterpreter } from "../scheme/interpreter.ts";
 * import type { RecordInstance } from "../scheme/values.ts";
 * import { defineBuildMachineModule, OFFLOAD_MODULE } from "./build-machine.ts";
 * const interp = createInterpreter({ extend: (table) => defineBuildMachineModule(table, { env: {} }), defaultModules: [OFFLOAD_MODULE] });
 * const record = interp.evalString('\n  (build-machine (name "b") (user "u") (host-key "k"))', "m.scm") as RecordInstance;
 * recordLocation(record, "m.scm"); // { file: "m.scm", line: 2, column: 3 }
 */
export function recordLocation(record: RecordInstance, file: string): Location {
  return record.span ? locationOf(record.span) : { file, line: 0, column: 0 };
}

/**
 * The effective systems list: `systems`, else `(list system)`, else none.
 *
 * @example
 * import { createInterpreter } from "../scheme/interpreter.ts";
 * import { writeString } from "../scheme/printer.ts";
 * import type { RecordInstance } from "../scheme/values.ts";
 * import { defineBuildMachineModule, OFFLOAD_MODULE } from "./build-machine.ts";
 * const interp = createInterpreter({ extend: (table) => defineBuildMachineModule(table, { env: {} }), defaultModules: [OFFLOAD_MODULE] });
 * const record = interp.evalString('(build-machine (name "b") (system "x86_64-linux") (user "u") (host-key "k"))') as RecordInstance;
 * writeString(effectiveSystems(record)); // '("x86_64-linux")'
 */
export function effectiveSystems(record: RecordInstance): Datum {
  const systems = record.fields.get("systems")!;
  if (systems !== false) return systems;
  const system = record.fields.get("system")!;
  return system === false ? NIL : new Pair(system, NIL);
}

function toBuildMachine(record: RecordInstance, index: number, file: string, warnings: LoadWarning[]): BuildMachine {
  const location = recordLocation(record, file);
  const field = (name: string) => record.fields.get(name)!;
  const name = field("name");
  const label = stringText(name) ?? "?";
  const problems: string[] = [];
  const wrongType = (fieldName: string, expected: string) => {
    problems.push(`field ${fieldName} should be ${expected}, got ${writeAbbreviated(field(fieldName))}`);
    warnings.push({
      code: "wrong-field-type",
      message: `machine '${label}': field ${fieldName} should be ${expected}; this machine cannot be used`,
      location,
      field: fieldName,
      machine: index,
      value: writeAbbreviated(field(fieldName)),
    });
  };
  const text = (fieldName: string): string => {
    const v = stringText(field(fieldName));
    if (v !== undefined) return v;
    wrongType(fieldName, "a string");
    return "";
  };
  const number = (fieldName: string): number => {
    const v = field(fieldName);
    if (isNumber(v)) return toFloat(v);
    wrongType(fieldName, "a number");
    return NaN;
  };
  const strings = (fieldName: string, value: Datum): string[] => {
    const items = listToArray(value)?.map(stringText);
    if (items?.every((x): x is string => x !== undefined)) return items;
    wrongType(fieldName, "a list of strings");
    return [];
  };
  let systems: string[];
  if (field("systems") !== false) systems = strings("systems", field("systems"));
  else if (field("system") !== false) {
    const system = stringText(field("system"));
    systems = system === undefined ? [] : [system];
    warnings.push({
      code: "deprecated-system",
      message: "The 'system' field is deprecated, please use 'systems' instead.",
      location,
    });
  } else {
    systems = [];
    warnings.push({
      code: "missing-systems",
      message: `machine '${label}' has neither 'systems' nor 'system': Guix will never use it; add (systems (list "x86_64-linux"))`,
      location,
    });
  }
  const privateKey = field("private-key");
  const threshold = field("overload-threshold");
  return {
    name: text("name"),
    port: number("port"),
    systems,
    user: text("user"),
    hostKey: text("host-key"),
    privateKey: privateKey === false ? null : text("private-key"),
    compression: text("compression"),
    compressionLevel: number("compression-level"),
    daemonSocket: text("daemon-socket"),
    overloadThreshold: threshold === false ? null : number("overload-threshold"),
    parallelBuilds: number("parallel-builds"),
    speed: number("speed"),
    features: strings("features", field("features")),
    location,
    problems,
  };
}
