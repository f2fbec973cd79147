/**
 * Every builtin: Guile's default environment and the modules we provide,
 * each group in its own file (one file per Guile module or theme).
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineAllBuiltins(table);
 * table.modules.get("srfi srfi-1")?.has("fold"); // true
 * table.modules.has("ice-9 match"); // true
 */
import { defineBindingsOfModules } from "../syntax/modules-syntax.ts";
import { defineControlBuiltins } from "./control.ts";
import { defineExceptionBuiltins } from "./exceptions.ts";
import { defineFileBuiltins } from "./files.ts";
import { defineFormatBuiltins } from "./format.ts";
import { defineHashTableBuiltins } from "./hash-tables.ts";
import { defineListBuiltins } from "./lists.ts";
import { defineNumericBuiltins } from "./numeric.ts";
import { definePortBuiltins } from "./ports.ts";
import { defineRefusedOperations } from "./refused.ts";
import type { BuiltinTable } from "./registry.ts";
import { defineSrfi1Builtins } from "./srfi-1.ts";
import { defineStringBuiltins } from "./strings.ts";
import { defineSystemBuiltins } from "./system.ts";
import { defineVectorBuiltins } from "./vectors.ts";

/** Adds every builtin to `table`. (ts-unused-exports misses imports that name index.ts.) */
// ts-unused-exports:disable-next-line
export function defineAllBuiltins(table: BuiltinTable): void {
  defineListBuiltins(table);
  defineStringBuiltins(table);
  defineNumericBuiltins(table);
  defineControlBuiltins(table);
  defineVectorBuiltins(table);
  definePortBuiltins(table);
  defineFileBuiltins(table);
  defineSystemBuiltins(table);
  defineFormatBuiltins(table);
  defineHashTableBuiltins(table);
  defineExceptionBuiltins(table);
  defineRefusedOperations(table);
  defineSrfi1Builtins(table);
  defineBindingsOfModules(table);
}
