/**
 * The operations Guile offers that this evaluator refuses, said as such
 * (error code `refused`, never "Unbound variable"): running programs,
 * writing or deleting files, changing the environment, the working
 * directory or the process, sockets, and exiting. Each is bound where Guile
 * binds it — core names always, `(ice-9 popen)` after importing it — and
 * refuses before doing anything, so a refusal leaves no trace.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import type { SchemeError } from "../errors.ts";
 * let error: SchemeError | undefined;
 * try {
 *   createInterpreter().evalString('(system "make")');
 * } catch (caught) {
 *   error = caught as SchemeError;
 * }
 * [error?.code, error?.message]; // ["refused", "offload does not run programs while reading a configuration: `system` is refused"]
 */
import { RefusedError } from "../errors.ts";
import { Primitive, schemeString, type Datum } from "../values.ts";
import type { BuiltinTable } from "./registry.ts";

/** What each group of operations would do, as the message says it. */
const REFUSED: ReadonlyArray<{ action: string; names: readonly string[]; module?: string }> = [
  {
    action: "run programs",
    names: ["system", "system*", "execl", "execlp", "execle", "primitive-fork", "load-extension", "dynamic-link", "dynamic-call", "spawn"],
  },
  {
    action: "run programs",
    names: ["open-pipe", "open-pipe*", "open-input-pipe", "open-output-pipe", "open-input-output-pipe", "pipeline", "close-pipe"],
    module: "ice-9 popen",
  },
  {
    action: "write files",
    names: [
      "open-output-file",
      "call-with-output-file",
      "with-output-to-file",
      "with-error-to-file",
      "delete-file",
      "rename-file",
      "copy-file",
      "mkdir",
      "rmdir",
      "mkstemp!",
      "mkstemp",
      "tmpfile",
      "link",
      "symlink",
      "chmod",
      "chown",
      "lchown",
      "utime",
      "truncate-file",
      "mknod",
    ],
  },
  { action: "change the environment", names: ["setenv", "putenv", "unsetenv"] },
  { action: "change the working directory", names: ["chdir", "chroot"] },
  { action: "open sockets", names: ["socket", "socketpair", "connect", "bind", "listen", "accept"] },
  { action: "exit", names: ["exit", "primitive-exit", "primitive-_exit", "quit"] },
  {
    action: "change the process",
    names: ["kill", "raise", "setuid", "setgid", "seteuid", "setegid", "setgroups", "setpgid", "setsid", "nice", "setpriority", "umask"],
  },
  { action: "sleep or wait for signals", names: ["sleep", "usleep", "alarm", "pause"] },
];

/** A primitive that refuses, whatever its arguments. */
function refusing(name: string, action: string): Primitive {
  return new Primitive(name, 0, -1, (): Datum => {
    throw new RefusedError(name, action);
  });
}

/**
 * Binds every refused operation where Guile binds it (and the pipe modes, so a refused call reads as written).
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineRefusedOperations(table);
 * table.modules.get("ice-9 popen")?.has("open-pipe"); // true
 */
export function defineRefusedOperations(table: BuiltinTable): void {
  table.bind("OPEN_READ", schemeString("r"));
  table.bind("OPEN_WRITE", schemeString("w"));
  table.bind("OPEN_BOTH", schemeString("r+"));
  for (const { action, names, module } of REFUSED) {
    for (const name of names) table.bind(name, refusing(name, action), module);
  }
}
