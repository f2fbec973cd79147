/**
 * The `[FILE [REGEXP]]` selection of `test` and `status`, as `guix offload
 * test` makes it: the machines whose name matches REGEXP, each name:port once
 * (later duplicates share the first one's slots, so Guix drops them). A
 * REGEXP that matches nothing is an error, not an empty success.
 *
 * @example
 * const machines = [{ name: "build1", port: 22 }, { name: "build1", port: 2222 }, { name: "build1", port: 22 }, { name: "gpu1", port: 22 }];
 * selectMachines(machines, "^build", "machines.scm"); // [{ name: "build1", port: 22 }, { name: "build1", port: 2222 }]
 */
import type { BuildMachine } from "../machines/types.ts";
import { CliError, UsageError } from "./output.ts";

/**
 * A REGEXP argument as a name test, or a usage error.
 *
 * @example
 * nameFilter("^build")("build1"); // true
 * nameFilter(undefined)("x"); // true
 * let message = "";
 * try {
 *   nameFilter("build[");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "invalid regular expression 'build['"
 */
export function nameFilter(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  try {
    const re = new RegExp(pattern);
    return (name) => re.test(name);
  } catch {
    throw new UsageError(`invalid regular expression '${pattern}'`);
  }
}

/**
 * The machines named by `regexp`, first of each name:port only.
 *
 * @example
 * const a = { name: "a", port: 22 };
 * selectMachines([a, { ...a }, { name: "b", port: 22 }], undefined, "m.scm"); // [{ name: "a", port: 22 }, { name: "b", port: 22 }]
 * let message = "";
 * try {
 *   selectMachines([a], "^zzz", "m.scm");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "no machine in m.scm matches ^zzz"
 */
export function selectMachines<T extends Pick<BuildMachine, "name" | "port">>(machines: readonly T[], regexp: string | undefined, file: string): T[] {
  const seen = new Set<string>();
  return machinesNamed(machines, regexp, file, (machine) => machine.name).filter((machine) => {
    const key = `${machine.name}:${machine.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Every machine whose name matches `regexp`, duplicates included (`show`
 * prints the file as Guix reads it); `nameOf` gives the name of a machine whose
 * name field may have the wrong type. A REGEXP that matches nothing is the same
 * error as for {@link selectMachines}.
 *
 * @example
 * const shown = [{ name: "build1" }, { name: "build1" }, { name: 22 }];
 * machinesNamed(shown, "^build", "m.scm", (machine) => String(machine.name)); // [{ name: "build1" }, { name: "build1" }]
 * machinesNamed(shown, "^2", "m.scm", (machine) => String(machine.name)); // [{ name: 22 }]
 */
export function machinesNamed<T>(machines: readonly T[], regexp: string | undefined, file: string, nameOf: (machine: T) => string): T[] {
  const matches = nameFilter(regexp);
  const selected = machines.filter((machine) => matches(nameOf(machine)));
  if (regexp !== undefined && selected.length === 0) throw new CliError(`no machine in ${file} matches ${regexp}`);
  return selected;
}
