/**
 * S-expressions as libgcrypt reads and prints them (Guix keeps keys, ACLs and
 * signatures in this form, through guile-gcrypt): lists of lists and byte
 * strings. Reading accepts libgcrypt's "advanced" syntax (tokens, quoted
 * strings, `#hex#`, `|base64|`, `N:verbatim`); printing reproduces
 * `gcry_sexp_sprint` in advanced mode byte for byte, including its odd
 * indentation, because a signature's text travels inside export streams and
 * Guix compares ACL entries structurally.
 *
 * @example
 * import { parseSexp, printSexp } from "./sexp.ts";
 * const key = parseSexp("(public-key (ecc (curve Ed25519) (q #AB12#)))");
 * printSexp(key); // "(public-key \n (ecc \n  (curve Ed25519)\n  (q #AB12#)\n  )\n )\n"
 */
import { StoreError } from "./errors.ts";

/** An atom (bytes) or a list. */
export type Sexp = Buffer | readonly Sexp[];

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0c, 0x0b]);
const TOKEN_SPECIALS = "-./_:*+=";

function isAlpha(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

function isTokenByte(byte: number): boolean {
  return isAlpha(byte) || isDigit(byte) || TOKEN_SPECIALS.includes(String.fromCharCode(byte));
}

function syntax(message: string, offset: number): StoreError {
  return new StoreError("sexp-syntax", `invalid S-expression: ${message} at offset ${offset}`);
}

/**
 * Reads one S-expression (a list) from text or bytes; only whitespace may follow.
 *
 * @example
 * // one atom written four ways: quoted, base64, hex, verbatim with its length
 * (parseSexp('(data "abc" |YWJj| #616263# 3:abc)') as Buffer[]).map((atom) => atom.toString()); // ["data", "abc", "abc", "abc", "abc"]
 */
export function parseSexp(input: string | Buffer): Sexp {
  const bytes = typeof input === "string" ? Buffer.from(input, "latin1") : input;
  let pos = 0;
  const skipSpace = (): void => {
    while (pos < bytes.length && WHITESPACE.has(bytes[pos]!)) pos++;
  };
  const stack: Sexp[][] = [];
  let result: Sexp | undefined;
  skipSpace();
  if (bytes[pos] !== 0x28) throw syntax("expected `('", pos);
  // Bounded by the input: every iteration consumes at least one byte.
  while (pos < bytes.length) {
    const byte = bytes[pos]!;
    if (WHITESPACE.has(byte)) {
      pos++;
      continue;
    }
    if (byte === 0x28) {
      if (stack.length >= 64) throw syntax("nesting too deep", pos);
      stack.push([]);
      pos++;
      continue;
    }
    if (byte === 0x29) {
      const done = stack.pop();
      if (done === undefined) throw syntax("unbalanced `)'", pos);
      pos++;
      if (stack.length === 0) {
        result = done;
        break;
      }
      stack.at(-1)!.push(done);
      continue;
    }
    if (stack.length === 0) throw syntax("data outside a list", pos);
    const [atom, next] = readAtom(bytes, pos);
    stack.at(-1)!.push(atom);
    pos = next;
  }
  if (result === undefined) throw syntax("unexpected end of input", pos);
  skipSpace();
  if (pos !== bytes.length) throw syntax("data after the expression", pos);
  return result;
}

function readAtom(bytes: Buffer, start: number): [Buffer, number] {
  const byte = bytes[start]!;
  if (byte === 0x22) return readQuoted(bytes, start);
  if (byte === 0x23) return readDelimited(bytes, start, 0x23, "hex");
  if (byte === 0x7c) return readDelimited(bytes, start, 0x7c, "base64");
  if (byte === 0x5b) throw syntax("display hints are not supported", start);
  if (isDigit(byte)) {
    let pos = start;
    while (pos < bytes.length && isDigit(bytes[pos]!)) pos++;
    if (bytes[pos] !== 0x3a) throw syntax("expected `:' after a length", pos);
    const length = Number(bytes.subarray(start, pos).toString("latin1"));
    const from = pos + 1;
    if (from + length > bytes.length) throw syntax("verbatim string longer than the input", start);
    return [Buffer.from(bytes.subarray(from, from + length)), from + length];
  }
  if (isTokenByte(byte)) {
    let pos = start;
    while (pos < bytes.length && isTokenByte(bytes[pos]!)) pos++;
    return [Buffer.from(bytes.subarray(start, pos)), pos];
  }
  throw syntax(`unexpected character \`${String.fromCharCode(byte)}'`, start);
}

function readDelimited(bytes: Buffer, start: number, close: number, encoding: "hex" | "base64"): [Buffer, number] {
  const end = bytes.indexOf(close, start + 1);
  if (end < 0) throw syntax(`unterminated ${encoding} string`, start);
  const text = bytes
    .subarray(start + 1, end)
    .toString("latin1")
    .replace(/[ \t\n\r\f\v]/g, "");
  const valid = encoding === "hex" ? /^(?:[0-9A-Fa-f]{2})*$/ : /^[A-Za-z0-9+/]*={0,2}$/;
  if (!valid.test(text)) throw syntax(`invalid ${encoding} string`, start);
  return [Buffer.from(text, encoding), end + 1];
}

const ESCAPES: Record<string, number> = { b: 0x08, t: 0x09, v: 0x0b, n: 0x0a, f: 0x0c, r: 0x0d, '"': 0x22, "'": 0x27, "\\": 0x5c };

function readQuoted(bytes: Buffer, start: number): [Buffer, number] {
  const out: number[] = [];
  let pos = start + 1;
  while (pos < bytes.length) {
    const byte = bytes[pos]!;
    if (byte === 0x22) return [Buffer.from(out), pos + 1];
    if (byte !== 0x5c) {
      out.push(byte);
      pos++;
      continue;
    }
    const next = bytes[pos + 1];
    if (next === undefined) break;
    const simple = ESCAPES[String.fromCharCode(next)];
    if (simple !== undefined) {
      out.push(simple);
      pos += 2;
    } else if (next === 0x78) {
      const hex = bytes.subarray(pos + 2, pos + 4).toString("latin1");
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw syntax("invalid \\x escape", pos);
      out.push(parseInt(hex, 16));
      pos += 4;
    } else if (next >= 0x30 && next <= 0x37) {
      const octal = bytes.subarray(pos + 1, pos + 4).toString("latin1");
      if (!/^[0-7]{3}$/.test(octal)) throw syntax("invalid octal escape", pos);
      out.push(parseInt(octal, 8) & 0xff);
      pos += 4;
    } else if (next === 0x0a || next === 0x0d) {
      // A backslash before a line break continues the string on the next line.
      pos += 2;
      if ((bytes[pos] === 0x0a || bytes[pos] === 0x0d) && bytes[pos] !== next) pos++;
    } else {
      throw syntax(`invalid escape \\${String.fromCharCode(next)}`, pos);
    }
  }
  throw syntax("unterminated quoted string", start);
}

/** libgcrypt's choice of notation for an atom: 1 quoted string, 2 token, 0 hex. */
function suitableEncoding(atom: Buffer): 0 | 1 | 2 {
  if (atom.length === 0) return 1;
  const first = atom[0]!;
  if (first & 0x80 || first === 0) return 0;
  let maybeToken = true;
  for (const byte of atom) {
    if ((byte < 0x20 || (byte >= 0x7f && byte <= 0xa0)) && !"\b\t\v\n\f\r\"'\\".includes(String.fromCharCode(byte))) return 0;
    if (maybeToken && !isTokenByte(byte)) maybeToken = false;
  }
  return maybeToken && !isDigit(first) ? 2 : 1;
}

const PRINT_ESCAPES: Record<number, string> = {
  0x08: "\\b",
  0x09: "\\t",
  0x0b: "\\v",
  0x0a: "\\n",
  0x0c: "\\f",
  0x0d: "\\r",
  0x22: '\\"',
  0x27: "\\'",
  0x5c: "\\\\",
};

function printAtom(atom: Buffer): string {
  switch (suitableEncoding(atom)) {
    case 2:
      return atom.toString("latin1");
    case 1: {
      let out = '"';
      for (const byte of atom) out += PRINT_ESCAPES[byte] ?? String.fromCharCode(byte);
      return `${out}"`;
    }
    default:
      return `#${atom.toString("hex").toUpperCase()}#`;
  }
}

/**
 * Prints like `gcry_sexp_sprint(…, GCRYSEXP_FMT_ADVANCED)` (what Guix's
 * `canonical-sexp->string` returns): each nested list on a new line indented
 * by its depth, a space after an atom unless a `)` follows, a line break and
 * indentation after a `)` followed by an atom, and a final newline. The
 * result is Latin-1 text (one character per byte).
 *
 * @example
 * printSexp(parseSexp("(a (b c))")); // "(a \n (b c)\n )\n"
 */
export function printSexp(sexp: Sexp): string {
  // libgcrypt walks a flat token stream; flatten the tree the same way.
  type Item = { kind: "open" } | { kind: "close" } | { kind: "atom"; atom: Buffer };
  const items: Item[] = [];
  const flatten = (node: Sexp): void => {
    if (Buffer.isBuffer(node)) {
      items.push({ kind: "atom", atom: node });
      return;
    }
    items.push({ kind: "open" });
    for (const child of node as readonly Sexp[]) flatten(child);
    items.push({ kind: "close" });
  };
  flatten(sexp);
  let out = "";
  let indent = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const next = items[i + 1];
    if (item.kind === "open") {
      if (indent > 0) out += `\n${" ".repeat(indent)}`;
      out += "(";
      indent++;
    } else if (item.kind === "close") {
      out += ")";
      indent--;
      if (next !== undefined && next.kind !== "open") out += `\n${" ".repeat(indent)}`;
    } else {
      out += printAtom(item.atom);
      if (next !== undefined && next.kind !== "close") out += " ";
    }
  }
  return `${out}\n`;
}

