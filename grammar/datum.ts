/**
 * The data the reader produces. They are also the evaluator's values for
 * quoted data: a symbol read from a file is the same object the evaluator
 * compares with `eq?`.
 *
 * Representation (plain data, as in lis.py):
 * - exact integers: `number` when safe, `bigint` otherwise; inexact reals: {@link Flonum};
 *   exact rationals: {@link Rational}
 * - strings: {@link SchemeString} objects (made by {@link schemeString}, read by {@link stringText});
 *   booleans: JS `boolean`; vectors: JS arrays
 * - symbols, keywords: interned {@link Sym} / {@link Keyword}; characters: {@link Char}
 * - lists: {@link Pair} chains ending in {@link NIL}
 * - anything the evaluator adds (procedures, records, ports) implements {@link SchemeObject}
 *
 * @example
 * // (a 1 "b" 2.5) as data: a chain of pairs holding a Sym, a number, a string and a Flonum
 * const l = list(sym("a"), 1, schemeString("b"), new Flonum(2.5));
 * listToArray(l); // [{ name: "a" }, 1, { text: "b" }, { value: 2.5 }]
 * listToArray(l)?.[0] === sym("a"); // true
 */
import { Span, type SourceText } from "./source.ts";

/** Runtime objects defined above the reader (procedures, records, ports). */
export interface SchemeObject {
  readonly schemeType: string;
}

/** Any Scheme value. */
export type Datum =
  boolean | number | bigint | SchemeString | Sym | Keyword | Char | Pair | EmptyList | Flonum | Rational | Bytevector | Datum[] | SchemeObject;

/**
 * A Scheme string. It is an object, not a JS string, because Guile's strings
 * have identity: `(let ((s "a")) (eq? s s))` is #t while `(eq? "a" "a")` —
 * two literals, two objects — is #f, and `hashq-ref` and `memq` find a string
 * only by the object it was stored as. Nothing here mutates a string
 * (`string-set!` and `string-fill!` are not provided), so the text is fixed.
 */
export class SchemeString {
  constructor(readonly text: string) {}
}

/**
 * A new Scheme string holding `text`: the one way strings are made, so each
 * call is a distinct object, as each literal and each result is in Guile.
 *
 * @example
 * schemeString("a").text; // "a"
 * schemeString("a") === schemeString("a"); // false
 */
export function schemeString(text: string): SchemeString {
  return new SchemeString(text);
}

/**
 * The text of `value` if it is a Scheme string, else `undefined`: the one way
 * code that wants JS text reads a value. It takes any value, so views that
 * mix data with markers of their own (lint's UNKNOWN) read through it too.
 *
 * @example
 * stringText(schemeString("x86_64-linux")); // "x86_64-linux"
 * stringText(sym("x86_64-linux")); // undefined
 */
export function stringText(value: unknown): string | undefined {
  return value instanceof SchemeString ? value.text : undefined;
}

const symbols = new Map<string, Sym>();
const keywords = new Map<string, Keyword>();

/** An interned symbol: two symbols with the same name are the same object. */
export class Sym {
  private constructor(readonly name: string) {}
  /** The one symbol with this name. */
  static intern(name: string): Sym {
    let s = symbols.get(name);
    if (!s) {
      s = new Sym(name);
      symbols.set(name, s);
    }
    return s;
  }
}

/**
 * Shorthand for {@link Sym.intern}.
 *
 * @example
 * sym("x86_64") === sym("x86_64"); // true
 */
export function sym(name: string): Sym {
  return Sym.intern(name);
}

/** An interned keyword, `#:name`. */
export class Keyword {
  private constructor(readonly name: string) {}
  static intern(name: string): Keyword {
    let k = keywords.get(name);
    if (!k) {
      k = new Keyword(name);
      keywords.set(name, k);
    }
    return k;
  }
}

/** A character, by Unicode code point. */
export class Char {
  constructor(readonly code: number) {}
}

/** An inexact real number (Guile's flonum). */
export class Flonum {
  constructor(readonly value: number) {}
}

/** An exact rational with a positive denominator other than 1, in lowest terms. */
export class Rational {
  constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}
}

/** A bytevector, `#vu8(1 2 3)`. */
export class Bytevector {
  constructor(readonly bytes: Uint8Array) {}
}

