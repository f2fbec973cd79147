/**
 * Guix's `build-machine` record: the fields table (names, defaults, required
 * fields, as in current Guix) and the `(guix scripts offload)` module that
 * machines files see: the constructor, `build-machine?`, the accessors and
 * `build-requirements`.
 *
 * @example
 * import { createInterpreter } from "../scheme/interpreter.ts";
 * import { writeString } from "../scheme/printer.ts";
 * const interp = createInterpreter({
 *   extend: (table) => defineBuildMachineModule(table, { env: { HOME: "/home/alice" } }),
 *   defaultModules: [OFFLOAD_MODULE],
 * });
 * interp.evalString(`(define m (build-machine (name "build1") (system "x86_64-linux") (user "alice") (host-key "ssh-ed25519 AAAA")))`);
 * interp.evalString("(build-machine-private-key m)"); // { text: "/home/alice/.ssh/id_rsa" }
 * // the deprecated `system` field stands in for `systems`, as in Guix
 * writeString(interp.evalString("(build-machine-systems m)")); // '("x86_64-linux")'
 * interp.evalString("(build-machine-port m)"); // 22
 */
import type { BuiltinTable } from "../scheme/builtins/registry.ts";
import { defineRecordType, type RecordDefinition, type RecordFieldSpec } from "../scheme/records.ts";
import { Flonum, NIL, Primitive, arrayToList, schemeString, sym, type Datum, type RecordInstance } from "../scheme/values.ts";

/** The module machines files are evaluated with. */
export const OFFLOAD_MODULE = "guix scripts offload";

/** Options that decide default values. */
export interface BuildMachineOptions {
  /** The environment whose HOME gives private-key's default. */
  env: Record<string, string | undefined>;
  /** Receives every record built (including ones not returned by the file). */
  onConstruct?: (record: RecordInstance) => void;
}

/**
 * The build-machine fields in Guix's declaration order.
 *
 * @example
 * buildMachineFields({ env: {} }).filter((f) => !f.default).map((f) => f.name); // ["name", "user", "host-key"]
 */
export function buildMachineFields(options: BuildMachineOptions): RecordFieldSpec[] {
  const constant = (value: Datum) => () => value;
  return [
    { name: "name" },
    { name: "port", default: constant(22) },
    { name: "systems", default: constant(false) },
    { name: "system", default: constant(false) },
    { name: "user" },
    {
      name: "private-key",
      // Computed when the record is built, from HOME at that moment (as Guix does).
      default: () => {
        const home = options.env.HOME;
        return home === undefined ? false : schemeString(`${home}/.ssh/id_rsa`);
      },
    },
    { name: "host-key" },
    // One object for every record, as the literal in Guix's record definition is.
    { name: "compression", default: constant(schemeString("zlib@openssh.com,zlib")) },
    { name: "compression-level", default: constant(3) },
    { name: "daemon-socket", default: constant(schemeString("/var/guix/daemon-socket/socket")) },
    { name: "overload-threshold", default: () => new Flonum(0.8) },
    { name: "parallel-builds", default: constant(1) },
    { name: "speed", default: () => new Flonum(1.0) },
    { name: "features", default: constant(NIL) },
    {
      name: "location",
      innate: true,
      default: ({ span }) => {
        // Text that did not come from a file (the command line) has no source location, as in Guile.
        if (!span || span.file.startsWith("<")) return false;
        // Like Guile's source properties: 0-based line and column.
        return arrayToList([
          arrayToList([sym("filename"), schemeString(span.file)]),
          arrayToList([sym("line"), span.line - 1]),
          arrayToList([sym("column"), span.column - 1]),
        ]);
      },
    },
  ];
}

/**
 * Adds `(guix scripts offload)` to the builtin table and returns the record definition.
 *
 * @example
 * import { BuiltinTable } from "../scheme/builtins/registry.ts";
 * const table = new BuiltinTable();
 * defineBuildMachineModule(table, { env: process.env }).type.name; // "build-machine"
 * table.modules.get("guix scripts offload")?.has("build-machine?"); // true
 */
export function defineBuildMachineModule(table: BuiltinTable, options: BuildMachineOptions): RecordDefinition {
  const definition = defineRecordType({
    typeName: "build-machine",
    constructorName: "build-machine",
    fields: buildMachineFields(options),
    onConstruct: options.onConstruct,
  });
  table.bind("build-machine", definition.constructor, OFFLOAD_MODULE);
  table.bind("build-machine?", definition.predicate, OFFLOAD_MODULE);
  // Guix's exported accessor falls back to the deprecated `system` field.
  table.bind(
    "build-machine-systems",
    new Primitive("build-machine-systems", 1, 1, ([m], ev) => {
      const systems = ev.apply(definition.accessor("systems"), [m!]);
      return systems !== false ? systems : arrayToList([ev.apply(definition.accessor("system"), [m!])]);
    }),
    OFFLOAD_MODULE,
  );
  for (const field of ["name", "port", "user", "private-key", "host-key", "compression", "daemon-socket", "overload-threshold", "features", "location"]) {
    table.bind(`build-machine-${field}`, definition.accessor(field), OFFLOAD_MODULE);
  }
  const requirements = defineRecordType({
    typeName: "build-requirements",
    constructorName: "build-requirements",
    fields: [{ name: "system" }, { name: "features", default: () => NIL }],
  });
  table.bind("build-requirements", requirements.constructor, OFFLOAD_MODULE);
  table.bind("build-requirements?", requirements.predicate, OFFLOAD_MODULE);
  table.bind("guix-offload", new Primitive("guix-offload", 0, -1, () => false), OFFLOAD_MODULE);
  return definition;
}
