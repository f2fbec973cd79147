/**
 * The Chevrotain parser: tokens to datums, each with its source span.
 *
 * It expects the tokens of one top-level datum as the reader prepares them (brackets balanced,
 * datum comments removed), so the only errors left for it are misplaced dots
 * and prefixes with nothing to apply to.
 *
 * @example
 * import { SourceText } from "./source.ts";
 * import { schemeLexer } from "./tokens.ts";
 * const text = "(a . b) 'c";
 * const parser = new DatumParser();
 * parser.input = schemeLexer.tokenize(text).tokens;
 * parser.source = new SourceText("f.scm", text);
 * const forms = parser.program();
 * forms.map((form) => form.span.toString()); // ["f.scm:1:1", "f.scm:1:9"]
 * forms[0]!.datum; // { car: { name: "a" }, cdr: { name: "b" } }
 * forms[1]!.datum; // { car: { name: "quote" }, cdr: { car: { name: "c" } } }
 */
import { EmbeddedActionsParser, type IToken, type IOrAlt } from "chevrotain";
import { abbreviate } from "./abbreviate.ts";
import { Bytevector, Char, Keyword, NIL, SourcePair, schemeString, sym, type Datum } from "./datum.ts";
import { decodeCharacter, decodeString, LiteralError } from "./literals.ts";
import { ExactNumberTooLarge, parseNumber } from "./numbers.ts";
import { Span, type SourceText } from "./source.ts";
import { allTokens, Atom, BytevectorOpen, CharLiteral, Dot, HashAtom, LParen, Prefix, prefixSymbols, RParen, StringLiteral, VectorOpen } from "./tokens.ts";

/** A datum read from a file, with where it was read. */
export interface ReadDatum {
  datum: Datum;
  span: Span;
}

/** A literal that is lexically fine but does not denote a value (`#\foo`, `"\q"`). */
export class LiteralSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const DOT = sym(".");

/** Guile's parser for one file's tokens. Reuse one instance: construction costs ~20 ms. */
export class DatumParser extends EmbeddedActionsParser {
  source!: SourceText;
  private datumAlts: IOrAlt<Datum>[] | undefined;
  private topAlts: IOrAlt<ReadDatum>[] | undefined;

  constructor() {
    // The grammar is fixed and covered by tests; validating it on every start costs ~15 ms.
    super(allTokens, { recoveryEnabled: false, maxLookahead: 1, skipValidations: true });
    this.performSelfAnalysis();
  }

  /** Where the datum the last `datum` rule returned starts and ends (offsets). */
  private lastStart = 0;
  private lastEnd = 0;

  /** Every top-level datum. */
  program = this.RULE("program", (): ReadDatum[] => {
    const forms: ReadDatum[] = [];
    this.MANY(() => {
      const form = this.OR(
        (this.topAlts ??= [
          {
            ALT: () => {
              const datum = this.SUBRULE(this.datum);
              return this.ACTION(() => ({ datum, span: new Span(this.source, this.lastStart, this.lastEnd) }));
            },
          },
          {
            ALT: () => {
              const dot = this.CONSUME(Dot);
              return this.ACTION(() => ({ datum: DOT, span: new Span(this.source, dot.startOffset, tokenEnd(dot)) }));
            },
          },
        ]),
      );
      this.ACTION(() => forms.push(form));
    });
    return forms;
  });

  datum = this.RULE("datum", (): Datum => {
    return this.OR(
      (this.datumAlts ??= [
        { ALT: () => this.SUBRULE(this.list) },
        { ALT: () => this.SUBRULE(this.vector) },
        { ALT: () => this.SUBRULE(this.bytevector) },
        { ALT: () => this.SUBRULE(this.prefixed) },
        { ALT: () => this.atom(this.CONSUME(Atom)) },
        { ALT: () => this.string(this.CONSUME(StringLiteral)) },
        { ALT: () => this.hashAtom(this.CONSUME(HashAtom)) },
        { ALT: () => this.character(this.CONSUME(CharLiteral)) },
      ]),
    );
  });

  list = this.RULE("list", (): Datum => {
    const open = this.CONSUME(LParen);
    const items: Datum[] = [];
    const offsets: number[] = [];
    let tail: Datum | undefined;
    let tailStart = 0;
    let tailEnd = 0;
    this.MANY(() => {
      const item = this.SUBRULE(this.datum);
      this.ACTION(() => {
        items.push(item);
        offsets.push(this.lastStart, this.lastEnd);
      });
    });
    this.OPTION(() => {
      this.CONSUME(Dot);
      tail = this.SUBRULE2(this.datum);
      this.ACTION(() => {
        tailStart = this.lastStart;
        tailEnd = this.lastEnd;
      });
    });
    const close = this.CONSUME(RParen);
    return this.ACTION(() => {
      // Guile reads `( . x)` as plain x.
      if (items.length === 0 && tail !== undefined) {
        this.lastStart = tailStart;
        this.lastEnd = tailEnd;
        return tail;
      }
      const start = open.startOffset;
      const end = tokenEnd(close);
      let result: Datum = tail ?? NIL;
      for (let i = items.length - 1; i >= 0; i--) {
        result = new SourcePair(items[i]!, result, this.source, i === 0 ? start : -1, end, offsets[2 * i]!, offsets[2 * i + 1]!);
      }
      this.lastStart = start;
      this.lastEnd = end;
      return result;
    });
  });

