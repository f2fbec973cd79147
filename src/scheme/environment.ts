/**
 * Environments: a map from symbols to values with a parent, as in lis.py.
 *
 * @example
 * const global = new Environment();
 * global.define(sym("x"), 1);
 * new Environment(global).lookup(sym("x")); // 1
 */
import type { Datum, Sym } from "../../grammar/datum.ts";

export class Environment {
  private readonly vars = new Map<Sym, Datum>();

  constructor(readonly parent: Environment | null = null) {}

  /** Binds (or rebinds) `name` in this environment. */
  define(name: Sym, value: Datum): void {
    this.vars.set(name, value);
  }

  /** The value of `name` here or in a parent, or `undefined` when unbound. */
  lookup(name: Sym): Datum | undefined {
    let env: Environment | null = this;
    while (env) {
      const value = env.vars.get(name);
      if (value !== undefined) return value;
      env = env.parent;
    }
    return undefined;
  }

  /** Assigns an existing binding; false when `name` is unbound. */
  set(name: Sym, value: Datum): boolean {
    let env: Environment | null = this;
    while (env) {
      if (env.vars.has(name)) {
        env.vars.set(name, value);
        return true;
      }
      env = env.parent;
    }
    return false;
  }

  /** True when `name` is bound in this very environment (not a parent). */
  hasOwn(name: Sym): boolean {
    return this.vars.has(name);
  }
}
