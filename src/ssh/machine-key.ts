/**
 * The one key of a build machine: `NAME:PORT`. Guix identifies a machine by
 * its name and port (it drops later records with the same pair and keeps one
 * slot directory per `NAME:PORT`), so everything offload keeps per machine —
 * slots, back-off, probe results, exclusions, job reports — and every message
 * that names a machine's address uses this string.
 *
 * @example
 * import { machineKey } from "./machine-key.ts";
 * machineKey({ name: "build1.example.org", port: 22 }); // "build1.example.org:22"
 */
import type { BuildMachine } from "../machines/types.ts";

/**
 * `NAME:PORT`, exactly as Guix spells a machine's slot directory (an IPv6
 * literal is not bracketed: the port is whatever follows the last colon).
 *
 * @example
 * machineKey({ name: "::1", port: 2222 }); // "::1:2222"
 */
export function machineKey(machine: Pick<BuildMachine, "name" | "port">): string {
  return `${machine.name}:${machine.port}`;
}
