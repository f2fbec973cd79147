/**
 * The `[FILE [REGEXP]]` selection of `test` and `status`, as `guix offload
 * test` makes it: the machines whose name matches REGEXP, each name:port once
 * (later duplicates share the first one's slots, so Guix drops them). A
 * REGEXP that matches nothing is an error, not an empty success.
 *
 * @example
 * selectMachines(machines, "^build", "machines.scm"); // the machines named build…, each name:port once
 */
import type { BuildMachine } from "../machines/types.ts";
import { CliError, UsageError } from "./output.ts";

/**
 * A REGEXP argument as a name test, or a usage error.
 *
 * @example
 * nameFilter("^build")("build1"); // true
 * nameFilter(undefined)("x");     // true
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
 * selectMachines([a, a, b], undefined, "m.scm"); // [a, b] when the two a's share name and port
 * selectMachines([a], "^zzz", "m.scm");          // throws: no machine in m.scm matches ^zzz
 */
export function selectMachines<T extends Pick<BuildMachine, "name" | "port">>(machines: readonly T[], regexp: string | undefined, file: string): T[] {
  const matches = nameFilter(regexp);
  const seen = new Set<string>();
  const selected = machines.filter((machine) => {
    const key = `${machine.name}:${machine.port}`;
    if (!matches(machine.name) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (regexp !== undefined && selected.length === 0) throw new CliError(`no machine in ${file} matches ${regexp}`);
  return selected;
}
