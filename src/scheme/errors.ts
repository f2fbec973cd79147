/**
 * Errors raised while reading or evaluating, each with a stable code, a
 * message and the span of the form that failed.
 *
 * @example
 * throw new SchemeError("wrong-type-arg", "car: expected a pair, got 5", span);
 */
import type { Location, Span } from "../../grammar/source.ts";
import { formatLocation, locationOf } from "../../grammar/source.ts";

/** The stable error codes. Record codes come from the record layer. */
export type SchemeErrorCode =
  | "read-error"
  | "unbound-variable"
  | "wrong-type-arg"
  | "wrong-number-of-args"
  | "syntax-error"
  | "file-error"
  | "limit-exceeded"
  | "misc-error"
  | "numerical-overflow"
  | "out-of-range"
  | "invalid-field-specifier"
  | "duplicate-field-initializer"
  | "extraneous-field-initializers"
  | "missing-field-initializers";

/** An error in a Scheme program: what went wrong and where. */
export class SchemeError extends Error {
  span: Span | undefined;

  constructor(
    readonly code: SchemeErrorCode,
    message: string,
    span?: Span,
  ) {
    super(message);
    this.name = "SchemeError";
    this.span = span;
  }

  /** Where the error happened, if known. */
  get location(): Location | null {
    return this.span ? locationOf(this.span) : null;
  }

  /** `FILE:LINE:COLUMN: error: MESSAGE`, the one format every command prints. */
  format(): string {
    const where = this.location;
    const prefix = where ? `${formatLocation(where)}: ` : "";
    return `${prefix}error: ${this.message}`;
  }
}

/** Raises a wrong-type-arg error for procedure `who`. */
export function wrongType(who: string, expected: string, got: string, position?: number): never {
  const which = position === undefined ? "" : ` (argument ${position})`;
  throw new SchemeError("wrong-type-arg", `${who}: expected ${expected}${which}, got ${got}`);
}
