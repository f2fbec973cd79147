/**
 * The special forms that modules export rather than Guile's default
 * environment: `(ice-9 match)`, `(ice-9 receive)`, `(srfi srfi-11)`,
 * `(srfi srfi-26)`, `(srfi srfi-2)`.
 *
 * @example
 * defineBindingsOfModules(table);
 * table.modules.get("ice-9 match")?.has("match-lambda"); // true
 */
import type { BuiltinTable } from "../builtins/registry.ts";
import { defineValuesModules } from "./binding-forms.ts";
import { defineSrfiForms } from "./dynamic-forms.ts";
import { defineMatchModule } from "./match.ts";

/**
 * Adds the modules' special forms to `table`.
 *
 * @example
 * defineBindingsOfModules(table); table.modules.has("ice-9 receive"); // true
 */
export function defineBindingsOfModules(table: BuiltinTable): void {
  defineMatchModule(table);
  defineValuesModules(table);
  defineSrfiForms(table);
}
