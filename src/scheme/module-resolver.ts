/**
 * The module table a program sees through `use-modules`, `define-module` and
 * `(@ (module) name)`: the builtins of each Guile module we provide.
 *
 * @example
 * const resolver = moduleResolver(table);
 * resolver.provider("fold"); // "srfi srfi-1"
 */
import type { Span } from "../../grammar/source.ts";
import type { BuiltinTable } from "./builtins/registry.ts";
import type { Environment } from "./environment.ts";
import { SchemeError } from "./errors.ts";
import type { ModuleResolver } from "./evaluator.ts";
import { writeString } from "./printer.ts";
import { Sym, listToArray, sym, type Datum } from "./values.ts";

/** Modules a program may import even though they add nothing we model. */
const ACCEPTED_MODULE_PREFIXES = ["guix", "gnu", "srfi", "ice-9", "rnrs", "guile", "system", "oop", "sxml", "web", "json"];

/** `(srfi srfi-1)` as `srfi srfi-1`, or undefined when `spec` is not a list of symbols. */
function moduleName(spec: Datum): string | undefined {
  const parts = listToArray(spec);
  if (!parts || parts.length === 0 || !parts.every((p) => p instanceof Sym)) return undefined;
  return parts.map((p) => (p as Sym).name).join(" ");
}

/**
 * The resolver over `table`'s modules (`guile` is the default environment).
 *
 * @example
 * moduleResolver(table).import(list(sym("srfi"), sym("srfi-1")), env, undefined); // env now sees fold
 */
export function moduleResolver(table: BuiltinTable): ModuleResolver {
  const exportsOf = (spec: Datum, span: Span | undefined) => {
    const name = moduleName(spec);
    if (name === undefined) throw new SchemeError("syntax-error", `invalid module name ${writeString(spec)}`, span);
    const exports = table.modules.get(name);
    if (exports) return { name, exports };
    if (ACCEPTED_MODULE_PREFIXES.includes(name.split(" ")[0]!)) return { name, exports: new Map<string, Datum>() };
    throw new SchemeError("misc-error", `no code for module (${name})`, span);
  };
  return {
    import(spec: Datum, env: Environment, span: Span | undefined) {
      for (const [name, value] of exportsOf(spec, span).exports) env.define(sym(name), value);
    },
    reference(spec: Datum, binding: Sym, span: Span | undefined) {
      const { name, exports } = exportsOf(spec, span);
      const value = exports.get(binding.name) ?? (name === "guile" ? undefined : table.modules.get("guile")?.get(binding.name));
      if (value === undefined) throw new SchemeError("unbound-variable", `no binding ${binding.name} in module (${name})`, span);
      return value;
    },
    provider(name: string) {
      for (const [module, exports] of table.modules) if (module !== "guile" && exports.has(name)) return module;
      return undefined;
    },
  };
}
