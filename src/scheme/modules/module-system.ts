/**
 * Guile's module system as a program sees it: `use-modules` and
 * `define-module #:use-module` with `#:select` (and renames), `#:prefix`,
 * `#:renamer`, `#:hide`; `(@ module name)`; and which names are visible
 * where. A name is visible exactly when Guile makes it visible: core names
 * always, a module's names after importing it. A module Guile does not have
 * is Guile's "no code for module" error; one Guile has but we do not provide
 * is `unsupported-module`; a name Guile would see that we do not implement is
 * `unsupported` (see {@link ModuleSystem.unimplemented}), never a silent no-op
 * followed by "Unbound variable". Guix's own modules (`(gnu)`, `(guix ...)`)
 * are the exception: machines files import them as boilerplate, and Guix
 * loads such files, so the import succeeds; a name the file then uses and we
 * lack is `unsupported`, naming those modules.
 *
 * @example
 * import type { SchemeError } from "../errors.ts";
 * import { createInterpreter } from "../interpreter.ts";
 * const scheme = createInterpreter();
 * scheme.evalString("(use-modules ((srfi srfi-1) #:prefix s1:)) (s1:fold + 0 '(1 2))"); // 3
 * scheme.evalString("((@ (srfi srfi-1) first) '(1 2))"); // 1
 * // Guix's own modules import, as the boilerplate of machines files needs
 * scheme.evalString("(use-modules (gnu) (guix)) 'imported"); // { name: "imported" }
 * const failures: string[] = [];
 * for (const program of ["(use-modules (no such module))", "(use-modules (web client))", '(specification->package "hello")']) {
 *   try {
 *     scheme.evalString(program);
 *   } catch (error) {
 *     failures.push(`${(error as SchemeError).code}: ${(error as SchemeError).message}`);
 *   }
 * }
 * failures;
 * // ["misc-error: no code for module (no such module)",
 * //  "unsupported-module: module (web client) is part of Guile but this evaluator does not provide it",
 * //  "unsupported: specification->package is not bound here; it may come from (gnu), (guix), which this evaluator does not provide"]
 */
import type { Span } from "../../../grammar/source.ts";
import type { BuiltinTable } from "../builtins/registry.ts";
import { Environment } from "../environment.ts";
import { SchemeError } from "../errors.ts";
import type { Evaluator, ModuleSystem } from "../evaluator.ts";
import { identifierName, isIdentifier, stripSyntax, type Identifier } from "../identifiers.ts";
import { writeAbbreviated } from "../printer.ts";
import { Keyword, NIL, Pair, Sym, list, listToArray, sym, type Datum } from "../values.ts";
import { GUILE_CORE_NAMES, GUILE_MODULE_EXPORTS, GUILE_MODULES } from "./guile-names.ts";

/** Module name prefixes that exist in Guix's environment (Guix's own modules). */
const GUIX_PREFIXES = ["guix", "gnu"];

/** What one module's top level imported that we do not implement: name → module. */
type Unimplemented = Map<string, string>;

/** One `#:select`ed binding: the module's name for it and the name it gets here. */
interface Selection {
  original: string;
  seen: string;
}

export class Modules implements ModuleSystem {
  private readonly unimplementedByTop = new WeakMap<Environment, Unimplemented>();
  /** Guix modules each top level imported, whose contents we do not know. */
  private readonly opaqueByTop = new WeakMap<Environment, string[]>();
  private coreNames: Set<string> | undefined;
  private guileModules: Set<string> | undefined;

  constructor(private readonly table: BuiltinTable) {}

  /** A fresh module's top level seeing Guile's default environment (`global`) and `imports`. */
  createTop(global: Environment, imports: readonly string[]): Environment {
    const importsEnv = new Environment(global);
    const top = new Environment(importsEnv, importsEnv);
    this.unimplementedByTop.set(top, new Map());
    for (const name of imports) this.importAll(name, top);
    return top;
  }

  use(spec: Datum, env: Environment, span: Span | undefined, evaluator: Evaluator): void {
    const top = env.moduleTop();
    if (!top) throw new SchemeError("syntax-error", "use-modules: not inside a module", span);
    const { name, options } = parseSpec(spec, span);
    if (this.isOpaqueGuixModule(name)) {
      const opaque = this.opaqueByTop.get(top) ?? [];
      if (!opaque.includes(name)) opaque.push(name);
      this.opaqueByTop.set(top, opaque);
      return;
    }
    const exports = this.exportsOf(name, span);
    const selections = this.interfaceOf(name, exports, options, span, evaluator, env);
    for (const { original, seen } of selections) this.bind(top, name, exports, original, seen);
  }

