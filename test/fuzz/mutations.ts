/**
 * Mutations of a machines file's bytes, each one kind of damage a real file
 * (or an attacker) can do: flipped bytes, a truncated file, a paren deleted
 * or repeated, NUL bytes, invalid UTF-8, huge numbers and strings, deep
 * nesting, a piece of another file spliced in, one name swapped for another.
 *
 * @example
 * const random = new SeededRandom(1);
 * const damaged = MUTATIONS.truncate(random, Buffer.from("(list (build-machine))"), []);
 * damaged.length < 22; // true
 */
import type { SeededRandom } from "../helpers/seeded-random.ts";

/** A mutation: new bytes from old ones (`others`: the rest of the corpus, for splicing). */
export type Mutation = (random: SeededRandom, bytes: Uint8Array, others: readonly Uint8Array[]) => Uint8Array;

const OPEN = 0x28;
const CLOSE = 0x29;

/** The positions of `byte` in `bytes`. */
function positionsOf(bytes: Uint8Array, wanted: (byte: number) => boolean): number[] {
  const found: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (wanted(bytes[i]!)) found.push(i);
  return found;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array | string): Uint8Array {
  const inserted = typeof insert === "string" ? Buffer.from(insert, "utf8") : insert;
  return Buffer.concat([bytes.subarray(0, at), inserted, bytes.subarray(Math.min(bytes.length, at + remove))]);
}

/** A size: mostly small, sometimes large, now and then several megabytes. */
function size(random: SeededRandom, small: number, large: number, huge: number): number {
  const roll = random.next();
  return roll < 0.7 ? random.int(1, small) : roll < 0.95 ? random.int(small, large) : random.int(large, huge);
}

/** Names that change what a program does when swapped in (loads, cycles, allocation, refusals). */
const NAMES = [
  "load",
  "include",
  "primitive-load",
  "call-with-input-file",
  "open-input-file",
  "read",
  "read-line",
  "set-cdr!",
  "set-car!",
  "append",
  "string-append",
  "make-string",
  "make-vector",
  "make-list",
  "iota",
  "expt",
  "apply",
  "map",
  "length",
  "list",
  "vector",
  "define",
  "lambda",
  "let",
  "let*",
  "letrec",
  "begin",
  "quote",
  "quasiquote",
  "unquote",
  "if",
  "cond",
  "case",
  "build-machine",
  "inherit",
  "system",
  "getenv",
  "current-filename",
  "string->symbol",
  "symbol-append",
  "list-copy",
  "reverse",
  "equal?",
  "display",
  "write",
  "format",
  "exit",
  "delete-file",
  "catch",
  "throw",
  "error",
  "dynamic-wind",
  "call/cc",
  "values",
  "call-with-values",
  "define-syntax",
  "syntax-rules",
  "match",
  "hash-set!",
  "vector-set!",
];

