/**
 * A ready-to-use interpreter: the evaluator, Guile's default bindings, the
 * module table for `use-modules` and `@`, and a read-only host for files and
 * environment variables.
 *
 * @example
 * const interp = createInterpreter();
 * writeString(interp.evalString("(map 1+ '(1 2 3))")); // "(2 3 4)"
 */
import { readFileSync, statSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { decodeSource, readDatums, ReadError, type ReadDatum, type ReadLimits } from "../../grammar/reader.ts";
import { SourceText } from "../../grammar/source.ts";
import { defineControlBuiltins } from "./builtins/control.ts";
import { defineIoBuiltins } from "./builtins/io.ts";
import { defineListBuiltins } from "./builtins/lists.ts";
import { defineNumericBuiltins } from "./builtins/numeric.ts";
import { BuiltinTable } from "./builtins/registry.ts";
import { defineStringBuiltins } from "./builtins/strings.ts";
import { Environment } from "./environment.ts";
import { SchemeError } from "./errors.ts";
import { Evaluator, type EvaluationLimits, type ModuleResolver } from "./evaluator.ts";
import type { Host } from "./host.ts";
import { writeString } from "./printer.ts";
import { Sym, UNSPECIFIED, listToArray, sym, type Datum } from "./values.ts";

export interface InterpreterOptions extends EvaluationLimits, ReadLimits {
  /** The file being evaluated; relative loads resolve against its directory. */
  file?: string;
  /** What `getenv` sees (default: this process's environment). */
  env?: Record<string, string | undefined>;
  /** When false, the program cannot read any file (`--no-file-access`). */
  fileAccess?: boolean;
  /**
   * Called with the absolute path of every file the program reads, loads or
   * tests for existence, before it does (for callers that cache results).
   */
  onFileAccess?: (path: string) => void;
  /** Receives program output (display, write, format #t); default: discarded. */
  output?: (text: string) => void;
  /** Adds builtins (such as a record type) before the program runs. */
  extend?: (table: BuiltinTable) => void;
  /** Modules whose bindings every program sees without importing them. */
  defaultModules?: string[];
}

/** Modules a program may import even though they add nothing we model. */
const ACCEPTED_MODULE_PREFIXES = ["guix", "gnu", "srfi", "ice-9", "rnrs", "guile", "system", "oop", "sxml", "web", "json"];

export interface Interpreter {
  readonly evaluator: Evaluator;
  /** The top-level environment programs run in. */
  readonly env: Environment;
  /** Reads and evaluates every form of `text`; returns the last value. */
  evalString(text: string, file?: string): Datum;
  /** Reads and evaluates a file; returns the last value. */
  loadFile(path: string): Datum;
  /**
   * Evaluates already-read forms as the top level of `file` (relative loads and
   * file reads then resolve against its directory).
   */
  evalForms(forms: Iterable<ReadDatum>, file?: string): Datum;
}

/** Creates an interpreter. See {@link InterpreterOptions}. */
export function createInterpreter(options: InterpreterOptions = {}): Interpreter {
  const table = new BuiltinTable();
  defineListBuiltins(table);
  defineStringBuiltins(table);
  defineNumericBuiltins(table);
  defineControlBuiltins(table);
  defineIoBuiltins(table);
  options.extend?.(table);

  const evaluator = new Evaluator(options);
  for (const [name, value] of table.modules.get("guile") ?? []) evaluator.global.define(sym(name), value);
  const env = new Environment(evaluator.global);
  for (const module of options.defaultModules ?? []) {
    for (const [name, value] of table.modules.get(module) ?? []) env.define(sym(name), value);
  }
  evaluator.modules = moduleResolver(table);
  const loading: string[] = [];
  const processEnv = options.env ?? process.env;
  const fileAccess = options.fileAccess ?? true;

  const evalForms = (forms: Iterable<ReadDatum>): Datum => {
    let result: Datum = UNSPECIFIED;
    try {
      for (const form of forms) result = evaluator.evaluateTopLevel(form.datum, env, form.span);
    } catch (error) {
      throw readErrorToSchemeError(error);
    }
    return result;
  };

  const readFile = (path: string): SourceText => {
    options.onFileAccess?.(resolve(path));
    const bytes = readBytes(path, fileAccess, options.maxBytes);
    return decodeSource(path, bytes, options);
  };

  const read = (source: SourceText) => readDatums(source, options);

  const loadFile = (path: string): Datum => {
    const absolute = resolve(path);
    if (loading.includes(absolute)) {
      throw new SchemeError("file-error", `load cycle: ${[...loading, absolute].join(" -> ")}`);
    }
    let source: SourceText;
    try {
      source = readFile(path);
    } catch (error) {
      throw readErrorToSchemeError(error);
    }
    loading.push(absolute);
    try {
      if (loading.length === 1) evaluator.resetLimits();
      return evalForms(read(source));
    } finally {
      loading.pop();
    }
  };

  // Relative names resolve against the directory of the file being loaded, so a
  // machines file can name key files beside it whatever the working directory.
  const relative = (path: string) => (loading.length > 0 ? resolve(dirname(loading[loading.length - 1]!), path) : path);
  const host: Host = {
    getenv: (name) => processEnv[name],
    readTextFile: (path) => {
      try {
        return readFile(relative(path)).text;
      } catch (error) {
        throw readErrorToSchemeError(error);
      }
    },
    fileExists: (path) => {
      options.onFileAccess?.(resolve(relative(path)));
      return fileAccess && existsSync(relative(path));
    },
    load: (path) => {
      const base = loading.length > 0 ? dirname(loading[loading.length - 1]!) : process.cwd();
      return loadFile(resolve(base, path));
    },
    write: (text) => options.output?.(text),
  };
  evaluator.host = host;

  return {
    evaluator,
    env,
    evalForms(forms: Iterable<ReadDatum>, file?: string): Datum {
      evaluator.resetLimits();
      if (file) loading.push(resolve(file));
      try {
        return evalForms(forms);
      } finally {
        if (file) loading.pop();
      }
    },
    loadFile,
    evalString(text: string, file = options.file ?? "<eval>"): Datum {
      evaluator.resetLimits();
      const source = new SourceText(file, text);
      if (options.file) loading.push(resolve(options.file));
      try {
        return evalForms(read(source));
      } finally {
        if (options.file) loading.pop();
      }
    },
  };
}

function readBytes(path: string, fileAccess: boolean, maxBytes: number | undefined): Uint8Array {
  if (!fileAccess) {
    throw new SchemeError("file-error", `cannot read ${path}: file access is turned off (--no-file-access)`);
  }
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new SchemeError("file-error", `cannot read ${path}: it is a directory`);
    const limit = maxBytes ?? 64 * 1024 * 1024;
    if (stat.size > limit) {
      throw new SchemeError("limit-exceeded", `cannot read ${path}: ${stat.size} bytes is more than the limit of ${limit} (--max-file-size)`);
    }
    return readFileSync(path);
  } catch (error) {
    if (error instanceof SchemeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new SchemeError("file-error", `cannot read ${path}: ${reason}`);
  }
}

/** Turns reader errors into evaluator errors (one error type for callers). */
export function readErrorToSchemeError(error: unknown): unknown {
  if (error instanceof ReadError) return new SchemeError(error.code, error.message, error.span);
  return error;
}

function moduleName(spec: Datum): string | undefined {
  const parts = listToArray(spec);
  if (!parts || parts.length === 0 || !parts.every((p) => p instanceof Sym)) return undefined;
  return parts.map((p) => (p as Sym).name).join(" ");
}

function moduleResolver(table: BuiltinTable): ModuleResolver {
  const exportsOf = (spec: Datum, span: Parameters<ModuleResolver["import"]>[2]) => {
    const name = moduleName(spec);
    if (name === undefined) throw new SchemeError("syntax-error", `invalid module name ${writeString(spec)}`, span);
    const exports = table.modules.get(name);
    if (exports) return { name, exports };
    if (ACCEPTED_MODULE_PREFIXES.includes(name.split(" ")[0]!)) return { name, exports: new Map<string, Datum>() };
    throw new SchemeError("misc-error", `no code for module (${name})`, span);
  };
  return {
    import(spec, env, span) {
      for (const [name, value] of exportsOf(spec, span).exports) env.define(sym(name), value);
    },
    reference(spec, binding, span) {
      const { name, exports } = exportsOf(spec, span);
      const value = exports.get(binding.name) ?? (name === "guile" ? undefined : table.modules.get("guile")?.get(binding.name));
      if (value === undefined) throw new SchemeError("unbound-variable", `no binding ${binding.name} in module (${name})`, span);
      return value;
    },
  };
}

