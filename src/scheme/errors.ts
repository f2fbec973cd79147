/**
 * Errors raised while reading or evaluating, each with a stable code, a
 * message and the span of the form that failed. An error is also what a
 * program's `catch` and `with-exception-handler` see: Guile's throw key and
 * arguments ({@link SchemeError.key}, {@link SchemeError.args}).
 *
 * @example
 * import { createInterpreter } from "./interpreter.ts";
 * let error: SchemeError | undefined;
 * try {
 *   createInterpreter().evalString("(define x 5)\n  (car x)", "m.scm");
 * } catch (caught) {
 *   error = caught as SchemeError;
 * }
 * error?.code; // "wrong-type-arg"
 * error?.format(); // "m.scm:2:3: error: car: wrong type argument in position 1 (expecting pair): 5"
 * error?.key.name; // "wrong-type-arg"
 */
import type { Location, Span } from "../../grammar/source.ts";
import { formatLocation, locationOf } from "../../grammar/source.ts";
import { abbreviate } from "./abbreviate.ts";
import { NIL, Sym, list, schemeString, type Datum } from "./values.ts";

/** The stable error codes. */
export type SchemeErrorCode =
  | "read-error"
  | "unbound-variable"
  | "wrong-type-arg"
  | "wrong-number-of-args"
  | "syntax-error"
  /** A file the program reads does not exist (Guile: `system-error` with ENOENT). */
  | "file-not-found"
  /** Any other failure to read a file (Guile: `system-error`). */
  | "file-error"
  | "limit-exceeded"
  | "misc-error"
  | "numerical-overflow"
  | "out-of-range"
  | "match-error"
  | "invalid-field-specifier"
  | "duplicate-field-initializer"
  | "extraneous-field-initializers"
  | "missing-field-initializers"
  /** Something Guile would do that this evaluator will not: run programs, write files, ... */
  | "refused"
  /** A Guile feature (procedure, macro kind) this evaluator does not implement. */
  | "unsupported"
  /** A module Guile (or Guix) has that this evaluator does not provide. */
  | "unsupported-module"
  /** `(throw KEY ...)` with a key of the program's own, not caught. */
  | "uncaught-throw"
  /** `(raise-exception OBJ)` (or srfi-34's `raise`) not caught. */
  | "uncaught-exception";

/** Codes no Scheme handler can catch: a limit or a refusal must stop the load, whatever the program says. */
const UNCATCHABLE: ReadonlySet<SchemeErrorCode> = new Set(["limit-exceeded", "refused", "unsupported", "unsupported-module"]);

/** Guile's throw key for each code whose key differs from the code itself. */
const KEYS: Partial<Record<SchemeErrorCode, string>> = {
  "file-not-found": "system-error",
  "file-error": "system-error",
  "invalid-field-specifier": "syntax-error",
  "duplicate-field-initializer": "syntax-error",
  "extraneous-field-initializers": "syntax-error",
  "missing-field-initializers": "syntax-error",
  "uncaught-exception": "%exception",
};

/** What a Guile throw carries: its key and its arguments (a list). */
export interface ThrowPayload {
  key: Sym;
  args: Datum;
  /** For `(raise-exception OBJ)` of anything but an exception object: OBJ, what handlers receive. */
  raised?: Datum;
}

/** The longest error message; longer ones (a program's own megabyte message, say) are cut. */
const MAX_MESSAGE_LENGTH = 1024;

/** An error in a Scheme program: what went wrong and where. */
export class SchemeError extends Error {
  span: Span | undefined;
  /** What Guile's `catch` would receive; derived from the code and message unless given. */
  private payload: ThrowPayload | undefined;

  constructor(
    readonly code: SchemeErrorCode,
    message: string,
    span?: Span,
    payload?: ThrowPayload,
  ) {
    // One line, whatever a program names or raises: every quoted value is abbreviated, and this catches what is not.
    super(abbreviate(message, MAX_MESSAGE_LENGTH));
    this.name = "SchemeError";
    this.span = span;
    this.payload = payload;
  }

  /** Where the error happened, if known. */
  get location(): Location | null {
    return this.span ? locationOf(this.span) : null;
  }

  /** Whether a program's `catch`, `guard` or `false-if-exception` may handle it. */
  get catchable(): boolean {
    return !UNCATCHABLE.has(this.code);
  }

  /** What `(raise-exception OBJ)` raised, when it is not an exception object. */
  get raised(): Datum | undefined {
    return this.payload?.raised;
  }

  /** True once the handlers of `with-exception-handler` have seen it where it was raised. */
  handled = false;

  /** The procedure that raised it (Guile's SUBR), set by the evaluator for builtins. */
  origin: string | undefined;

  /** Guile's throw key for this error. */
  get key(): Sym {
    return this.payload?.key ?? Sym.intern(KEYS[this.code] ?? this.code);
  }

  /**
   * Guile's throw arguments: `(SUBR FORMAT FORMAT-ARGS DATA)` for built-in
   * errors, so handlers that format the message (`(apply format #f fmt args)`) work.
   */
  get args(): Datum {
    if (this.payload) return this.payload.args;
    return list(this.origin === undefined ? false : schemeString(this.origin), schemeString(this.message.replace(/~/g, "~~")), NIL, false);
  }

  /** `FILE:LINE:COLUMN: error: MESSAGE`, the one format every command prints. */
  format(): string {
    const where = this.location;
    const prefix = where ? `${formatLocation(where)}: ` : "";
    return `${prefix}error: ${this.message}`;
  }
}

/**
 * Something the program asked for that Guile would do but this evaluator
 * refuses: running programs, writing files, changing the environment or
 * the working directory, sockets, exiting. The message says what is
 * refused and while reading what; the layer that knows what the file is
 * (machines/load.ts) names it with {@link RefusedError.about}.
 *
 * @example
 * const error = new RefusedError("system", "run programs");
 * error.message; // "offload does not run programs while reading a configuration: `system` is refused"
 * error.about("/etc/guix/machines.scm");
 * error.message; // "offload does not run programs while reading /etc/guix/machines.scm: `system` is refused"
 */
export class RefusedError extends SchemeError {
  constructor(
    readonly operation: string,
    readonly action: string,
    span?: Span,
  ) {
    super("refused", refusalMessage(operation, action, "a configuration"), span);
  }

  /** Names what was being read in the message. */
  about(subject: string): void {
    this.message = refusalMessage(this.operation, this.action, subject);
  }
}

function refusalMessage(operation: string, action: string, subject: string): string {
  return `offload does not ${action} while reading ${subject}: \`${operation}\` is refused`;
}