/** The mutations by name; the name is the case's kind. */
export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  "byte-flip": (random, bytes) => {
    const out = Buffer.from(bytes);
    if (out.length === 0) return Buffer.from([random.int(0, 255)]);
    for (let n = random.int(1, 8); n > 0; n--) {
      const at = random.int(0, out.length - 1);
      out[at] = random.chance(0.5) ? out[at]! ^ (1 << random.int(0, 7)) : random.int(0, 255);
    }
    return out;
  },
  truncate: (random, bytes) => bytes.subarray(0, random.int(0, Math.max(0, bytes.length - 1))),
  "paren-delete": (random, bytes) => {
    let out = bytes;
    for (let n = random.int(1, 3); n > 0; n--) {
      const parens = positionsOf(out, (b) => b === OPEN || b === CLOSE);
      if (parens.length === 0) break;
      out = splice(out, random.pick(parens), 1, "");
    }
    return out;
  },
  "paren-duplicate": (random, bytes) => {
    const parens = positionsOf(bytes, (b) => b === OPEN || b === CLOSE);
    if (parens.length === 0) return splice(bytes, 0, 0, "(");
    const at = random.pick(parens);
    return splice(bytes, at, 0, String.fromCharCode(bytes[at]!).repeat(size(random, 3, 300, 100_000)));
  },
  nul: (random, bytes) => {
    let out = bytes;
    for (let n = random.int(1, 4); n > 0; n--) out = splice(out, random.int(0, out.length), 0, Buffer.alloc(random.int(1, 3)));
    return out;
  },
  "invalid-utf8": (random, bytes) => {
    const sequences = [[0xff], [0xfe], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80]];
    return splice(bytes, random.int(0, bytes.length), 0, Buffer.from(random.pick(sequences)));
  },
  "huge-number": (random, bytes) => {
    const digits = positionsOf(bytes, (b) => b >= 0x30 && b <= 0x39);
    const huge = random.pick([
      () => "9".repeat(size(random, 30, 5000, 2_000_000)),
      () => `1e${random.int(300, 400_000)}`,
      () => `#e1e${random.int(1000, 10_000_000)}`,
      () => `#x${"f".repeat(size(random, 20, 5000, 1_000_000))}`,
      () => `${"1".repeat(size(random, 20, 5000, 500_000))}/${"3".repeat(size(random, 20, 5000, 500_000))}`,
      () => `(expt ${random.int(2, 99)} ${random.pick([100, 100_000, 10_000_000, 1_000_000_000])})`,
      () => `-0.${"0".repeat(size(random, 20, 400, 100_000))}1`,
    ])();
    return splice(bytes, digits.length > 0 ? random.pick(digits) : random.int(0, bytes.length), 1, huge);
  },
  "huge-string": (random, bytes) => {
    const quotes = positionsOf(bytes, (b) => b === 0x22);
    const length = 1000 + size(random, 10_000, 200_000, 4_000_000);
    const unit = random.pick(["a", "-", "%", "…", ".", "x", '\\"', "\\n", "λ", " ", "...", "$(", "<", "\\x41;"]);
    const content = unit.repeat(Math.max(1, Math.floor(length / unit.length)));
    if (quotes.length > 0 && random.chance(0.8)) return splice(bytes, random.pick(quotes) + 1, 0, content);
    // a huge symbol instead: a name nobody defined, or a field name
    return splice(bytes, random.int(0, bytes.length), 0, ` ${unit.replace(/[^a-z-]/g, "") || "s"}${"s".repeat(length)} `);
  },
  "deep-nesting": (random, bytes) => {
    // Sometimes deep but within the reader's limit (256), mostly past it.
    const depth = random.chance(0.3) ? random.int(50, 256) : 256 + size(random, 300, 20_000, 200_000);
    const [open, close] = random.pick([
      ["(", ")"],
      ["#(", ")"],
      ["'(", ")"],
      ["`(", ")"],
      ["[", "]"],
      ["'", ""],
      ["`,", ""],
    ]);
    const at = random.int(0, bytes.length);
    const closed = random.chance(0.7);
    return splice(bytes, at, 0, `${open!.repeat(depth)}1${closed ? close!.repeat(depth) : ""}`);
  },
  splice: (random, bytes, others) => {
    if (others.length === 0) return bytes;
    const other = random.pick(others);
    const from = random.int(0, Math.max(0, other.length - 1));
    const piece = other.subarray(from, from + random.int(1, 400));
    return splice(bytes, random.int(0, bytes.length), random.chance(0.5) ? random.int(0, 40) : 0, piece);
  },
  "name-swap": (random, bytes) => {
    const text = Buffer.from(bytes).toString("latin1");
    const names = [...text.matchAll(/[a-z][a-z0-9!?*<>=/+-]*/g)];
    if (names.length === 0) return splice(bytes, 0, 0, `(${random.pick(NAMES)})`);
    const target = random.pick(names);
    return splice(bytes, target.index, target[0].length, random.pick(NAMES));
  },
};

/** The mutation names, in a fixed order. */
export const MUTATION_KINDS: readonly string[] = Object.keys(MUTATIONS);