  defineModule(name: Datum, options: Datum[], span: Span | undefined, evaluator: Evaluator): Environment {
    moduleName(name, span);
    const global = evaluator.global;
    const top = this.createTop(global, []);
    for (let i = 0; i < options.length; i++) {
      const option = options[i];
      if (!(option instanceof Keyword)) throw new SchemeError("syntax-error", `define-module: unexpected ${writeAbbreviated(option!)}`, span);
      const argument = options[i + 1];
      i++;
      if (argument === undefined) throw new SchemeError("syntax-error", `define-module: #:${option.name} needs an argument`, span);
      if (option.name === "use-module") this.use(argument, top, span, evaluator);
      else if (option.name === "autoload") {
        this.autoload(argument, options[i + 1], top, span, evaluator);
        i++;
      }
      // #:export, #:re-export, #:replace, #:duplicates, #:declarative? ... change nothing a machines file can see.
    }
    return top;
  }

  reference(spec: Datum, binding: Identifier, span: Span | undefined, privateAccess: boolean): Datum {
    const name = moduleName(spec, span);
    const exports = this.exportsOf(name, span);
    const text = identifierName(binding);
    const value = exports.get(text) ?? (this.guileExports(name)?.has(text) ? this.table.modules.get("guile")?.get(text) : undefined);
    if (value !== undefined) return value;
    if (this.guileExports(name)?.has(text) || (name === "guile" && this.isCoreName(text))) throw unimplementedError(text, name, span);
    const qualifier = privateAccess ? "@@" : "@";
    throw new SchemeError("unbound-variable", `Unbound variable: ${text} (${qualifier} (${name}) ${text}: the module has no such binding)`, span);
  }

  provider(name: string): string | undefined {
    for (const [module, exports] of this.table.modules) if (module !== "guile" && exports.has(name)) return module;
    return undefined;
  }

  unimplemented(name: string, env: Environment): { modules: string[]; certain: boolean } | undefined {
    const top = env.moduleTop();
    const imported = top ? this.unimplementedByTop.get(top)?.get(name) : undefined;
    if (imported !== undefined) return { modules: [imported], certain: true };
    if (this.isCoreName(name)) return { modules: ["guile"], certain: true };
    const opaque = top ? this.opaqueByTop.get(top) : undefined;
    return opaque && opaque.length > 0 ? { modules: opaque, certain: false } : undefined;
  }

  /** A Guix module we do not provide (Guix's environment has it; its exports are unknown here). */
  private isOpaqueGuixModule(name: string): boolean {
    return GUIX_PREFIXES.includes(name.split(" ")[0]!) && !this.table.modules.has(name);
  }

  /** Our bindings of module `name`, or Guile's error when we cannot provide it. */
  private exportsOf(name: string, span: Span | undefined): ReadonlyMap<string, Datum> {
    const exports = this.table.modules.get(name);
    if (exports) return exports;
    if (this.isGuileModule(name)) {
      throw new SchemeError(
        "unsupported-module",
        `module (${name}) is part of ${GUIX_PREFIXES.includes(name.split(" ")[0]!) ? "Guix" : "Guile"} but this evaluator does not provide it`,
        span,
      );
    }
    throw new SchemeError("misc-error", `no code for module (${name})`, span);
  }

  /** The names to import and what to call them, after `#:select`, `#:hide` and the renamer. */
  private interfaceOf(
    name: string,
    exports: ReadonlyMap<string, Datum>,
    options: Map<string, Datum>,
    span: Span | undefined,
    evaluator: Evaluator,
    env: Environment,
  ): Selection[] {
    const known = this.guileExports(name) ?? new Set(exports.keys());
    const select = options.get("select");
    const selections = select === undefined ? [...known].map((n) => ({ original: n, seen: n })) : selectionsOf(select, span);
    for (const { original } of selections) {
      if (!known.has(original)) {
        throw new SchemeError("unbound-variable", `no binding \`${original}' in module (${name})`, span);
      }
    }
    const hide = new Set(namesOf(options.get("hide"), "#:hide", span));
    for (const hidden of hide) {
      if (!known.has(hidden)) throw new SchemeError("misc-error", `no binding \`${hidden}' to hide in module (${name})`, span);
    }
    const rename = this.renamer(options, span, evaluator, env);
    return selections.filter((s) => !hide.has(s.original)).map((s) => ({ original: s.original, seen: rename(s.seen) }));
  }

  /** `#:renamer PROC` (evaluated where the import is), else `#:prefix P`, else the identity. */
  private renamer(options: Map<string, Datum>, span: Span | undefined, evaluator: Evaluator, env: Environment): (name: string) => string {
    const renamer = options.get("renamer");
    if (renamer !== undefined) {
      const procedure = evaluator.evaluate(renamer, env);
      return (name) => {
        const renamed = evaluator.apply(procedure, [sym(name)]);
        if (!(renamed instanceof Sym)) {
          throw new SchemeError("wrong-type-arg", `#:renamer must return a symbol, got ${writeAbbreviated(renamed)}`, span);
        }
        return renamed.name;
      };
    }
    const prefix = options.get("prefix");
    if (prefix === undefined) return (name) => name;
    if (!isIdentifier(prefix)) throw new SchemeError("syntax-error", `#:prefix must be a symbol, got ${writeAbbreviated(prefix)}`, span);
    const text = identifierName(prefix);
    return (name) => text + name;
  }

