/**
 * Chevrotain token types for Guile's reader syntax, and the lexer built from them.
 *
 * Positions are tracked as offsets only (`onlyOffset`): lines and columns are
 * computed on demand by {@link SourceText}, which keeps the lexer fast.
 *
 * @example
 * const { tokens } = schemeLexer.tokenize("(list 1 \"a\")");
 * tokens.map((t) => t.image); // ["(", "list", "1", "\"a\"", ")"]
 */
import { createToken, Lexer, type CustomPatternMatcherReturn, type TokenType } from "chevrotain";

/** A custom matcher, written as Chevrotain expects: a RegExpExecArray-like result or null. */
function matchResult(text: string, start: number, end: number): CustomPatternMatcherReturn {
  const result = [text.slice(start, end)] as unknown as CustomPatternMatcherReturn;
  return result;
}

/** `#| ... |#`, nested; the unterminated form is its own token so the reader can say so. */
function matchBlockComment(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 35 || text.charCodeAt(offset + 1) !== 124) return null;
  let depth = 1;
  let i = offset + 2;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 124 && text.charCodeAt(i + 1) === 35) {
      depth--;
      i += 2;
      if (depth === 0) return matchResult(text, offset, i);
    } else if (c === 35 && text.charCodeAt(i + 1) === 124) {
      depth++;
      i += 2;
    } else i++;
  }
  return null;
}

function matchUnterminatedBlockComment(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 35 || text.charCodeAt(offset + 1) !== 124) return null;
  return matchResult(text, offset, text.length);
}

const READER_DIRECTIVES = ["fold-case", "no-fold-case", "curly-infix", "curly-infix-and-bracket-lists", "r6rs", "eof"];

/** `#!fold-case` and friends: reader directives Guile accepts and we ignore. */
function matchDirective(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 35 || text.charCodeAt(offset + 1) !== 33) return null;
  for (const name of READER_DIRECTIVES) {
    if (text.startsWith(name, offset + 2)) {
      const after = text.charAt(offset + 2 + name.length);
      if (after === "" || /[\s()[\]";]/.test(after)) return matchResult(text, offset, offset + 2 + name.length);
    }
  }
  return null;
}

/** `#! ... !#`: the script header, a block comment in Guile. */
function matchScriptHeader(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 35 || text.charCodeAt(offset + 1) !== 33) return null;
  const end = text.indexOf("!#", offset + 2);
  return matchResult(text, offset, end === -1 ? text.length : end + 2);
}

