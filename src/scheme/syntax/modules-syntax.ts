/**
 * The special forms that modules export rather than Guile's default
 * environment: `(ice-9 match)`, `(ice-9 receive)`, `(srfi srfi-11)`,
 * `(srfi srfi-26)`, `(srfi srfi-2)`.
 *
 * @example
 * import { BuiltinTable } from "../builtins/registry.ts";
 * const table = new BuiltinTable();
 * defineBindingsOfModules(table);
 * table.modules.get("ice-9 match")?.has("match-lambda"); // true
 * table.modules.has("ice-9 receive"); // true
 * table.modules.has("guile"); // false
 */
import type { BuiltinTable } from "../builtins/registry.ts";
import { defineValuesModules } from "./binding-forms.ts";
import { defineSrfiForms } from "./dynamic-forms.ts";
import { defineMatchModule } from "./match.ts";

/** Adds the modules' special forms to `table`. */
export function defineBindingsOfModules(table: BuiltinTable): void {
  defineMatchModule(table);
  defineValuesModules(table);
  defineSrfiForms(table);
}
