/**
 * What a configuration may learn about its surroundings, read-only:
 * environment variables (`getenv`, `environ`), the host name, the user
 * (`getuid`, `getlogin`, `getpw` and the `passwd:` accessors) and the
 * working directory. Changing any of them is refused (refused.ts).
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * const scheme = createInterpreter({ env: { HOME: "/home/alice" } });
 * scheme.evalString('(getenv "HOME")'); // { text: "/home/alice" }
 * scheme.evalString('(getenv "NO_SUCH_VARIABLE")'); // false
 * scheme.evalString('(passwd:dir (getpw "root"))'); // { text: "/root" }
 */
import { RefusedError, SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import type { Host, PasswdEntry } from "../host.ts";
import { writeString } from "../printer.ts";
import { NIL, arrayToList, list, schemeString, stringText, sym, type Datum } from "../values.ts";
import { expectString, type BuiltinTable } from "./registry.ts";

function host(ev: Evaluator): Host {
  if (!ev.host) throw new SchemeError("misc-error", "the host is not available here");
  return ev.host;
}

/** What Guile's getenv and getlogin return: the text as a string, #f when there is none. */
function stringOrFalse(text: string | undefined): Datum {
  return text === undefined ? false : schemeString(text);
}

/** A passwd entry as Guile's `getpw` returns it: a vector. */
function passwdVector(entry: PasswdEntry): Datum[] {
  return [
    schemeString(entry.name),
    schemeString(entry.passwd),
    entry.uid,
    entry.gid,
    schemeString(entry.gecos),
    schemeString(entry.dir),
    schemeString(entry.shell),
  ];
}

const PASSWD_FIELDS = ["name", "passwd", "uid", "gid", "gecos", "dir", "shell"] as const;

/**
 * Registers the procedures.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineSystemBuiltins(table);
 * table.modules.get("guile")?.has("passwd:dir"); // true
 */
export function defineSystemBuiltins(table: BuiltinTable): void {
  table.define("getenv", 1, 1, ([name], ev) => stringOrFalse(host(ev).getenv(expectString("getenv", name!, 1))));
  table.define("gethostname", 0, 0, (_args, ev) => schemeString(host(ev).hostname()));
  table.define("getuid", 0, 0, (_args, ev) => host(ev).uid());
  table.define("getlogin", 0, 0, (_args, ev) => stringOrFalse(host(ev).login()));
  table.define("getcwd", 0, 0, (_args, ev) => schemeString(host(ev).cwd()));
  const lookup =
    (who: string) =>
    ([user]: Datum[], ev: Evaluator): Datum => {
      const key = typeof user === "number" ? user : stringText(user ?? false);
      if (key === undefined) {
        throw new SchemeError("wrong-type-arg", `${who}: wrong type argument in position 1: ${writeString(user ?? false)}`);
      }
      const entry = host(ev).passwd(key);
      if (!entry) {
        throw new SchemeError("misc-error", `${who}: entry not found`, undefined, {
          key: sym("misc-error"),
          args: list(schemeString(who), schemeString("entry not found"), NIL, false),
        });
      }
      return passwdVector(entry);
    };
  table.define("getpw", 1, 1, lookup("getpw"));
  table.define("getpwnam", 1, 1, lookup("getpw"));
  table.define("getpwuid", 1, 1, lookup("getpw"));
  PASSWD_FIELDS.forEach((field, index) => {
    table.define(`passwd:${field}`, 1, 1, ([entry]) => {
      if (!Array.isArray(entry) || entry.length !== PASSWD_FIELDS.length) {
        throw new SchemeError("wrong-type-arg", `passwd:${field}: wrong type argument in position 1 (expecting passwd entry): ${writeString(entry!)}`);
      }
      return entry[index]!;
    });
  });
  table.define("environ", 0, 1, ([replacement], ev) => {
    if (replacement !== undefined) throw new RefusedError("environ", "change the environment");
    return arrayToList(
      host(ev)
        .environment()
        .map(([name, value]) => schemeString(`${name}=${value}`)),
    );
  });
}
