/**
 * Reading files, as Guix System's generated machines.scm and hand-written
 * configurations do: `open-input-file`, `call-with-input-file`,
 * `with-input-from-file`, `file-exists?`, `primitive-load`, `load`, and the
 * file-name procedures `basename` and `dirname`. Files are read whole
 * through the {@link Host}; relative names resolve against the directory of
 * the file being loaded. Opening a file for writing is refused (refused.ts).
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * const scheme = createInterpreter({ fileAccess: false });
 * scheme.evalString('(basename "/etc/guix/machines.scm" ".scm")'); // { text: "machines" }
 * scheme.evalString('(dirname "/etc/guix/machines.scm")'); // { text: "/etc/guix" }
 * // without file access (--no-file-access), a file that is there is not seen
 * scheme.evalString('(file-exists? "/etc/passwd")'); // false
 */
import { RefusedError, SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import type { Host } from "../host.ts";
import { InputPort, schemeString, type Datum } from "../values.ts";
import { withInputFrom } from "./ports.ts";
import { expectProcedure, expectString, type BuiltinTable } from "./registry.ts";

function host(ev: Evaluator): Host {
  if (!ev.host) throw new SchemeError("file-error", "file access is not available here");
  return ev.host;
}

function openInput(ev: Evaluator, name: string): InputPort {
  return new InputPort(host(ev).readTextFile(name), name);
}

/**
 * Guile 3.0's `basename`: the last component (a trailing slash kept), less `suffix` when it ends with it.
 *
 * @example
 * basename("/etc/guix/machines.scm", ".scm"); // "machines"
 * basename("/a/b/"); // "b/"
 */
export function basename(name: string, suffix?: string): string {
  if (name !== "" && /^\/+$/.test(name)) return "/";
  let i = name.length - 1;
  while (i >= 0 && name[i] === "/") i--;
  while (i >= 0 && name[i] !== "/") i--;
  const base = name.slice(i + 1);
  return suffix !== undefined && base.endsWith(suffix) ? base.slice(0, base.length - suffix.length) : base;
}

/**
 * Guile's `dirname`: everything before the last component, "." or "/" when nothing is left.
 *
 * @example
 * dirname("/etc/guix/machines.scm"); // "/etc/guix"
 * dirname("machines.scm"); // "."
 * dirname("/a/b/"); // "/a"
 */
export function dirname(name: string): string {
  let end = name.length;
  while (end > 0 && name[end - 1] === "/") end--;
  while (end > 0 && name[end - 1] !== "/") end--;
  while (end > 0 && name[end - 1] === "/") end--;
  if (end > 0) return name.slice(0, end);
  return name.startsWith("/") ? "/" : ".";
}

/**
 * Registers the procedures.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineFileBuiltins(table);
 * table.modules.get("guile")?.has("call-with-input-file"); // true
 */
export function defineFileBuiltins(table: BuiltinTable): void {
  table.define("open-input-file", 1, 1, ([path], ev) => openInput(ev, expectString("open-input-file", path!, 1)));
  table.define("call-with-input-file", 2, 2, ([path, proc], ev) => {
    const port = openInput(ev, expectString("call-with-input-file", path!, 1));
    const result = ev.apply(expectProcedure("call-with-input-file", proc!, 2), [port]);
    port.closed = true;
    return result;
  });
  table.define("with-input-from-file", 2, 2, ([path, thunk], ev) => {
    const port = openInput(ev, expectString("with-input-from-file", path!, 1));
    return withInputFrom(ev, port, () => ev.apply(expectProcedure("with-input-from-file", thunk!, 2), []));
  });
  table.define("open-file", 2, -1, ([path, mode], ev) => {
    const name = expectString("open-file", path!, 1);
    // Reading is allowed; any mode that writes, appends or creates is not.
    if (/[wa+]/.test(expectString("open-file", mode!, 2))) throw new RefusedError("open-file", "write files");
    return openInput(ev, name);
  });
  table.define("file-exists?", 1, 1, ([path], ev) => host(ev).fileExists(expectString("file-exists?", path!, 1)));
  for (const name of ["primitive-load", "load"]) {
    table.define(name, 1, 1, ([path], ev): Datum => host(ev).load(expectString(name, path!, 1)));
  }
  table.define("basename", 1, 2, ([name, suffix]) =>
    schemeString(basename(expectString("basename", name!, 1), suffix === undefined ? undefined : expectString("basename", suffix, 2))),
  );
  table.define("dirname", 1, 1, ([name]) => schemeString(dirname(expectString("dirname", name!, 1))));
}
