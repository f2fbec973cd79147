/**
 * Test support for the unit tests of src/scheme: read one form, and run a program in
 * a fresh interpreter, printing its value as `write` does.
 *
 * @example
 * run("(let ((x 1)) x)"); // "1"
 * form("(if x 1)").car;   // the symbol if
 */
import { readSource } from "../../grammar/reader.ts";
import { SourceText } from "../../grammar/source.ts";
import { SchemeError } from "../../src/scheme/errors.ts";
import { createInterpreter, type InterpreterOptions } from "../../src/scheme/interpreter.ts";
import { writeString } from "../../src/scheme/printer.ts";
import { Pair } from "../../src/scheme/values.ts";

/** The one form of `text`, which must be a list. */
export function form(text: string): Pair {
  const [read] = readSource(new SourceText("t.scm", text));
  if (!(read?.datum instanceof Pair)) throw new Error(`${text} is not a list`);
  return read.datum;
}

/** The value of `text`'s last form, written. */
export function run(text: string, options: InterpreterOptions = {}): string {
  return writeString(createInterpreter(options).evalString(text, "t.scm"));
}

/** The error `text` raises. */
export function failure(text: string, options: InterpreterOptions = {}): SchemeError {
  try {
    createInterpreter(options).evalString(text, "t.scm");
  } catch (error) {
    if (error instanceof SchemeError) return error;
    throw error;
  }
  throw new Error(`${text} did not fail`);
}
