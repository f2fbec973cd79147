/**
 * Ports for reading data and building strings: string ports, `read` (a datum
 * from a port), line and character input, `display`/`write`/`newline` to a
 * port or the current output, `with-output-to-string`,
 * `call-with-output-string`, `with-input-from-string`; and the textual-port
 * procedures of `(ice-9 textual-ports)`, `(ice-9 rdelim)` and
 * `(rnrs io ports)`. No port ever writes a file.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { writeString } from "../printer.ts";
 * const scheme = createInterpreter();
 * scheme.evalString('(call-with-output-string (lambda (p) (write "x" p)))'); // { text: '"x"' }
 * writeString(scheme.evalString('(with-input-from-string "(1 2) x" read)')); // "(1 2)"
 * scheme.evalString('(use-modules (ice-9 rdelim)) (read-line (open-input-string "one\ntwo"))'); // { text: "one" }
 */
import { readDatums, ReadError } from "../../../grammar/reader.ts";
import { SourceText } from "../../../grammar/source.ts";
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { displayString, writeString } from "../printer.ts";
import { Char, EOF, InputPort, OutputPort, Sym, UNSPECIFIED, schemeString, type Datum } from "../values.ts";
import { expectChar, expectProcedure, expectString, type BuiltinTable } from "./registry.ts";

const TEXTUAL_PORTS = "ice-9 textual-ports";
const RDELIM = "ice-9 rdelim";
const RNRS_PORTS = "rnrs io ports";

function expectInput(who: string, value: Datum | undefined, ev: Evaluator, position = 1): InputPort {
  if (value === undefined) return ev.currentInput;
  if (value instanceof InputPort) {
    if (value.closed) throw new SchemeError("wrong-type-arg", `${who}: the port is closed`);
    return value;
  }
  throw new SchemeError("wrong-type-arg", `${who}: wrong type argument in position ${position} (expecting open input port): ${writeString(value)}`);
}

function expectOutput(who: string, value: Datum | undefined, ev: Evaluator, position: number): OutputPort {
  if (value === undefined) return ev.currentOutput;
  if (value instanceof OutputPort) return value;
  throw new SchemeError("wrong-type-arg", `${who}: wrong type argument in position ${position} (expecting open output port): ${writeString(value)}`);
}

/**
 * The rest of a port's text, consumed ("" at the end, as Guile's get-string-all).
 *
 * @example
 * import { InputPort } from "../values.ts";
 * const port = new InputPort("rest", null);
 * readAll(port); // "rest"
 * readAll(port); // ""
 */
export function readAll(port: InputPort): string {
  const rest = port.text.slice(port.position);
  port.position = port.text.length;
  return rest;
}

/**
 * The next line without its newline, consumed with it; EOF at the end.
 *
 * @example
 * import { EOF, InputPort } from "../values.ts";
 * const port = new InputPort("one\ntwo", null);
 * readLine(port); // { text: "one" }
 * readLine(port); // { text: "two" }
 * readLine(port) === EOF; // true
 */
export function readLine(port: InputPort, keepDelimiter = false): Datum {
  if (port.position >= port.text.length) return EOF;
  const end = port.text.indexOf("\n", port.position);
  const stop = end === -1 ? port.text.length : end;
  const line = port.text.slice(port.position, keepDelimiter && end !== -1 ? end + 1 : stop);
  port.position = end === -1 ? port.text.length : end + 1;
  return schemeString(line);
}

function readChar(port: InputPort, consume: boolean): Datum {
  if (port.position >= port.text.length) return EOF;
  const code = port.text.codePointAt(port.position)!;
  if (consume) port.position += code > 0xffff ? 2 : 1;
  return new Char(code);
}

/** One datum from the port, as Guile's `read` does; EOF when only whitespace and comments are left. */
function readDatum(port: InputPort): Datum {
  const rest = port.text.slice(port.position);
  try {
    const next = readDatums(new SourceText(port.fileName ?? "<string>", rest)).next();
    if (next.done) {
      port.position = port.text.length;
      return EOF;
    }
    port.position += next.value.span.end;
    return next.value.datum;
  } catch (error) {
    if (error instanceof ReadError) throw new SchemeError("read-error", `read: ${error.message}`);
    throw error;
  }
}

/**
 * Runs `thunk` with the current output going to a fresh string port; returns what it printed.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * const scheme = createInterpreter();
 * withOutputToString(scheme.evaluator, () => scheme.evalString('(display "hi") (write "hi")')); // 'hi"hi"'
 */
export function withOutputToString(ev: Evaluator, thunk: () => void): string {
  const port = new OutputPort();
  const saved = ev.currentOutput;
  ev.currentOutput = port;
  try {
    thunk();
  } finally {
    ev.currentOutput = saved;
  }
  return port.text();
}

/**
 * Runs `thunk` reading from `port` as the current input.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { InputPort } from "../values.ts";
 * const scheme = createInterpreter();
 * const port = new InputPort("(a b) c", null);
 * withInputFrom(scheme.evaluator, port, () => scheme.evalString("(read)")); // { car: { name: "a" } }
 * withInputFrom(scheme.evaluator, port, () => scheme.evalString("(read)")); // { name: "c" }
 */
export function withInputFrom<T>(ev: Evaluator, port: InputPort, thunk: () => T): T {
  const saved = ev.currentInput;
  ev.currentInput = port;
  try {
    return thunk();
  } finally {
    ev.currentInput = saved;
  }
}

