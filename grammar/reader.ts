/**
 * The reader: text (or bytes) to top-level datums with positions, with one
 * clear error for anything Guile's reader would reject.
 *
 * @example
 * import { SourceText } from "./source.ts";
 * const forms = readSource(new SourceText("machines.scm", "(list 1 2)\n  'x"));
 * forms.map((form) => form.span.toString()); // ["machines.scm:1:1", "machines.scm:2:3"]
 */
import type { IToken } from "chevrotain";
import { DatumParser, LiteralSyntaxError, tokenEnd, type ReadDatum } from "./parser.ts";
import { abbreviate } from "./abbreviate.ts";
import { Span, SourceText } from "./source.ts";
import { BytevectorOpen, DatumComment, LParen, Prefix, RParen, schemeLexer, UnterminatedBlockComment, UnterminatedString, VectorOpen } from "./tokens.ts";

export type { ReadDatum } from "./parser.ts";

import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, type ReadLimits } from "./read-limits.ts";

export { DEFAULT_MAX_BYTES, type ReadLimits };

/** A read error: what is wrong and where. `code` is `read-error` or `limit-exceeded`. */
export class ReadError extends Error {
  constructor(
    readonly code: "read-error" | "limit-exceeded",
    message: string,
    readonly span: Span,
  ) {
    super(message);
  }
}

/**
 * Decodes file bytes as UTF-8, rejecting invalid sequences and oversized files.
 *
 * @example
 * decodeSource("m.scm", new TextEncoder().encode("(list)")).text; // "(list)"
 * // a leading byte-order mark is dropped, as Guile drops it
 * decodeSource("m.scm", new Uint8Array([0xef, 0xbb, 0xbf, 0x28, 0x29])).text; // "()"
 */
export function decodeSource(file: string, bytes: Uint8Array, limits: ReadLimits = {}): SourceText {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > maxBytes) {
    throw new ReadError(
      "limit-exceeded",
      `file is ${bytes.length} bytes, more than the limit of ${maxBytes} (raise it with --max-file-size)`,
      new Span(new SourceText(file, ""), 0, 0),
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const valid = new TextDecoder("utf-8").decode(bytes.subarray(0, offset));
    const source = new SourceText(file, valid);
    throw new ReadError(
      "read-error",
      `invalid UTF-8 at byte ${offset}: this is not a text file (machines files are UTF-8 Scheme)`,
      new Span(source, valid.length, valid.length),
    );
  }
  // A leading byte-order mark is already gone: TextDecoder drops it, as Guile's reader skips it
  // (columns on line 1 count from after it in both).
  return new SourceText(file, text);
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid + 1));
      lo = mid + 1;
    } catch {
      // A cut in the middle of a valid sequence also fails; look a few bytes further.
      let ok = false;
      for (let extra = 1; extra <= 3 && mid + 1 + extra <= bytes.length; extra++) {
        try {
          decoder.decode(bytes.subarray(0, mid + 1 + extra));
          ok = true;
          break;
        } catch {
          /* keep looking */
        }
      }
      if (ok) lo = mid + 1;
      else hi = mid;
    }
  }
  return lo;
}

let sharedParser: DatumParser | undefined;

/**
 * Every top-level datum of `source`, in order. Throws {@link ReadError}.
 *
 * @example
 * import { SourceText } from "./source.ts";
 * readSource(new SourceText("m.scm", "(a) b")).length; // 2
 */
export function readSource(source: SourceText, limits: ReadLimits = {}): ReadDatum[] {
  return Array.from(readDatums(source, limits));
}

/**
 * The top-level datums of `source`, one at a time. Like Guile's `primitive-load`,
 * a caller that evaluates each datum before asking for the next one sees an
 * evaluation error in an early form before a read error in a later one.
 */