/** The empty list. */
export class EmptyList {
  static readonly instance = new EmptyList();
  /** Without a member of its own the class's type would be `{}`, which every JS value fits, and `Datum` would check nothing. */
  declare private readonly brand: undefined;
  private constructor() {}
}

/** The empty list `'()`. */
export const NIL = EmptyList.instance;

/**
 * A cons cell. `span` is where the list starting here was read;
 * `carSpan` is where its car was read. Both are undefined for pairs built at
 * run time; the reader makes {@link SourcePair}s.
 */
export class Pair {
  constructor(
    public car: Datum,
    public cdr: Datum,
  ) {}
  get span(): Span | undefined {
    return undefined;
  }
  get carSpan(): Span | undefined {
    return undefined;
  }
}

/**
 * A pair read from a file. Positions are kept as offsets and turned into
 * {@link Span}s only when asked for, so reading a large file allocates little.
 * `start` is -1 for pairs that do not start a list (only the head pair has a span).
 */
export class SourcePair extends Pair {
  private spanCache: Span | undefined;
  private carSpanCache: Span | undefined;
  constructor(
    car: Datum,
    cdr: Datum,
    readonly source: SourceText,
    readonly start: number,
    readonly end: number,
    readonly carStart: number,
    readonly carEnd: number,
  ) {
    super(car, cdr);
  }
  override get span(): Span | undefined {
    if (this.start < 0) return undefined;
    return (this.spanCache ??= new Span(this.source, this.start, this.end));
  }
  override get carSpan(): Span {
    return (this.carSpanCache ??= new Span(this.source, this.carStart, this.carEnd));
  }
}

/**
 * A proper list of the given elements.
 *
 * @example
 * list(1, 2); // { car: 1, cdr: { car: 2 } }
 * list() === NIL; // true
 */
export function list(...items: Datum[]): Datum {
  return arrayToList(items);
}

/**
 * A proper list (or with `tail`, an improper one) of the array's elements.
 *
 * @example
 * arrayToList([1, 2], 3); // { car: 1, cdr: { car: 2, cdr: 3 } }
 */
export function arrayToList(items: readonly Datum[], tail: Datum = NIL): Datum {
  let result = tail;
  for (let i = items.length - 1; i >= 0; i--) result = new Pair(items[i]!, result);
  return result;
}

/**
 * Detects a cycle along a chain of pairs (Brent's algorithm: one comparison
 * per step, found within twice the length of the cycle and its lead-in).
 *
 * @example
 * const ring = new Pair(1, new Pair(2, NIL));
 * (ring.cdr as Pair).cdr = ring;
 * // walking ring's cdrs: the second one leads back to the start
 * const check = new CycleCheck(ring);
 * check.fresh(ring.cdr); // true
 * check.fresh(ring); // false
 */
export class CycleCheck {
  private saved: Datum;
  private power = 2;
  private steps = 0;

  constructor(start: Datum) {
    this.saved = start;
  }

  /** False when `next` (the cdr just reached) closes a cycle. */
  fresh(next: Datum): boolean {
    if (next === this.saved) return false;
    if (++this.steps === this.power) {
      this.saved = next;
      this.power *= 2;
      this.steps = 0;
    }
    return true;
  }
}

/**
 * The elements of a proper list, or `undefined` if it is not one (improper, or circular).
 *
 * @example
 * listToArray(list(1, 2)); // [1, 2]
 * listToArray(new Pair(1, 2)); // undefined
 */
export function listToArray(value: Datum): Datum[] | undefined {
  const items: Datum[] = [];
  const check = new CycleCheck(value);
  let cursor = value;
  while (cursor instanceof Pair) {
    items.push(cursor.car);
    cursor = cursor.cdr;
    if (!check.fresh(cursor)) return undefined;
  }
  return cursor === NIL ? items : undefined;
}

/**
 * True for `()` and for pair chains ending in `()`.
 *
 * @example
 * isProperList(list(1)); // true
 * isProperList(new Pair(1, 2)); // false
 */
export function isProperList(value: Datum): boolean {
  let slow = value;
  let fast = value;
  for (;;) {
    if (fast === NIL) return true;
    if (!(fast instanceof Pair)) return false;
    fast = fast.cdr;
    if (fast === NIL) return true;
    if (!(fast instanceof Pair)) return false;
    fast = fast.cdr;
    slow = (slow as Pair).cdr;
    if (fast === slow) return false;
  }
}