/**
 * Registers the procedures.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * definePortBuiltins(table);
 * table.modules.get("ice-9 rdelim")?.has("read-line"); // true
 */
export function definePortBuiltins(table: BuiltinTable): void {
  table.define("current-output-port", 0, 0, (_args, ev) => ev.currentOutput);
  table.define("current-error-port", 0, 0, (_args, ev) => ev.currentOutput);
  table.define("current-input-port", 0, 0, (_args, ev) => ev.currentInput);
  table.define("open-input-string", 1, 1, ([text]) => new InputPort(expectString("open-input-string", text!, 1), null));
  table.define("open-output-string", 0, 0, () => new OutputPort());
  table.define("get-output-string", 1, 1, ([port], ev) => schemeString(expectOutput("get-output-string", port!, ev, 1).text()));
  table.define("call-with-output-string", 1, 1, ([proc], ev) => {
    const port = new OutputPort();
    ev.apply(expectProcedure("call-with-output-string", proc!, 1), [port]);
    return schemeString(port.text());
  });
  table.define("with-output-to-string", 1, 1, ([thunk], ev) =>
    schemeString(withOutputToString(ev, () => ev.apply(expectProcedure("with-output-to-string", thunk!, 1), []))),
  );
  table.define("call-with-input-string", 2, 2, ([text, proc], ev) =>
    ev.apply(expectProcedure("call-with-input-string", proc!, 2), [new InputPort(expectString("call-with-input-string", text!, 1), null)]),
  );
  table.define("with-input-from-string", 2, 2, ([text, thunk], ev) =>
    withInputFrom(ev, new InputPort(expectString("with-input-from-string", text!, 1), null), () =>
      ev.apply(expectProcedure("with-input-from-string", thunk!, 2), []),
    ),
  );
  table.define("read", 0, 1, ([port], ev) => readDatum(expectInput("read", port, ev)));
  table.define("read-char", 0, 1, ([port], ev) => readChar(expectInput("read-char", port, ev), true));
  table.define("peek-char", 0, 1, ([port], ev) => readChar(expectInput("peek-char", port, ev), false));
  table.define("char-ready?", 0, 1, ([port], ev) => (expectInput("char-ready?", port, ev), true));
  for (const name of ["close-port", "close-input-port", "close-output-port"]) {
    table.define(name, 1, 1, ([port]) => {
      if (port instanceof InputPort || port instanceof OutputPort) port.closed = true;
      else throw new SchemeError("wrong-type-arg", `${name}: wrong type argument in position 1 (expecting port): ${writeString(port!)}`);
      return UNSPECIFIED;
    });
  }
  table.define("port?", 1, 1, ([x]) => x instanceof InputPort || x instanceof OutputPort);
  table.define("input-port?", 1, 1, ([x]) => x instanceof InputPort);
  table.define("output-port?", 1, 1, ([x]) => x instanceof OutputPort);
  table.define("force-output", 0, 1, () => UNSPECIFIED);
  table.define("eof-object", 0, 0, () => EOF);
  const printer = (name: string, render: (x: Datum) => string) =>
    table.define(name, 1, 2, ([x, port], ev) => {
      expectOutput(name, port, ev, 2).write(render(x!));
      return UNSPECIFIED;
    });
  printer("display", displayString);
  printer("write", writeString);
  table.define("newline", 0, 1, ([port], ev) => {
    expectOutput("newline", port, ev, 1).write("\n");
    return UNSPECIFIED;
  });
  table.define("write-char", 1, 2, ([c, port], ev) => {
    expectOutput("write-char", port, ev, 2).write(String.fromCodePoint(expectChar("write-char", c!, 1).code));
    return UNSPECIFIED;
  });
  defineTextualPorts(table);
}

function defineTextualPorts(table: BuiltinTable): void {
  for (const module of [TEXTUAL_PORTS, RNRS_PORTS]) {
    table.define("get-string-all", 1, 1, ([port], ev) => schemeString(readAll(expectInput("get-string-all", port!, ev))), module);
    table.define("get-line", 1, 1, ([port], ev) => readLine(expectInput("get-line", port!, ev)), module);
    table.define("get-char", 1, 1, ([port], ev) => readChar(expectInput("get-char", port!, ev), true), module);
    table.define("lookahead-char", 1, 1, ([port], ev) => readChar(expectInput("lookahead-char", port!, ev), false), module);
    table.define(
      "put-string",
      2,
      2,
      ([port, text], ev) => {
        expectOutput("put-string", port!, ev, 1).write(expectString("put-string", text!, 2));
        return UNSPECIFIED;
      },
      module,
    );
    table.define(
      "put-char",
      2,
      2,
      ([port, c], ev) => {
        expectOutput("put-char", port!, ev, 1).write(String.fromCodePoint(expectChar("put-char", c!, 2).code));
        return UNSPECIFIED;
      },
      module,
    );
  }
  table.reexport("eof-object", "guile", RNRS_PORTS);
  table.define(
    "read-line",
    0,
    2,
    ([port, delimiter], ev) => {
      return readLine(expectInput("read-line", port, ev), delimiter instanceof Sym && delimiter.name === "concat");
    },
    RDELIM,
  );
  table.define("read-string", 0, 2, ([port], ev) => schemeString(readAll(expectInput("read-string", port, ev))), RDELIM);
  table.define(
    "write-line",
    1,
    2,
    ([x, port], ev) => {
      expectOutput("write-line", port, ev, 2).write(`${displayString(x!)}\n`);
      return UNSPECIFIED;
    },
    RDELIM,
  );
}
