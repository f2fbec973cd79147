/**
 * `syntax-rules` transformers (R7RS 4.3.2, as Guile implements them):
 * literals, `_`, nested ellipses with tail patterns, dotted and vector
 * patterns, a custom ellipsis, and `(... ...)` in templates. Names the
 * template introduces are renamed (see identifiers.ts), so a macro's own
 * bindings never capture the user's names and its free names mean what they
 * meant where it was defined.
 *
 * @example
 * import { readSource } from "../../../grammar/reader.ts";
 * import { SourceText } from "../../../grammar/source.ts";
 * import { Environment } from "../environment.ts";
 * import { Renamed } from "../identifiers.ts";
 * import { writeString } from "../printer.ts";
 * import type { Pair } from "../values.ts";
 * const read = (text: string) => readSource(new SourceText("t.scm", text))[0]!.datum as Pair;
 * const rules = parseSyntaxRules(read("(syntax-rules () ((_ a b) (let ((tmp a)) (set! a b) (set! b tmp))))"), new Environment());
 * const expansion = transform(rules, read("(swap! x y)")) as Pair;
 * writeString(expansion); // "(let ((tmp x)) (set! x y) (set! y tmp))"
 * // `let`, `tmp` and `set!` are the macro's renamed identifiers, not the user's symbols
 * expansion.car instanceof Renamed; // true
 */
import type { Span } from "../../../grammar/source.ts";
import type { Environment } from "../environment.ts";
import { isEqual } from "../equality.ts";
import { SchemeError } from "../errors.ts";
import { Renamed, baseSymbol, isIdentifier, type Identifier } from "../identifiers.ts";
import { writeAbbreviated } from "../printer.ts";
import { CycleCheck, LocatedPair, NIL, Pair, listToArray, sym, type Datum, type SchemeObject } from "../values.ts";
import { badSyntax } from "./shape.ts";

const ELLIPSIS = sym("...");
const UNDERSCORE = sym("_");

/** A parsed `syntax-rules` form, closed over the environment it was written in. */
export class SyntaxRules implements SchemeObject {
  readonly schemeType = "syntax-transformer";
  constructor(
    readonly ellipsis: Identifier,
    readonly literals: readonly Identifier[],
    readonly rules: ReadonlyArray<{ pattern: Datum; template: Datum }>,
    /** Where the macro was defined: its template's free names mean what they mean there. */
    readonly env: Environment,
  ) {}
}

/** What a pattern variable matched: one datum, or (under an ellipsis) a sequence of matches. */
class Sequence {
  constructor(readonly items: Binding[]) {}
}
type Binding = Datum | Sequence;
type Bindings = Map<Identifier, Binding>;

/**
 * Parses `(syntax-rules [ELLIPSIS] (LITERAL ...) (PATTERN TEMPLATE) ...)`.
 *
 * @example
 * import { readSource } from "../../../grammar/reader.ts";
 * import { SourceText } from "../../../grammar/source.ts";
 * import { Environment } from "../environment.ts";
 * import type { Pair } from "../values.ts";
 * const read = (text: string) => readSource(new SourceText("t.scm", text))[0]!.datum as Pair;
 * const rules = parseSyntaxRules(read("(syntax-rules (=>) ((_ a => b) (list b a)) ((_ a) a))"), new Environment());
 * rules.rules.length; // 2
 * let message = "";
 * try {
 *   parseSyntaxRules(read("(syntax-rules () (_ a))"), new Environment());
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "syntax-rules: bad syntax in form (syntax-rules () (_ a)): each rule must be (PATTERN TEMPLATE)"
 */
export function parseSyntaxRules(x: Pair, env: Environment): SyntaxRules {
  let operands = listToArray(x.cdr);
  if (!operands || operands.length === 0) throw badSyntax(x);
  let ellipsis: Identifier = ELLIPSIS;
  if (isIdentifier(operands[0]!)) {
    ellipsis = operands[0];
    operands = operands.slice(1);
  }
  const [literalList, ...ruleForms] = operands;
  const literals = listToArray(literalList ?? NIL);
  if (!literals || !literals.every(isIdentifier)) throw badSyntax(x, "the literals must be a list of names");
  const rules = ruleForms.map((rule) => {
    const parts = listToArray(rule);
    if (!parts || parts.length !== 2 || !(parts[0] instanceof Pair)) throw badSyntax(x, "each rule must be (PATTERN TEMPLATE)");
    return { pattern: parts[0], template: parts[1]! };
  });
  return new SyntaxRules(ellipsis, literals as Identifier[], rules, env);
}

