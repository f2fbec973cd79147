/**
 * Equivalence, type predicates, vectors, `error`, `format`, `getenv`,
 * multiple values, and output procedures (which write to the host's output,
 * never to files).
 *
 * @example
 * const table = new BuiltinTable(); defineControlBuiltins(table);
 */
import { eq, eqv, isEqual } from "../equality.ts";
import { SchemeError } from "../errors.ts";
import { displayString, writeString } from "../printer.ts";
import {
  Bytevector,
  Closure,
  EOF,
  EofObject,
  MultipleValues,
  Primitive,
  UNSPECIFIED,
  arrayToList,
  isProcedure,
  type Datum,
} from "../values.ts";
import {
  expectIndex,
  expectList,
  expectProcedure,
  expectString,
  outOfRange,
  type BuiltinTable,
} from "./registry.ts";

function expectVector(who: string, value: Datum, position: number): Datum[] {
  if (Array.isArray(value)) return value;
  throw new SchemeError("wrong-type-arg", `${who}: wrong type argument in position ${position} (expecting vector): ${writeString(value)}`);
}

/** `(format dest "template" args...)` with the directives config files use. */
export function formatString(template: string, args: Datum[]): string {
  let out = "";
  let next = 0;
  const take = (directive: string): Datum => {
    if (next >= args.length) throw new SchemeError("misc-error", `format: too few arguments for ~${directive} in "${template}"`);
    return args[next++]!;
  };
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== "~") {
      out += c;
      continue;
    }
    const d = template[++i];
    switch (d) {
      case "a":
      case "A":
        out += displayString(take(d));
        break;
      case "s":
      case "S":
        out += writeString(take(d));
        break;
      case "d":
      case "D":
        out += displayString(take(d));
        break;
      case "%":
      case "n":
        out += "\n";
        break;
      case "~":
        out += "~";
        break;
      default:
        throw new SchemeError("misc-error", `format: unsupported directive ~${d ?? ""} in "${template}"`);
    }
  }
  return out;
}

function errorMessage(args: Datum[]): string {
  const [message, ...irritants] = args;
  const head = typeof message === "string" ? message : writeString(message!);
  return [head, ...irritants.map((x) => writeString(x))].join(" ");
}

/** Registers control, vector and output procedures. `host` receives output. */
export function defineControlBuiltins(table: BuiltinTable): void {
  table.define("eq?", 2, 2, ([a, b]) => eq(a!, b!));
  table.define("eqv?", 2, 2, ([a, b]) => eqv(a!, b!));
  table.define("equal?", 2, 2, ([a, b]) => isEqual(a!, b!));
  table.define("not", 1, 1, ([x]) => x === false);
  table.define("boolean?", 1, 1, ([x]) => typeof x === "boolean");
  table.define("procedure?", 1, 1, ([x]) => isProcedure(x!));
  table.define("vector?", 1, 1, ([x]) => Array.isArray(x));
  table.define("bytevector?", 1, 1, ([x]) => x instanceof Bytevector);
  table.define("eof-object?", 1, 1, ([x]) => x instanceof EofObject);
  table.define("identity", 1, 1, ([x]) => x!);
  table.define("vector", 0, -1, (args) => [...args]);
  table.define("make-vector", 1, 2, ([k, fill]) => {
    const n = expectIndex("make-vector", k!, 1);
    if (n > 10_000_000) throw new SchemeError("limit-exceeded", "make-vector: vector too long");
    return new Array<Datum>(n).fill(fill ?? false);
  });
  table.define("vector-length", 1, 1, ([v]) => expectVector("vector-length", v!, 1).length);
  table.define("vector-ref", 2, 2, ([v, k]) => {
    const items = expectVector("vector-ref", v!, 1);
    const index = expectIndex("vector-ref", k!, 2);
    if (index >= items.length) throw outOfRange("vector-ref", k!, 2);
    return items[index]!;
  });
  table.define("vector-set!", 3, 3, ([v, k, x]) => {
    const items = expectVector("vector-set!", v!, 1);
    const index = expectIndex("vector-set!", k!, 2);
    if (index >= items.length) throw outOfRange("vector-set!", k!, 2);
    items[index] = x!;
    return UNSPECIFIED;
  });
  table.define("vector-fill!", 2, 2, ([v, x]) => {
    expectVector("vector-fill!", v!, 1).fill(x!);
    return UNSPECIFIED;
  });
  table.define("vector->list", 1, 1, ([v]) => arrayToList(expectVector("vector->list", v!, 1)));
  table.define("list->vector", 1, 1, ([l]) => expectList("list->vector", l!, 1));
  table.define("vector-map", 2, 2, ([f, v], ev) => {
    const proc = expectProcedure("vector-map", f!, 1);
    return expectVector("vector-map", v!, 2).map((x) => ev.apply(proc, [x]));
  }, "srfi srfi-43");
  table.define("error", 0, -1, (args) => {
    throw new SchemeError("misc-error", args.length === 0 ? "error" : errorMessage(args));
  });
  table.define("format", 1, -1, ([destination, template, ...rest], ev) => {
    if (typeof destination === "string") return formatString(destination, template === undefined ? rest : [template, ...rest]);
    const text = formatString(expectString("format", template!, 2), rest);
    if (destination === false) return text;
    ev.host?.write(text);
    return UNSPECIFIED;
  });
  table.define("getenv", 1, 1, ([name], ev) => ev.host?.getenv(expectString("getenv", name!, 1)) ?? false);
  table.define("values", 0, -1, (args) => (args.length === 1 ? args[0]! : new MultipleValues(args)));
  table.define("call-with-values", 2, 2, ([producer, consumer], ev) => {
    const produced = ev.apply(producer!, []);
    const values = produced instanceof MultipleValues ? produced.values : [produced];
    return ev.apply(consumer!, values);
  });
  const output = (name: string, render: (x: Datum) => string) =>
    table.define(name, 1, 2, ([x], ev) => {
      ev.host?.write(render(x!));
      return UNSPECIFIED;
    });
  output("display", displayString);
  output("write", writeString);
  table.define("newline", 0, 1, (_args, ev) => {
    ev.host?.write("\n");
    return UNSPECIFIED;
  });
  table.define("eof-object", 0, 0, () => EOF, "rnrs io ports");
  table.define("procedure-name", 1, 1, ([p]) => {
    if (p instanceof Primitive) return p.name;
    if (p instanceof Closure) return p.name ?? false;
    return false;
  });
}
