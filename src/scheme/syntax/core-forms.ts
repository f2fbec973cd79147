/**
 * Every special form of Guile's default environment that this evaluator
 * implements, gathered from the modules that define them by theme.
 *
 * @example
 * import { Environment } from "../environment.ts";
 * import { SpecialForm, sym } from "../values.ts";
 * const global = new Environment();
 * defineCoreForms((name, form) => global.define(sym(name), form));
 * global.lookup(sym("lambda")) instanceof SpecialForm; // true
 * // the forms of modules such as (ice-9 match) are not core forms
 * global.lookup(sym("match")); // undefined
 */
import type { SpecialForm } from "../values.ts";
import { defineBindingForms } from "./binding-forms.ts";
import { defineControlForms } from "./control-forms.ts";
import { defineDynamicForms } from "./dynamic-forms.ts";
import { defineMacroForms } from "./macro-forms.ts";
import { defineModuleForms } from "./module-forms.ts";

/** Calls `define` with each core special form. */
export function defineCoreForms(define: (name: string, form: SpecialForm) => void): void {
  defineControlForms(define);
  defineBindingForms(define);
  defineModuleForms(define);
  defineMacroForms(define);
  defineDynamicForms(define);
}
