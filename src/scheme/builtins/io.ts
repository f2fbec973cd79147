/**
 * Read-only file procedures that Guix System's generated machines.scm uses:
 * call-with-input-file, get-string-all, read-line, file-exists?,
 * primitive-load and load. Files are read whole through the {@link Host}.
 *
 * @example
 * const table = new BuiltinTable(); defineIoBuiltins(table);
 */
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { EOF, InputPort, UNSPECIFIED, type Datum } from "../values.ts";
import { expectProcedure, expectString, type BuiltinTable } from "./registry.ts";

function host(ev: Evaluator) {
  if (!ev.host) throw new SchemeError("file-error", "file access is not available here");
  return ev.host;
}

function expectPort(who: string, value: Datum): InputPort {
  if (value instanceof InputPort) return value;
  throw new SchemeError("wrong-type-arg", `${who}: wrong type argument in position 1 (expecting input port)`);
}

function getStringAll(port: InputPort): Datum {
  const rest = port.text.slice(port.position);
  port.position = port.text.length;
  return rest === "" ? EOF : rest;
}

function readLine(port: InputPort): Datum {
  if (port.position >= port.text.length) return EOF;
  const end = port.text.indexOf("\n", port.position);
  const line = port.text.slice(port.position, end === -1 ? port.text.length : end);
  port.position = end === -1 ? port.text.length : end + 1;
  return line;
}

/** Registers the file-reading procedures. */
export function defineIoBuiltins(table: BuiltinTable): void {
  table.define("open-input-file", 1, 1, ([path], ev) => {
    const name = expectString("open-input-file", path!, 1);
    return new InputPort(host(ev).readTextFile(name), name);
  });
  table.define("open-input-string", 1, 1, ([text]) => new InputPort(expectString("open-input-string", text!, 1), null));
  table.define("call-with-input-file", 2, 2, ([path, proc], ev) => {
    const name = expectString("call-with-input-file", path!, 1);
    const receiver = expectProcedure("call-with-input-file", proc!, 2);
    const port = new InputPort(host(ev).readTextFile(name), name);
    const result = ev.apply(receiver, [port]);
    port.closed = true;
    return result;
  });
  table.define("call-with-input-string", 2, 2, ([text, proc], ev) =>
    ev.apply(expectProcedure("call-with-input-string", proc!, 2), [new InputPort(expectString("call-with-input-string", text!, 1), null)]));
  table.define("close-port", 1, 1, ([port]) => {
    expectPort("close-port", port!).closed = true;
    return UNSPECIFIED;
  });
  table.define("close-input-port", 1, 1, ([port]) => {
    expectPort("close-input-port", port!).closed = true;
    return UNSPECIFIED;
  });
  for (const module of ["ice-9 textual-ports", "rnrs io ports"]) {
    table.define("get-string-all", 1, 1, ([port]) => getStringAll(expectPort("get-string-all", port!)), module);
    table.define("get-line", 1, 1, ([port]) => readLine(expectPort("get-line", port!)), module);
  }
  table.define("read-line", 0, 2, ([port]) => {
    if (port === undefined) throw new SchemeError("file-error", "read-line: reading standard input is not available");
    return readLine(expectPort("read-line", port));
  }, "ice-9 rdelim");
  table.define("read-string", 1, 1, ([port]) => getStringAll(expectPort("read-string", port!)), "ice-9 rdelim");
  table.define("file-exists?", 1, 1, ([path], ev) => (ev.host ? ev.host.fileExists(expectString("file-exists?", path!, 1)) : false));
  for (const name of ["primitive-load", "load"]) {
    table.define(name, 1, 1, ([path], ev) => host(ev).load(expectString(name, path!, 1)));
  }
}
