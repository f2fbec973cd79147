/**
 * A ready-to-use interpreter: the evaluator, Guile's default bindings, the
 * module system, and a read-only host for files, environment variables and
 * facts about the machine.
 *
 * @example
 * import { writeString } from "./printer.ts";
 * const interp = createInterpreter();
 * writeString(interp.evalString("(map 1+ '(1 2 3))")); // "(2 3 4)"
 * // definitions last from one call to the next
 * interp.evalString("(define port 2222)");
 * interp.evalString("(+ port 1)"); // 2223
 */
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { readDatums, readSource, ReadError, type ReadDatum, type ReadLimits } from "../../grammar/reader.ts";
import { SourceText } from "../../grammar/source.ts";
import { defineAllBuiltins } from "./builtins/index.ts";
import { BuiltinTable } from "./builtins/registry.ts";
import type { Environment } from "./environment.ts";
import { SchemeError } from "./errors.ts";
import { Evaluator, type EvaluationLimits } from "./evaluator.ts";
import { named, readFileText } from "./file-reader.ts";
import type { Host } from "./host.ts";
import { currentUid, hostFact, passwdEntry } from "./host-facts.ts";
import { LoadStack } from "./load-stack.ts";
import { Modules } from "./modules/module-system.ts";
import { OutputPort, UNSPECIFIED, sym, type Datum } from "./values.ts";

export interface InterpreterOptions extends EvaluationLimits, ReadLimits {
  /** The file being evaluated; relative loads resolve against its directory. */
  file?: string;
  /** What `getenv` sees (default: this process's environment). */
  env?: Record<string, string | undefined>;
  /**
   * When false, the program cannot read any file (`--no-file-access`); the
   * file the interpreter is asked to load or evaluate is still read.
   */
  fileAccess?: boolean;
  /**
   * Called with the absolute path of every file the program reads, loads or
   * tests for existence, before it does (for callers that cache results).
   */
  onFileAccess?: (path: string) => void;
  /** Called with the key of every fact about the machine the program asks for (see host-facts.ts). */
  onHostFact?: (key: string) => void;
  /** Receives program output (display, write, format #t); default: discarded. */
  output?: (text: string) => void;
  /** Adds builtins (such as a record type) before the program runs. */
  extend?: (table: BuiltinTable) => void;
  /** Modules whose bindings every program sees without importing them. */
  defaultModules?: string[];
}