  /** `#:autoload MODULE (NAME ...)`: the names, bound now (loading is instant here). */
  private autoload(module: Datum, names: Datum | undefined, top: Environment, span: Span | undefined, evaluator: Evaluator): void {
    this.use(list(module, Keyword.intern("select"), names ?? NIL), top, span, evaluator);
  }

  private importAll(name: string, top: Environment): void {
    const exports = this.exportsOf(name, undefined);
    for (const original of this.guileExports(name) ?? exports.keys()) this.bind(top, name, exports, original, original);
  }

  /** Binds `seen` in `top`'s imports to the module's `original`, or records it as unimplemented. */
  private bind(top: Environment, module: string, exports: ReadonlyMap<string, Datum>, original: string, seen: string): void {
    // A module re-exporting a core binding (srfi-1's car) gives the core value.
    const value = exports.get(original) ?? this.table.modules.get("guile")?.get(original);
    const unimplemented = this.unimplementedByTop.get(top)!;
    if (value === undefined) {
      unimplemented.set(seen, module);
      return;
    }
    unimplemented.delete(seen);
    top.imports!.define(sym(seen), value);
  }

  /** Guile's full export list of a module we provide, when we know it. */
  private guileExports(name: string): Set<string> | undefined {
    const text = GUILE_MODULE_EXPORTS[name];
    return text === undefined ? undefined : new Set(text.split(" "));
  }

  private isCoreName(name: string): boolean {
    this.coreNames ??= new Set(GUILE_CORE_NAMES.split(" "));
    return this.coreNames.has(name);
  }

  private isGuileModule(name: string): boolean {
    this.guileModules ??= new Set(GUILE_MODULES.split("|"));
    return this.guileModules.has(name) || GUIX_PREFIXES.includes(name.split(" ")[0]!);
  }
}

function unimplementedError(name: string, module: string, span: Span | undefined): SchemeError {
  return new SchemeError("unsupported", `${name} (from (${module})) is not implemented by this evaluator`, span);
}

/** `(srfi srfi-1)` as `srfi srfi-1`. */
function moduleName(spec: Datum, span: Span | undefined): string {
  const parts = listToArray(stripSyntax(spec));
  if (!parts || parts.length === 0 || !parts.every((p) => p instanceof Sym)) {
    throw new SchemeError("syntax-error", `invalid module name ${writeAbbreviated(spec)}`, span);
  }
  return parts.map((p) => (p as Sym).name).join(" ");
}

/** A use-modules spec: the module's name and its keyword options. */
function parseSpec(spec: Datum, span: Span | undefined): { name: string; options: Map<string, Datum> } {
  const options = new Map<string, Datum>();
  // ((srfi srfi-1) #:select (fold)) names the module first; (srfi srfi-1) is the name itself.
  if (!(spec instanceof Pair) || !(spec.car instanceof Pair)) return { name: moduleName(spec, span), options };
  const items = listToArray(spec.cdr);
  if (!items || items.length % 2 !== 0) throw new SchemeError("syntax-error", `invalid module specification ${writeAbbreviated(spec)}`, span);
  for (let i = 0; i < items.length; i += 2) {
    const key = items[i];
    if (!(key instanceof Keyword)) throw new SchemeError("syntax-error", `invalid module specification ${writeAbbreviated(spec)}`, span);
    options.set(key.name, items[i + 1]!);
  }
  return { name: moduleName(spec.car, span), options };
}

/** `#:select (name (original . alias) ...)`. */
function selectionsOf(select: Datum, span: Span | undefined): Selection[] {
  const items = listToArray(stripSyntax(select));
  if (!items) throw new SchemeError("syntax-error", `#:select needs a list, got ${writeAbbreviated(select)}`, span);
  return items.map((item) => {
    if (item instanceof Sym) return { original: item.name, seen: item.name };
    if (item instanceof Pair && item.car instanceof Sym && item.cdr instanceof Sym) return { original: item.car.name, seen: item.cdr.name };
    throw new SchemeError("syntax-error", `#:select: invalid binding ${writeAbbreviated(item)}`, span);
  });
}

function namesOf(value: Datum | undefined, option: string, span: Span | undefined): string[] {
  if (value === undefined) return [];
  const items = listToArray(stripSyntax(value));
  if (!items || !items.every((i) => i instanceof Sym)) throw new SchemeError("syntax-error", `${option} needs a list of names`, span);
  return items.map((i) => (i as Sym).name);
}