/**
 * Structural equality (what Guix's `equal?` on `canonical-sexp->sexp` forms gives).
 *
 * @example
 * sexpEqual(parseSexp("(q #41#)"), parseSexp("(q A)")); // true
 */
export function sexpEqual(a: Sexp, b: Sexp): boolean {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  const left = a as readonly Sexp[];
  const right = b as readonly Sexp[];
  return left.length === right.length && left.every((child, i) => sexpEqual(child, right[i]!));
}

/**
 * The first list, depth first, whose head is the atom `name` (libgcrypt's
 * `gcry_sexp_find_token`, which Guix's `find-sexp-token` wraps).
 *
 * @example
 * // depth first: the q inside (b …) comes before the later one
 * findToken(parseSexp("(a (b (q x)) (q y))"), "q")?.map((atom) => atom.toString()); // ["q", "x"]
 * findToken(parseSexp("(a (b c))"), "q"); // null
 */
export function findToken(sexp: Sexp, name: string): readonly Sexp[] | null {
  if (Buffer.isBuffer(sexp)) return null;
  const list = sexp as readonly Sexp[];
  const head = list[0];
  if (head !== undefined && Buffer.isBuffer(head) && head.toString("latin1") === name) return list;
  for (const child of list) {
    const found = findToken(child, name);
    if (found !== null) return found;
  }
  return null;
}

/**
 * The atom in `(name VALUE)` found anywhere in `sexp`, or null.
 *
 * @example
 * atomOf(parseSexp("(public-key (ecc (curve Ed25519) (q #C9A3#)))"), "q")?.toString("hex"); // "c9a3"
 */
export function atomOf(sexp: Sexp, name: string): Buffer | null {
  const list = findToken(sexp, name);
  const value = list?.[1];
  return value !== undefined && Buffer.isBuffer(value) ? value : null;
}

/** An atom from text (Latin-1, one byte per character). */
export function atom(text: string): Buffer {
  return Buffer.from(text, "latin1");
}
