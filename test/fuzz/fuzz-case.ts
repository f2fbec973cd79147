/**
 * One fuzz case: the files of a small directory (a machines file, what it
 * loads, links to the fixtures it refers to, FIFOs) and which file the
 * commands read, written out for a run or for keeping a failure.
 *
 * @example
 * const fuzzCase: FuzzCase = { index: 0, kind: "hostile:device", files: [], links: [], fifos: [], main: "/dev/zero" };
 * materializeCase(fuzzCase, tempDir("fuzz-")); // "/dev/zero"
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";

/** A file of a case, relative to its directory. */
export interface CaseFile {
  path: string;
  bytes: Uint8Array;
}

/** What one case is made of. */
export interface FuzzCase {
  /** The case's number in its run: with the run's seed, it gives the same case again. */
  index: number;
  /** How the case was made, e.g. `mutation:truncate`, `generated:machines`, `hostile:cycle`. */
  kind: string;
  files: CaseFile[];
  /** Symbolic links (relative path → absolute target): the fixtures a mutated file loads or includes. */
  links: Array<{ path: string; target: string }>;
  /** FIFOs to create (relative paths); nothing ever writes to them. */
  fifos: string[];
  /** The machines file the commands read: relative to the case directory, or absolute (a device). */
  main: string;
  /** The corpus file a mutation started from. */
  origin?: string;
}

/**
 * Write `fuzzCase` into the (empty or new) directory `dir`; returns the path
 * of the machines file to read.
 *
 * @example
 * materializeCase({ index: 1, kind: "generated:machines", files: [{ path: "m.scm", bytes: Buffer.from("(list)") }], links: [], fifos: [], main: "m.scm" }, dir);
 * // dir + "/m.scm"
 */
export function materializeCase(fuzzCase: FuzzCase, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const file of fuzzCase.files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.bytes);
  }
  for (const link of fuzzCase.links) {
    mkdirSync(dirname(join(dir, link.path)), { recursive: true });
    symlinkSync(link.target, join(dir, link.path));
  }
  for (const fifo of fuzzCase.fifos) {
    mkdirSync(dirname(join(dir, fifo)), { recursive: true });
    execFileSync("mkfifo", [join(dir, fifo)]);
  }
  return isAbsolute(fuzzCase.main) ? fuzzCase.main : join(dir, fuzzCase.main);
}
