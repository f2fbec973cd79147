/**
 * The typed build machine the rest of the program uses, after Guix's rules
 * (defaults, `inherit`, `system` versus `systems`) have been applied; load.ts
 * shows one.
 */
import type { Location } from "../../grammar/source.ts";

/** One `build-machine` record, typed. Field names are the Scheme ones in camelCase. */
export interface BuildMachine {
  /** Host name or address used for SSH. */
  name: string;
  port: number;
  /** Effective systems: `systems`, else `(list system)`, else empty. */
  systems: string[];
  user: string;
  /** OpenSSH public host key line: `TYPE BASE64 [COMMENT]`. */
  hostKey: string;
  /** Private key file, or null when HOME was unset at load time. */
  privateKey: string | null;
  compression: string;
  compressionLevel: number;
  daemonSocket: string;
  /** Normalized-load ceiling, or null when the check is disabled (`#f`). */
  overloadThreshold: number | null;
  parallelBuilds: number;
  speed: number;
  features: string[];
  /** Where the `(build-machine` form starts. */
  location: Location;
  /**
   * Why Guix would fail as soon as it used this machine (a field of the wrong
   * type, e.g. `(port "22")`), one sentence each; empty when it is usable.
   * Connections and machine selection refuse a machine with problems.
   */
  problems: string[];
}

/** A warning produced while loading (not an error: Guix goes on). */
export interface LoadWarning {
  code: "deprecated-system" | "missing-systems" | "not-a-list" | "wrong-field-type" | "missing-file";
  message: string;
  /** Where the problem is: the machine's form, or (missing-file) where the missing file was read; null for the file as a whole. */
  location: Location | null;
  /** missing-file: the file that does not exist, as the configuration names it. */
  file?: string;
  /** wrong-field-type: the field. */
  field?: string;
  /** wrong-field-type: the machine's index in the list the file returned. */
  machine?: number;
  /** wrong-field-type: the value, as Scheme's `write` prints it. */
  value?: string;
}