/**
 * The expansion of `form` by the first rule whose pattern matches it; a
 * `syntax-error` when none does.
 *
 * @example
 * import { readSource } from "../../../grammar/reader.ts";
 * import { SourceText } from "../../../grammar/source.ts";
 * import { Environment } from "../environment.ts";
 * import { writeString } from "../printer.ts";
 * import type { Pair } from "../values.ts";
 * const read = (text: string) => readSource(new SourceText("t.scm", text))[0]!.datum as Pair;
 * const rules = parseSyntaxRules(read("(syntax-rules () ((_ a ... z) '(z a ...)))"), new Environment());
 * writeString(transform(rules, read("(last-first 1 2 3)"))); // "(quote (3 1 2))"
 * let message = "";
 * try {
 *   transform(rules, read("(last-first)"));
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "source expression failed to match any pattern in form (last-first)"
 */
export function transform(rules: SyntaxRules, form: Pair): Datum {
  const matcher = new Matcher(rules);
  for (const { pattern, template } of rules.rules) {
    const bindings: Bindings = new Map();
    // The keyword position of the pattern is ignored.
    if (matcher.match((pattern as Pair).cdr, form.cdr, bindings)) return new Expander(rules, bindings, form.span).expand(template);
  }
  throw new SchemeError("syntax-error", `source expression failed to match any pattern in form ${writeAbbreviated(form)}`, form.span);
}

class Matcher {
  constructor(private readonly rules: SyntaxRules) {}

  private isEllipsis(value: Datum): boolean {
    return isIdentifier(value) && sameName(value, this.rules.ellipsis);
  }

  private isLiteral(id: Identifier): boolean {
    return this.rules.literals.some((literal) => sameName(literal, id));
  }

  match(pattern: Datum, input: Datum, bindings: Bindings): boolean {
    if (isIdentifier(pattern)) {
      if (baseSymbol(pattern) === UNDERSCORE) return true;
      if (this.isLiteral(pattern)) return isIdentifier(input) && sameName(input, pattern);
      bindings.set(pattern, input);
      return true;
    }
    if (pattern instanceof Pair) return this.matchList(pattern, input, bindings);
    if (Array.isArray(pattern)) {
      if (!Array.isArray(input)) return false;
      const listPattern = toList(pattern);
      return listPattern instanceof Pair ? this.matchList(listPattern, toList(input), bindings) : input.length === 0;
    }
    return isEqual(pattern, input);
  }

  /** A list pattern, possibly with one ellipsis followed by tail patterns and a dotted tail. */
  private matchList(pattern: Pair, input: Datum, bindings: Bindings): boolean {
    const { before, repeated, after, tail } = this.splitPattern(pattern);
    let cursor = input;
    for (const p of before) {
      if (!(cursor instanceof Pair) || !this.match(p, cursor.car, bindings)) return false;
      cursor = cursor.cdr;
    }
    if (repeated === undefined) return this.match(tail, cursor, bindings);
    const available: Datum[] = [];
    let rest = cursor;
    const check = new CycleCheck(rest);
    for (; rest instanceof Pair; rest = rest.cdr) {
      available.push(rest.car);
      if (!check.fresh(rest.cdr)) return false;
    }
    const count = available.length - after.length;
    if (count < 0) return false;
    // A proper-list pattern needs a proper list; a dotted one takes the input's tail.
    if (tail === NIL && rest !== NIL) return false;
    const matches: Bindings[] = [];
    for (let i = 0; i < count; i++) {
      const one: Bindings = new Map();
      if (!this.match(repeated, available[i]!, one)) return false;
      matches.push(one);
    }
    for (const variable of patternVariables(repeated, this.rules)) {
      bindings.set(variable, new Sequence(matches.map((m) => m.get(variable)!)));
    }
    for (let i = 0; i < after.length; i++) if (!this.match(after[i]!, available[count + i]!, bindings)) return false;
    return this.match(tail, rest, bindings);
  }

  private splitPattern(pattern: Pair): { before: Datum[]; repeated: Datum | undefined; after: Datum[]; tail: Datum } {
    const before: Datum[] = [];
    const after: Datum[] = [];
    let repeated: Datum | undefined;
    let cursor: Datum = pattern;
    while (cursor instanceof Pair) {
      const element: Datum = cursor.car;
      const next: Datum = cursor.cdr;
      if (repeated === undefined && next instanceof Pair && this.isEllipsis(next.car)) {
        repeated = element;
        cursor = next.cdr;
      } else {
        (repeated === undefined ? before : after).push(element);
        cursor = next;
      }
    }
    return { before, repeated, after, tail: cursor };
  }
}

/** The pattern variables of `pattern` (not literals, `_` or the ellipsis). */
function patternVariables(pattern: Datum, rules: SyntaxRules, found: Identifier[] = []): Identifier[] {
  if (isIdentifier(pattern)) {
    const isSpecial = baseSymbol(pattern) === UNDERSCORE || sameName(pattern, rules.ellipsis) || rules.literals.some((l) => sameName(l, pattern));
    if (!isSpecial) found.push(pattern);
  } else if (pattern instanceof Pair) {
    let cursor: Datum = pattern;
    for (; cursor instanceof Pair; cursor = cursor.cdr) patternVariables(cursor.car, rules, found);
    patternVariables(cursor, rules, found);
  } else if (Array.isArray(pattern)) for (const item of pattern) patternVariables(item, rules, found);
  return found;
}

