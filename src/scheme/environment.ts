/**
 * Environments: a map from identifiers to values with a parent, as in lis.py.
 * A macro-introduced alias that no binding form of its expansion bound means
 * what its symbol means where the macro was defined (see identifiers.ts).
 *
 * A module's top level is two environments: its own definitions, whose parent
 * holds what it imported (later imports shadowing earlier ones), whose parent
 * is Guile's default environment — so a definition always wins over an
 * import, as in Guile.
 *
 * @example
 * import { sym } from "./values.ts";
 * const global = new Environment();
 * global.define(sym("x"), 1);
 * const local = new Environment(global);
 * local.lookup(sym("x")); // 1
 * local.lookup(sym("y")); // undefined
 */
import { Renamed, type Identifier } from "./identifiers.ts";
import type { Datum } from "./values.ts";

export class Environment {
  private readonly vars = new Map<Identifier, Datum>();

  /**
   * @param parent the enclosing environment
   * @param imports for a module's top level: the environment its imports go into
   */
  constructor(
    readonly parent: Environment | null = null,
    readonly imports?: Environment,
  ) {}

  /** Binds (or rebinds) `name` in this environment. */
  define(name: Identifier, value: Datum): void {
    this.vars.set(name, value);
  }

  /** The value of `name` here or in a parent, or `undefined` when unbound. */
  lookup(name: Identifier): Datum | undefined {
    let env: Environment | null = this;
    while (env) {
      const value = env.vars.get(name);
      if (value !== undefined) return value;
      env = env.parent;
    }
    return name instanceof Renamed ? name.env.lookup(name.symbol) : undefined;
  }

  /** Assigns an existing binding; false when `name` is unbound. */
  set(name: Identifier, value: Datum): boolean {
    let env: Environment | null = this;
    while (env) {
      if (env.vars.has(name)) {
        env.vars.set(name, value);
        return true;
      }
      env = env.parent;
    }
    return name instanceof Renamed ? name.env.set(name.symbol, value) : false;
  }

  /** True when `name` is bound in this very environment (not a parent). */
  hasOwn(name: Identifier): boolean {
    return this.vars.has(name);
  }

  /** The top level of the module this environment is in (the nearest one with an imports layer). */
  moduleTop(): Environment | undefined {
    let env: Environment | null = this;
    while (env && !env.imports) env = env.parent;
    return env ?? undefined;
  }

  /** The names bound in this very environment. */
  names(): IterableIterator<Identifier> {
    return this.vars.keys();
  }
}