export function* readDatums(source: SourceText, limits: ReadLimits = {}): Generator<ReadDatum> {
  const lexed = schemeLexer.tokenize(source.text);
  const lexErrorOffsets = lexed.errors.map((e) => e.offset).sort((a, b) => a - b);
  const tokens = lexed.tokens;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const parser = (sharedParser ??= new DatumParser());
  // Only the first character the lexer could not read matters: reading stops there.
  const firstLexError = lexErrorOffsets[0];
  let i = 0;
  while (i < tokens.length) {
    const end = datumExtent(source, tokens, i, maxDepth);
    const lastOffset = tokenEnd(tokens[end - 1]!);
    if (firstLexError !== undefined && firstLexError < lastOffset) throw lexError(source, firstLexError);
    const slice = removeDatumComments(source, tokens.slice(i, end), maxDepth);
    i = end;
    if (slice.length === 0) continue;
    parser.source = source;
    parser.input = slice;
    let forms: ReadDatum[];
    try {
      forms = parser.program();
    } catch (error) {
      if (error instanceof LiteralSyntaxError) {
        throw new ReadError("read-error", error.message, new Span(source, error.offset, error.offset + 1));
      }
      if (error instanceof RangeError) {
        throw new ReadError("limit-exceeded", "lists nested too deep for the parser's stack (lower --max-depth)", spanOf(source, slice[0]!));
      }
      throw error;
    }
    const parseError = parser.errors[0];
    if (parseError) {
      const previous = (parseError as typeof parseError & { previousToken?: IToken }).previousToken;
      throw parseErrorToReadError(source, parseError.token, previous, parseError.name);
    }
    yield* forms;
  }
  if (firstLexError !== undefined) throw lexError(source, firstLexError);
}

function lexError(source: SourceText, offset: number): ReadError {
  const code = source.text.codePointAt(offset) ?? 0;
  return new ReadError("read-error", `unexpected character ${describeCharacter(code)}`, new Span(source, offset, offset + 1));
}

/** Index just past the top-level datum (with any datum comments and prefixes) starting at `start`. */
function datumExtent(source: SourceText, tokens: IToken[], start: number, maxDepth: number): number {
  let i = start;
  let pendingDatums = 1;
  while (pendingDatums > 0) {
    const token = tokens[i];
    if (!token) {
      const owner = tokens[i - 1]!;
      throw new ReadError(
        "read-error",
        `unexpected end of input: ${abbreviate(owner.image)} at ${where(source, owner)} needs a datum after it`,
        spanOf(source, owner),
      );
    }
    const type = token.tokenType;
    if (type === DatumComment) {
      pendingDatums++;
      i++;
    } else if (type === Prefix || type.CATEGORIES?.includes(Prefix)) {
      i++;
    } else if (isOpen(token)) {
      i = closeOf(source, tokens, i, maxDepth) + 1;
      pendingDatums--;
    } else {
      checkSingleToken(source, token);
      i++;
      pendingDatums--;
    }
  }
  return i;
}

function checkSingleToken(source: SourceText, token: IToken): void {
  const type = token.tokenType;
  if (type === RParen) {
    throw new ReadError("read-error", `unexpected ${abbreviate(token.image)} at ${where(source, token)}: nothing to close`, spanOf(source, token));
  }
  if (type === UnterminatedString) {
    throw new ReadError("read-error", `unterminated string starting at ${where(source, token)}`, spanOf(source, token));
  }
  if (type === UnterminatedBlockComment) {
    throw new ReadError(
      "read-error",
      `unterminated #| comment starting at ${where(source, token)}: add |# to close it`,
      new Span(source, token.startOffset, token.startOffset + 2),
    );
  }
}