class Expander {
  private readonly renames = new Map<Identifier, Renamed>();

  constructor(
    private readonly rules: SyntaxRules,
    private readonly bindings: Bindings,
    private readonly useSpan: Span | undefined,
  ) {}

  expand(template: Datum, escaped = false): Datum {
    if (isIdentifier(template)) return this.identifier(template);
    if (template instanceof Pair) {
      // (... TEMPLATE): the ellipsis is an ordinary name inside.
      if (!escaped && this.isEllipsis(template.car) && template.cdr instanceof Pair) return this.expand(template.cdr.car, true);
      return this.list(template, escaped);
    }
    if (Array.isArray(template)) return template.length === 0 ? [] : (listToArray(this.list(toList(template) as Pair, escaped)) ?? []);
    return template;
  }

  private isEllipsis(value: Datum): boolean {
    return isIdentifier(value) && sameName(value, this.rules.ellipsis);
  }

  private identifier(id: Identifier): Datum {
    const bound = this.lookup(id);
    if (bound !== undefined) {
      if (bound instanceof Sequence) throw new SchemeError("syntax-error", `pattern variable ${baseSymbol(id).name} is used without an ellipsis`);
      return bound;
    }
    let renamed = this.renames.get(id);
    if (!renamed) {
      renamed = new Renamed(id, this.rules.env);
      this.renames.set(id, renamed);
    }
    return renamed;
  }

  private lookup(id: Identifier): Binding | undefined {
    return this.bindings.get(id);
  }

  private list(template: Pair, escaped: boolean): Datum {
    const items: Datum[] = [];
    let cursor: Datum = template;
    while (cursor instanceof Pair) {
      const element = cursor.car;
      cursor = cursor.cdr;
      let depth = 0;
      while (!escaped && cursor instanceof Pair && this.isEllipsis(cursor.car)) {
        depth++;
        cursor = cursor.cdr;
      }
      if (depth === 0) items.push(this.expand(element, escaped));
      else items.push(...this.repeat(element, depth));
    }
    const tail = cursor === NIL ? NIL : this.expand(cursor, escaped);
    let result = tail;
    for (let i = items.length - 1; i >= 0; i--) result = new LocatedPair(items[i]!, result, this.useSpan);
    return result;
  }

  /** `element` followed by `depth` ellipses: one expansion per match of its sequence variables. */
  private repeat(element: Datum, depth: number): Datum[] {
    const variables = templateVariables(element, this.bindings).filter((v) => this.bindings.get(v) instanceof Sequence);
    if (variables.length === 0) {
      throw new SchemeError("syntax-error", `no pattern variable with an ellipsis in template ${writeAbbreviated(element)}`);
    }
    const lengths = new Set(variables.map((v) => (this.bindings.get(v) as Sequence).items.length));
    if (lengths.size > 1) throw new SchemeError("syntax-error", `pattern variables of different lengths under one ellipsis in ${writeAbbreviated(element)}`);
    const [count] = lengths;
    const results: Datum[] = [];
    for (let i = 0; i < count!; i++) {
      const inner: Bindings = new Map(this.bindings);
      for (const v of variables) inner.set(v, (this.bindings.get(v) as Sequence).items[i]!);
      const expander = new Expander(this.rules, inner, this.useSpan);
      // Names introduced in one expansion stay the same name in every repetition.
      for (const [id, renamed] of this.renames) expander.renames.set(id, renamed);
      if (depth === 1) results.push(expander.expand(element));
      else results.push(...expander.repeat(element, depth - 1));
      for (const [id, renamed] of expander.renames) this.renames.set(id, renamed);
    }
    return results;
  }
}

/** The pattern variables (keys of `bindings`) a template uses. */
function templateVariables(template: Datum, bindings: Bindings, found: Identifier[] = []): Identifier[] {
  if (isIdentifier(template)) {
    if (bindings.has(template) && !found.includes(template)) found.push(template);
  } else if (template instanceof Pair) {
    let cursor: Datum = template;
    for (; cursor instanceof Pair; cursor = cursor.cdr) templateVariables(cursor.car, bindings, found);
    templateVariables(cursor, bindings, found);
  } else if (Array.isArray(template)) for (const item of template) templateVariables(item, bindings, found);
  return found;
}

/** Whether two identifiers were written as the same name (how literals and the ellipsis are recognised). */
function sameName(a: Identifier, b: Identifier): boolean {
  return a === b || baseSymbol(a) === baseSymbol(b);
}

function toList(items: readonly Datum[]): Datum {
  let result: Datum = NIL;
  for (let i = items.length - 1; i >= 0; i--) result = new Pair(items[i]!, result);
  return result;
}