  vector = this.RULE("vector", (): Datum => {
    const open = this.CONSUME(VectorOpen);
    const items: Datum[] = [];
    this.MANY(() => {
      const item = this.SUBRULE(this.datum);
      this.ACTION(() => items.push(item));
    });
    const close = this.CONSUME(RParen);
    return this.ACTION(() => this.located(items, open, close));
  });

  bytevector = this.RULE("bytevector", (): Datum => {
    const open = this.CONSUME(BytevectorOpen);
    const bytes: number[] = [];
    this.MANY(() => {
      const item = this.SUBRULE(this.datum);
      this.ACTION(() => {
        if (typeof item !== "number" || item < 0 || item > 255 || !Number.isInteger(item)) {
          throw new LiteralSyntaxError("a bytevector element must be an integer from 0 to 255", this.lastStart);
        }
        bytes.push(item);
      });
    });
    const close = this.CONSUME(RParen);
    return this.ACTION(() => this.located(new Bytevector(Uint8Array.from(bytes)), open, close));
  });

  prefixed = this.RULE("prefixed", (): Datum => {
    const prefix = this.CONSUME(Prefix);
    const inner = this.SUBRULE(this.datum);
    return this.ACTION(() => {
      const head = sym(prefixSymbols.get(prefix.tokenType.name)!);
      const start = prefix.startOffset;
      const end = this.lastEnd;
      const innerPair = new SourcePair(inner, NIL, this.source, -1, end, this.lastStart, end);
      this.lastStart = start;
      return new SourcePair(head, innerPair, this.source, start, end, start, tokenEnd(prefix));
    });
  });

  /** Records `first`..`last` as the position of `datum` and returns it. */
  private located(datum: Datum, first: IToken, last: IToken): Datum {
    this.lastStart = first.startOffset;
    this.lastEnd = tokenEnd(last);
    return datum;
  }

  private atom(token: IToken): Datum {
    return this.ACTION(() => {
      const image = token.image;
      const number = numberOf(image, token);
      return this.located(number === undefined ? sym(image) : number, token, token);
    });
  }

  private string(token: IToken): Datum {
    // One object per literal in the source, as Guile's reader makes: `(eq? "a" "a")` is #f.
    return this.ACTION(() => this.located(schemeString(this.decode(token, decodeString)), token, token));
  }

  private character(token: IToken): Datum {
    return this.ACTION(() => this.located(new Char(this.decode(token, decodeCharacter)), token, token));
  }

  private hashAtom(token: IToken): Datum {
    return this.ACTION(() => this.located(classifyHashAtom(token), token, token));
  }

  private decode<T>(token: IToken, decoder: (image: string) => T): T {
    try {
      return decoder(token.image);
    } catch (error) {
      if (error instanceof LiteralError) throw new LiteralSyntaxError(error.message, token.startOffset + error.offset);
      throw error;
    }
  }
}

/**
 * Offset just past a token (the lexer tracks start offsets only, for speed).
 *
 * @example
 * import { schemeLexer } from "./tokens.ts";
 * tokenEnd(schemeLexer.tokenize("(list").tokens[1]!); // 5
 */
export function tokenEnd(token: IToken): number {
  return token.startOffset + token.image.length;
}

function classifyHashAtom(token: IToken): Datum {
  const image = token.image;
  switch (image) {
    case "#t":
    case "#true":
      return true;
    case "#f":
    case "#false":
      return false;
  }
  if (image.startsWith("#:")) {
    if (image.length === 2) throw new LiteralSyntaxError("#: must be followed by a keyword name", token.startOffset);
    return Keyword.intern(image.slice(2));
  }
  const number = numberOf(image, token);
  if (number !== undefined) return number;
  throw new LiteralSyntaxError(`unknown # syntax: ${abbreviate(image)}`, token.startOffset);
}

/** The number `image` writes, if any; one too large to build is a syntax error at `token`. */
function numberOf(image: string, token: IToken): Datum | undefined {
  try {
    return parseNumber(image);
  } catch (error) {
    if (error instanceof ExactNumberTooLarge) throw new LiteralSyntaxError(error.message, token.startOffset);
    throw error;
  }
}