/** Index of the token closing the list opened at `open`. */
function closeOf(source: SourceText, tokens: IToken[], open: number, maxDepth: number): number {
  const stack: number[] = [];
  for (let i = open; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (isOpen(token)) {
      if (stack.length >= maxDepth) {
        throw new ReadError(
          "limit-exceeded",
          `lists nested more than ${maxDepth} deep (raise the limit with --max-depth)`,
          new Span(source, token.startOffset, token.startOffset + 1),
        );
      }
      stack.push(i);
    } else if (token.tokenType === RParen) {
      const openToken = tokens[stack.pop()!]!;
      const expected = CLOSER[openToken.image]!;
      if (token.image !== expected) {
        throw new ReadError(
          "read-error",
          `mismatched close paren ${abbreviate(token.image)} at ${where(source, token)}: ${abbreviate(openToken.image)} at ${where(source, openToken)} expects ${expected}`,
          spanOf(source, token),
        );
      }
      if (stack.length === 0) return i;
    } else checkSingleToken(source, token);
  }
  const unclosed = tokens[stack[stack.length - 1]!]!;
  throw new ReadError("read-error", `unterminated list starting at ${where(source, unclosed)}: missing ${CLOSER[unclosed.image]}`, spanOf(source, unclosed));
}

function describeCharacter(code: number): string {
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  return code >= 0x20 && code !== 0x7f ? `'${String.fromCodePoint(code)}' (U+${hex})` : `U+${hex} (binary data?)`;
}

function parseErrorToReadError(source: SourceText, token: IToken, previous: IToken | undefined, kind: string): ReadError {
  if (token.tokenType.name === "EOF" || Number.isNaN(token.startOffset)) {
    if (!previous) return new ReadError("read-error", "unexpected end of input", new Span(source, source.text.length, source.text.length));
    return new ReadError(
      "read-error",
      `unexpected end of input: ${abbreviate(previous.image)} at ${where(source, previous)} needs a datum after it`,
      spanOf(source, previous),
    );
  }
  const span = new Span(source, token.startOffset, tokenEnd(token));
  if (token.tokenType === RParen && previous?.image === ".") {
    return new ReadError("read-error", `unexpected ${abbreviate(token.image)}: a datum must follow the dot of a dotted pair`, span);
  }
  if (previous && previous.tokenType.name === "Dot") {
    return new ReadError("read-error", `unexpected ${abbreviate(token.image)}: a dot must be followed by exactly one datum`, span);
  }
  if (token.tokenType.name === "Dot") {
    return new ReadError("read-error", "unexpected . (a dot can only separate the last element of a list)", span);
  }
  if (kind === "MismatchedTokenException") {
    return new ReadError("read-error", `unexpected ${abbreviate(token.image)}: expected ) to end the dotted list`, span);
  }
  return new ReadError("read-error", `unexpected ${abbreviate(token.image)}`, span);
}

const CLOSER: Record<string, string> = { "(": ")", "[": "]", "#(": ")", "#vu8(": ")" };

/**
 * Removes datum comments (`#;` and the datum after it) from the tokens of one
 * top-level datum, already checked by {@link datumExtent}, so the parser sees clean input.
 */
function removeDatumComments(source: SourceText, tokens: IToken[], maxDepth: number): IToken[] {
  if (!tokens.some((t) => t.tokenType === DatumComment)) return tokens;
  const kept: IToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.tokenType !== DatumComment) {
      kept.push(token);
      continue;
    }
    const next = tokens[i + 1];
    if (!next || next.tokenType === RParen || next.tokenType.name === "Dot") {
      throw new ReadError("read-error", `#; at ${where(source, token)} has no datum after it`, spanOf(source, token));
    }
    i = datumExtent(source, tokens, i + 1, maxDepth) - 1;
  }
  return kept;
}

function isOpen(token: IToken): boolean {
  return token.tokenType === LParen || token.tokenType === VectorOpen || token.tokenType === BytevectorOpen;
}

function spanOf(source: SourceText, token: IToken): Span {
  return new Span(source, token.startOffset, tokenEnd(token));
}

function where(source: SourceText, token: IToken): string {
  const p = source.position(token.startOffset);
  return `${p.line}:${p.column}`;
}
