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
import { resolve } from "node:path";
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
import { Evaluator, type EvaluationLimits } from "./evaluator.ts";
import { LoadStack } from "./load-stack.ts";
import { moduleResolver } from "./module-resolver.ts";
import { UNSPECIFIED, sym, type Datum } from "./values.ts";

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
  const table = builtinTable(options);
  const evaluator = new Evaluator(options);
  for (const [name, value] of table.modules.get("guile") ?? []) evaluator.global.define(sym(name), value);
  const env = new Environment(evaluator.global);
  for (const module of options.defaultModules ?? []) {
    for (const [name, value] of table.modules.get(module) ?? []) env.define(sym(name), value);
  }
  evaluator.modules = moduleResolver(table);
  const loading = new LoadStack();
  const files = fileReader(options);

  const evalForms = (forms: Iterable<ReadDatum>): Datum => {
    let result: Datum = UNSPECIFIED;
    try {
      for (const form of forms) result = evaluator.evaluateTopLevel(form.datum, env, form.span);
    } catch (error) {
      throw readErrorToSchemeError(error);
    }
    return result;
  };

  const loadFile = (path: string): Datum => {
    const absolute = resolve(path);
    const outermost = loading.depth === 0;
    return loading.within(absolute, () => {
      let source: SourceText;
      try {
        source = files.read(path);
      } catch (error) {
        throw readErrorToSchemeError(error);
      }
      if (outermost) evaluator.resetLimits();
      return evalForms(readDatums(source, options));
    });
  };

  /** Runs `body` as the evaluation of `file`'s text, when there is a file. */
  const asFile = <T>(file: string | undefined, body: () => T): T => (file ? loading.within(file, body) : body());

  const processEnv = options.env ?? process.env;
  evaluator.host = {
    getenv: (name) => processEnv[name],
    readTextFile: (path) => {
      try {
        return files.read(loading.resolve(path), path).text;
      } catch (error) {
        throw readErrorToSchemeError(error);
      }
    },
    fileExists: (path) => files.exists(loading.resolve(path)),
    load: (path) => loadFile(loading.resolve(path)),
    write: (text) => options.output?.(text),
  };

  return {
    evaluator,
    env,
    evalForms(forms: Iterable<ReadDatum>, file?: string): Datum {
      evaluator.resetLimits();
      return asFile(file, () => evalForms(forms));
    },
    loadFile,
    evalString(text: string, file = options.file ?? "<eval>"): Datum {
      evaluator.resetLimits();
      const source = new SourceText(file, text);
      return asFile(options.file, () => evalForms(readDatums(source, options)));
    },
  };
}

/** Every builtin module, plus what the caller adds. */
function builtinTable(options: InterpreterOptions): BuiltinTable {
  const table = new BuiltinTable();
  defineListBuiltins(table);
  defineStringBuiltins(table);
  defineNumericBuiltins(table);
  defineControlBuiltins(table);
  defineIoBuiltins(table);
  options.extend?.(table);
  return table;
}

/** Reading files for a program: the access switch, the size limit, and the caller's notification. */
function fileReader(options: InterpreterOptions) {
  const fileAccess = options.fileAccess ?? true;
  return {
    /** The text of `path`; errors name the file `shownAs` (the name the program wrote). */
    read(path: string, shownAs = path): SourceText {
      options.onFileAccess?.(resolve(path));
      return decodeSource(path, readBytes(path, shownAs, fileAccess, options.maxBytes), options);
    },
    exists(path: string): boolean {
      options.onFileAccess?.(resolve(path));
      return fileAccess && existsSync(path);
    },
  };
}

function readBytes(path: string, shownAs: string, fileAccess: boolean, maxBytes: number | undefined): Uint8Array {
  if (!fileAccess) {
    throw new SchemeError("file-error", `cannot read ${shownAs}: file access is turned off (--no-file-access)`);
  }
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new SchemeError("file-error", `cannot read ${shownAs}: it is a directory`);
    const limit = maxBytes ?? 64 * 1024 * 1024;
    if (stat.size > limit) {
      throw new SchemeError("limit-exceeded", `cannot read ${shownAs}: ${stat.size} bytes is more than the limit of ${limit} (--max-file-size)`);
    }
    return readFileSync(path);
  } catch (error) {
    if (error instanceof SchemeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new SchemeError("file-error", `cannot read ${shownAs}: ${reason}`);
  }
}

/** Turns reader errors into evaluator errors (one error type for callers). */
export function readErrorToSchemeError(error: unknown): unknown {
  if (error instanceof ReadError) return new SchemeError(error.code, error.message, error.span);
  return error;
}
