/**
 * The module forms: `define-module` (which makes the new module current for
 * the forms after it, as in Guile), `use-modules`, `(@ module name)`,
 * `(@@ module name)`, and `export`/`re-export`, which change nothing a
 * configuration can observe.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * const scheme = createInterpreter();
 * scheme.evalString("(define-module (offload example) #:use-module (srfi srfi-1)) (first '(1 2))"); // 1
 * scheme.evalString("((@ (srfi srfi-1) last) '(1 2))"); // 2
 */
import { SchemeError } from "../errors.ts";
import type { Environment } from "../environment.ts";
import type { Evaluator, ModuleSystem } from "../evaluator.ts";
import { isIdentifier } from "../identifiers.ts";
import { SpecialForm, UNSPECIFIED, type Datum, type Pair } from "../values.ts";
import { badSyntax, operands, shape } from "./shape.ts";

function modulesOf(ev: Evaluator, x: Pair): ModuleSystem {
  if (!ev.modules) throw new SchemeError("unsupported-module", "modules are not available in this evaluator", x.span);
  return ev.modules;
}

/**
 * Registers the forms with `define`.
 *
 * @example
 * import type { SpecialForm } from "../values.ts";
 * const forms = new Map<string, SpecialForm>();
 * defineModuleForms((name, form) => forms.set(name, form));
 * [...forms.keys()].includes("use-modules"); // true
 */
export function defineModuleForms(define: (name: string, form: SpecialForm) => void): void {
  define(
    "define-module",
    new SpecialForm("define-module", (x, _env, ev) => {
      const [name, ...options] = operands(x);
      if (name === undefined) throw badSyntax(x);
      ev.topLevel = modulesOf(ev, x).defineModule(name, options, x.span, ev);
      return UNSPECIFIED;
    }),
  );
  define(
    "use-modules",
    new SpecialForm("use-modules", (x: Pair, env: Environment, ev: Evaluator): Datum => {
      for (const spec of operands(x)) modulesOf(ev, x).use(spec, env, x.span, ev);
      return UNSPECIFIED;
    }),
  );
  for (const name of ["@", "@@"]) {
    define(
      name,
      new SpecialForm(name, (x, _env, ev) => {
        const [module, binding] = shape(x, 2, 2);
        if (!isIdentifier(binding!)) throw badSyntax(x);
        return modulesOf(ev, x).reference(module!, binding, x.span, name === "@@");
      }),
    );
  }
  for (const name of ["export", "re-export", "export-syntax", "re-export-syntax"]) {
    define(name, new SpecialForm(name, () => UNSPECIFIED));
  }
}
