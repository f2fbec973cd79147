/**
 * Every special form of Guile's default environment that this evaluator
 * implements, gathered from the modules that define them by theme.
 *
 * @example
 * const global = new Environment();
 * defineCoreForms((name, form) => global.define(sym(name), form));
 * global.lookup(sym("lambda")) instanceof SpecialForm; // true
 */
import type { SpecialForm } from "../values.ts";
import { defineBindingForms } from "./binding-forms.ts";
import { defineControlForms } from "./control-forms.ts";
import { defineDynamicForms } from "./dynamic-forms.ts";
import { defineMacroForms } from "./macro-forms.ts";
import { defineModuleForms } from "./module-forms.ts";

/**
 * Calls `define` with each core special form.
 *
 * @example
 * defineCoreForms((name, form) => global.define(sym(name), form));
 */
export function defineCoreForms(define: (name: string, form: SpecialForm) => void): void {
  defineControlForms(define);
  defineBindingForms(define);
  defineModuleForms(define);
  defineMacroForms(define);
  defineDynamicForms(define);
}
