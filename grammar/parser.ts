/**
 * The Chevrotain parser: tokens to datums, each with its source span.
 *
 * It expects the tokens of one top-level datum as the reader prepares them (brackets balanced,
 * datum comments removed), so the only errors left for it are misplaced dots
 * and prefixes with nothing to apply to.
 *
 * @example
 * const parser = new DatumParser();
 * parser.input = tokens; parser.source = new SourceText("f.scm", text);
 * const forms = parser.program(); // [{ datum, span }, ...]
 */
import { EmbeddedActionsParser, type IToken, type IOrAlt } from "chevrotain";
import { Bytevector, Char, Keyword, NIL, Pair, sym, type Datum } from "./datum.ts";
import { decodeCharacter, decodeString, LiteralError } from "./literals.ts";
import { parseNumber } from "./numbers.ts";
import { Span, type SourceText } from "./source.ts";
import {
  allTokens,
  Atom,
  BytevectorOpen,
  CharLiteral,
  Dot,
  HashAtom,
  LParen,
  Prefix,
  prefixSymbols,
  RParen,
  StringLiteral,
  VectorOpen,
} from "./tokens.ts";

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
  private datumAlts: IOrAlt<ReadDatum>[] | undefined;
  private topAlts: IOrAlt<ReadDatum>[] | undefined;

  constructor() {
    // The grammar is fixed and covered by tests; validating it on every start costs ~15 ms.
    super(allTokens, { recoveryEnabled: false, maxLookahead: 1, skipValidations: true });
    this.performSelfAnalysis();
  }

  /** Every top-level datum. */
  program = this.RULE("program", (): ReadDatum[] => {
    const forms: ReadDatum[] = [];
    this.MANY(() => {
      const form = this.OR(
        (this.topAlts ??= [
          { ALT: () => this.SUBRULE(this.datum) },
          {
            ALT: () => {
              const dot = this.CONSUME(Dot);
              return this.ACTION(() => ({ datum: DOT, span: this.span(dot, dot) }));
            },
          },
        ]),
      );
      this.ACTION(() => forms.push(form));
    });
    return forms;
  });

  datum = this.RULE("datum", (): ReadDatum => {
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

  list = this.RULE("list", (): ReadDatum => {
    const open = this.CONSUME(LParen);
    const items: ReadDatum[] = [];
    let tail: ReadDatum | undefined;
    this.MANY(() => {
      const item = this.SUBRULE(this.datum);
      this.ACTION(() => items.push(item));
    });
    this.OPTION(() => {
      this.CONSUME(Dot);
      tail = this.SUBRULE2(this.datum);
    });
    const close = this.CONSUME(RParen);
    return this.ACTION(() => this.buildList(items, tail, this.span(open, close)));
  });

  vector = this.RULE("vector", (): ReadDatum => {
    const open = this.CONSUME(VectorOpen);
    const items: Datum[] = [];
    this.MANY(() => {
      const item = this.SUBRULE(this.datum);
      this.ACTION(() => items.push(item.datum));
    });
    const close = this.CONSUME(RParen);
    return this.ACTION(() => ({ datum: items, span: this.span(open, close) }));
  });

  bytevector = this.RULE("bytevector", (): ReadDatum => {
    const open = this.CONSUME(BytevectorOpen);
    const bytes: number[] = [];
    this.MANY(() => {
      const item = this.SUBRULE(this.datum);
      this.ACTION(() => {
        if (typeof item.datum !== "number" || item.datum < 0 || item.datum > 255 || !Number.isInteger(item.datum)) {
          throw new LiteralSyntaxError("a bytevector element must be an integer from 0 to 255", item.span.start);
        }
        bytes.push(item.datum);
      });
    });
    const close = this.CONSUME(RParen);
    return this.ACTION(() => ({ datum: new Bytevector(Uint8Array.from(bytes)), span: this.span(open, close) }));
  });

  prefixed = this.RULE("prefixed", (): ReadDatum => {
    const prefix = this.CONSUME(Prefix);
    const inner = this.SUBRULE(this.datum);
    return this.ACTION(() => {
      const head = sym(prefixSymbols.get(prefix.tokenType.name)!);
      const span = new Span(this.source, prefix.startOffset, inner.span.end);
      const innerPair = new Pair(inner.datum, NIL);
      innerPair.carSpan = inner.span;
      const pair = new Pair(head, innerPair);
      pair.span = span;
      pair.carSpan = this.span(prefix, prefix);
      return { datum: pair, span };
    });
  });

  private span(first: IToken, last: IToken): Span {
    return new Span(this.source, first.startOffset, tokenEnd(last));
  }

  private buildList(items: ReadDatum[], tail: ReadDatum | undefined, span: Span): ReadDatum {
    // Guile reads `( . x)` as plain x.
    if (items.length === 0 && tail) return tail;
    let result: Datum = tail ? tail.datum : NIL;
    for (let i = items.length - 1; i >= 0; i--) {
      const pair = new Pair(items[i]!.datum, result);
      pair.carSpan = items[i]!.span;
      result = pair;
    }
    if (result instanceof Pair) result.span = span;
    return { datum: result, span };
  }

  private atom(token: IToken): ReadDatum {
    return this.ACTION(() => {
      const image = token.image;
      const number = parseNumber(image);
      return { datum: number === undefined ? sym(image) : number, span: this.span(token, token) };
    });
  }

  private string(token: IToken): ReadDatum {
    return this.ACTION(() => ({ datum: this.decode(token, decodeString), span: this.span(token, token) }));
  }

  private character(token: IToken): ReadDatum {
    return this.ACTION(() => ({ datum: new Char(this.decode(token, decodeCharacter)), span: this.span(token, token) }));
  }

  private hashAtom(token: IToken): ReadDatum {
    return this.ACTION(() => ({ datum: classifyHashAtom(token), span: this.span(token, token) }));
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

/** Offset just past a token (the lexer tracks start offsets only, for speed). */
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
  const number = parseNumber(image);
  if (number !== undefined) return number;
  throw new LiteralSyntaxError(`unknown # syntax: ${image}`, token.startOffset);
}
