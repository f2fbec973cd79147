/**
 * Decoding of string and character literals with Guile 3.0's default read
 * options (`\xHH` takes exactly two hex digits; `\<newline>` drops the newline only).
 *
 * @example
 * decodeString('"\\x41B"'); // "AB"
 * decodeString('"a\\\n  b"'); // "a  b"
 * decodeCharacter("#\\space"); // 32
 */
import { abbreviate } from "./abbreviate.ts";

/** A literal that does not decode: `offset` is relative to the literal's first character. */
export class LiteralError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  '"': '"',
  "|": "|",
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "0": "\0",
};

const HEX_WIDTH: Record<string, number> = { x: 2, u: 4, U: 6 };

/**
 * The string a `"..."` token denotes (the token includes both quotes).
 *
 * @example
 * decodeString('"a\\tb"'); // "a\tb"
 */
export function decodeString(image: string): string {
  if (image.indexOf("\\") === -1) return image.slice(1, -1);
  let out = "";
  const end = image.length - 1;
  for (let i = 1; i < end; i++) {
    const c = image[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = image[i + 1]!;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (e === "\n") {
      i++;
    } else if (e === "\r" && image[i + 2] === "\n") {
      i += 2;
    } else if (HEX_WIDTH[e] !== undefined) {
      const width = HEX_WIDTH[e]!;
      const digits = image.slice(i + 2, i + 2 + width);
      if (digits.length !== width || !/^[0-9a-fA-F]+$/.test(digits)) {
        throw new LiteralError(`invalid \\${e} escape: expected ${width} hex digits`, i);
      }
      const code = parseInt(digits, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        throw new LiteralError(`\\${e}${digits} is not a Unicode scalar value`, i);
      }
      out += String.fromCodePoint(code);
      i += 1 + width;
    } else {
      throw new LiteralError(`invalid character in escape sequence: \\${e}`, i);
    }
  }
  return out;
}

/** Guile's character names, both directions. The first name for a code is the one `write` uses. */
export const CHARACTER_NAMES: ReadonlyArray<[string, number]> = [
  ["nul", 0],
  ["soh", 1],
  ["stx", 2],
  ["etx", 3],
  ["eot", 4],
  ["enq", 5],
  ["ack", 6],
  ["alarm", 7],
  ["backspace", 8],
  ["tab", 9],
  ["newline", 10],
  ["vtab", 11],
  ["page", 12],
  ["return", 13],
  ["so", 14],
  ["si", 15],
  ["dle", 16],
  ["dc1", 17],
  ["dc2", 18],
  ["dc3", 19],
  ["dc4", 20],
  ["nak", 21],
  ["syn", 22],
  ["etb", 23],
  ["can", 24],
  ["em", 25],
  ["sub", 26],
  ["esc", 27],
  ["fs", 28],
  ["gs", 29],
  ["rs", 30],
  ["us", 31],
  ["space", 32],
  ["delete", 127],
  ["null", 0],
  ["bel", 7],
  ["bs", 8],
  ["ht", 9],
  ["linefeed", 10],
  ["nl", 10],
  ["lf", 10],
  ["vt", 11],
  ["ff", 12],
  ["np", 12],
  ["cr", 13],
  ["escape", 27],
  ["sp", 32],
  ["del", 127],
];

const codeByName = new Map(CHARACTER_NAMES.map(([name, code]) => [name, code]));

/**
 * The code point a `#\...` token denotes.
 *
 * @example
 * decodeCharacter("#\\x41"); // 65
 */
export function decodeCharacter(image: string): number {
  const body = image.slice(2);
  const first = body.codePointAt(0)!;
  if (body.length === 1 || (first > 0xffff && body.length === 2)) return first;
  const named = codeByName.get(body) ?? codeByName.get(body.toLowerCase());
  if (named !== undefined) return named;
  if (/^x[0-9a-fA-F]+$/.test(body)) return checkScalar(parseInt(body.slice(1), 16), body);
  if (/^[0-7]+$/.test(body)) return checkScalar(parseInt(body, 8), body);
  throw new LiteralError(`unknown character name ${abbreviate(body)}`, 2);
}

function checkScalar(code: number, body: string): number {
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    throw new LiteralError(`#\\${abbreviate(body)} is not a Unicode scalar value`, 2);
  }
  return code;
}