export interface Interpreter {
  readonly evaluator: Evaluator;
  /** The top-level environment of the current module (`define-module` changes it). */
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

/**
 * Creates an interpreter. See {@link InterpreterOptions}.
 *
 * @example
 * createInterpreter({ env: { HOME: "/root" } }).evalString('(getenv "HOME")'); // { text: "/root" }
 * const printed: string[] = [];
 * createInterpreter({ output: (text) => printed.push(text) }).evalString('(display "hi") (newline)');
 * printed.join(""); // "hi\n"
 */
export function createInterpreter(options: InterpreterOptions = {}): Interpreter {
  const table = new BuiltinTable();
  defineAllBuiltins(table);
  options.extend?.(table);
  const evaluator = new Evaluator(options);
  for (const [name, value] of table.modules.get("guile") ?? []) evaluator.global.define(sym(name), value);
  const modules = new Modules(table);
  evaluator.modules = modules;
  evaluator.topLevel = modules.createTop(evaluator.global, options.defaultModules ?? []);
  evaluator.currentOutput = new OutputPort((text) => options.output?.(text));
  const loading = new LoadStack();
  const files = fileReader(options, () => evaluator.checkTime());

  const evalForms = (forms: Iterable<ReadDatum>): Datum => {
    let result: Datum = UNSPECIFIED;
    try {
      // Each form runs in the current module: a define-module form changes it for the forms after it.
      for (const form of forms) result = evaluator.evaluateTopLevel(form.datum, evaluator.topLevel, form.span);
    } catch (error) {
      throw readErrorToSchemeError(error);
    }
    return result;
  };

  /** Loads a file: the outermost one is the configuration itself, readable even without file access. */
  const loadFile = (path: string): Datum => {
    const outermost = loading.depth === 0;
    return loading.within(resolve(path), () => {
      let source: SourceText;
      try {
        source = files.read(path, path, outermost);
      } catch (error) {
        throw readErrorToSchemeError(error);
      }
      if (outermost) evaluator.resetLimits();
      const module = evaluator.topLevel;
      try {
        return evalForms(readDatums(source, options));
      } finally {
        if (!outermost) evaluator.topLevel = module;
      }
    });
  };

  /** Runs `body` as the evaluation of `file`'s text, when there is a file. */
  const asFile = <T>(file: string | undefined, body: () => T): T => (file ? loading.within(file, body) : body());

  evaluator.host = createHost(options, loading, files, loadFile);

  return {
    evaluator,
    get env() {
      return evaluator.topLevel;
    },
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

type FileReader = ReturnType<typeof fileReader>;

/** Reading files for a program: the access switch, the size limit, and the caller's notification. */
function fileReader(options: InterpreterOptions, beforeRead: () => void) {
  const fileAccess = options.fileAccess ?? true;
  return {
    /**
     * The text of `path`; errors name the file `shownAs` (the name the program
     * wrote). `own` marks the configuration itself, which file access does not cover.
     */
    read(path: string, shownAs = path, own = false): SourceText {
      // The configuration itself is read before its load's clock starts.
      if (!own) beforeRead();
      options.onFileAccess?.(resolve(path));
      if (!fileAccess && !own) {
        throw new SchemeError("file-error", `cannot read ${named(shownAs)}: the configuration may not read other files (--no-file-access)`);
      }
      return readFileText(path, shownAs, options);
    },
    exists(path: string): boolean {
      options.onFileAccess?.(resolve(path));
      return fileAccess && existsSync(path);
    },
  };
}

/**
 * Throws when `file` is already being included on the way to `from` (an
 * include cycle): Guile expands one forever; stopping it at the time limit
 * took seconds of reading the same files again and again.
 */
function refuseIncludeCycle(includedFrom: WeakMap<SourceText, SourceText>, from: SourceText | undefined, file: string): void {
  const chain: string[] = [];
  for (let text = from; text !== undefined; text = includedFrom.get(text)) {
    chain.unshift(text.file);
    if (resolve(text.file) === resolve(file)) {
      throw new SchemeError("limit-exceeded", `include cycle: ${[...chain, file].map(named).join(" -> ")} (Guile would expand it forever)`);
    }
  }
}

/** The host a program sees: read-only access to files, environment variables and facts about the machine. */
function createHost(options: InterpreterOptions, loading: LoadStack, files: FileReader, loadFile: (path: string) => Datum): Host {
  const processEnv = options.env ?? process.env;
  /** The text each included text was included from: the chain an include cycle shows up in. */
  const includedFrom = new WeakMap<SourceText, SourceText>();
  const fact = <T>(key: string, value: () => T): T => {
    options.onHostFact?.(key);
    return value();
  };
  return {
    getenv: (name) => processEnv[name],
    environment: () => Object.entries(processEnv).filter((e): e is [string, string] => e[1] !== undefined),
    readTextFile: (path) => {
      try {
        return files.read(loading.resolve(path), path).text;
      } catch (error) {
        throw readErrorToSchemeError(error);
      }
    },
    fileExists: (path) => files.exists(loading.resolve(path)),
    load: (path) => loadFile(loading.resolve(path)),
    include: (path, from) => {
      const fromFile = from?.file;
      // As Guile: the including file's directory and the name, joined but not normalized (the name is kept in locations).
      const absolute = isAbsolute(path) ? path : fromFile && !fromFile.startsWith("<") ? `${dirname(asAbsolute(fromFile))}/${path}` : loading.resolve(path);
      refuseIncludeCycle(includedFrom, from, absolute);
      let source: SourceText;
      try {
        // Guile opens the joined name, and names it so when it is missing.
        source = files.read(absolute, absolute);
      } catch (error) {
        throw readErrorToSchemeError(error);
      }
      if (from) includedFrom.set(source, from);
      try {
        return readSource(source, options);
      } catch (error) {
        throw readErrorToSchemeError(error);
      }
    },
    write: (text) => options.output?.(text),
    hostname: () => fact("hostname", hostname),
    uid: () => fact("uid", currentUid),
    login: () => fact("login", () => hostFact("login") ?? undefined),
    passwd: (user) => fact(typeof user === "number" ? `passwd:#${user}` : `passwd:${user}`, () => passwdEntry(user)),
    cwd: () => process.cwd(),
  };
}

/**
 * A file name made absolute as Guile does it: the working directory prepended, nothing normalized.
 *
 * @example
 * asAbsolute("m.scm") === `${process.cwd()}/m.scm`; // true
 * asAbsolute("/etc/guix/../guix/machines.scm"); // "/etc/guix/../guix/machines.scm"
 */
export function asAbsolute(file: string): string {
  return isAbsolute(file) ? file : `${process.cwd()}/${file}`;
}

/** Turns reader errors into evaluator errors (one error type for callers). */
function readErrorToSchemeError(error: unknown): unknown {
  if (error instanceof ReadError) return new SchemeError(error.code, error.message, error.span);
  return error;
}