const Whitespace = createToken({
  name: "Whitespace",
  pattern: /[ \t\r\n\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
const LineComment = createToken({ name: "LineComment", pattern: /;[^\n]*/, group: Lexer.SKIPPED });
const BlockComment = createToken({
  name: "BlockComment",
  pattern: { exec: matchBlockComment },
  start_chars_hint: ["#"],
  line_breaks: true,
  group: Lexer.SKIPPED,
});
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment",
  pattern: { exec: matchUnterminatedBlockComment },
  start_chars_hint: ["#"],
  line_breaks: true,
});
const Directive = createToken({
  name: "Directive",
  pattern: { exec: matchDirective },
  start_chars_hint: ["#"],
  group: Lexer.SKIPPED,
});
const ScriptHeader = createToken({
  name: "ScriptHeader",
  pattern: { exec: matchScriptHeader },
  start_chars_hint: ["#"],
  line_breaks: true,
  group: Lexer.SKIPPED,
});
export const DatumComment = createToken({ name: "DatumComment", pattern: /#;/ });
export const BytevectorOpen = createToken({ name: "BytevectorOpen", pattern: /#vu8\(/ });
export const VectorOpen = createToken({ name: "VectorOpen", pattern: /#\(/ });
export const LParen = createToken({ name: "LParen", pattern: /[([]/ });
export const RParen = createToken({ name: "RParen", pattern: /[)\]]/ });

/** Prefix tokens and the symbol each one abbreviates: `'x` is `(quote x)`. */
export const Prefix = createToken({ name: "Prefix", pattern: Lexer.NA });
const prefixSpecs: Array<[string, RegExp, string]> = [
  ["UnquoteSplicing", /,@/, "unquote-splicing"],
  ["Unquote", /,/, "unquote"],
  ["Quote", /'/, "quote"],
  ["Quasiquote", /`/, "quasiquote"],
  ["UnsyntaxSplicing", /#,@/, "unsyntax-splicing"],
  ["Unsyntax", /#,/, "unsyntax"],
  ["SyntaxQuote", /#'/, "syntax"],
  ["Quasisyntax", /#`/, "quasisyntax"],
  ["Gexp", /#~/, "gexp"],
  ["UngexpSplicing", /#\$@/, "ungexp-splicing"],
  ["Ungexp", /#\$/, "ungexp"],
  ["UngexpNativeSplicing", /#\+@/, "ungexp-native-splicing"],
  ["UngexpNative", /#\+/, "ungexp-native"],
];
/** Maps each prefix token type's name to the symbol it abbreviates. */
export const prefixSymbols = new Map<string, string>();
const prefixTokens: TokenType[] = prefixSpecs.map(([name, pattern, symbolName]) => {
  prefixSymbols.set(name, symbolName);
  return createToken({ name, pattern, categories: [Prefix] });
});

/**
 * Index just past the closing quote of the string starting at `offset`, or
 * -1 when it is not closed. A loop rather than a regular expression: a
 * backtracking regex needs stack in proportion to the string, and a
 * multi-megabyte literal would exhaust it.
 */
function stringEnd(text: string, offset: number): number {
  for (let i = offset + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i + 1;
  }
  return -1;
}

function matchString(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 34) return null;
  const end = stringEnd(text, offset);
  return end === -1 ? null : matchResult(text, offset, end);
}

function matchUnterminatedString(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 34) return null;
  return stringEnd(text, offset) === -1 ? matchResult(text, offset, text.length) : null;
}

export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: { exec: matchString },
  start_chars_hint: ['"'],
  line_breaks: true,
});
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: { exec: matchUnterminatedString },
  start_chars_hint: ['"'],
  line_breaks: true,
});
export const CharLiteral = createToken({
  name: "CharLiteral",
  pattern: /#\\(?:[!#-'*-:<-Z\\^-z{-~\u0080-\uffff]{2,}|[\ud800-\udbff][\udc00-\udfff]|[\s\S])/,
  line_breaks: true,
});

const atomChar = "!#-'*-:<-Z\\\\^-z{-~\\u0080-\\uffff";
/** `#t`, `#:key`, `#x1F`, `#e1.5`, and any other `#` word, classified by the parser. */
export const HashAtom = createToken({ name: "HashAtom", pattern: new RegExp(`#[${atomChar}]*`) });
/** A lone `.` between datums: the dotted-pair marker. */
export const Dot = createToken({
  name: "Dot",
  pattern: {
    exec: (text: string, offset: number) =>
      text.charCodeAt(offset) === 46 && /^(?:[\s()[\]";]|$)/.test(text.slice(offset + 1, offset + 2)) ? matchResult(text, offset, offset + 1) : null,
  },
  start_chars_hint: ["."],
});
/** Numbers and symbols, classified by the parser. `'` and `|` are constituents in Guile. */
export const Atom = createToken({ name: "Atom", pattern: new RegExp(`[${atomChar}]+`) });

/** Every token type, in the order the lexer tries them. */
export const allTokens: TokenType[] = [
  Whitespace,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  Directive,
  ScriptHeader,
  DatumComment,
  BytevectorOpen,
  VectorOpen,
  LParen,
  RParen,
  Prefix,
  ...prefixTokens,
  StringLiteral,
  UnterminatedString,
  CharLiteral,
  HashAtom,
  Dot,
  Atom,
];

/** The lexer for Guile's read syntax. */
export const schemeLexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: true,
  recoveryEnabled: true,
  skipValidations: true,
});
