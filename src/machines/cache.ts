/**
 * Loaded machines files, cached in the state directory. Commands that use
 * only the typed machines (`run`, `build`, `select`, `test`, `status`) then skip
 * the reader and the evaluator — and never even load them — as long as
 * nothing the file's evaluation looked at has changed: the file itself,
 * every file it loaded, read or tested for existence (device, inode, size,
 * modification and change times), every environment variable it asked for,
 * every fact about the machine it asked for (host name, user accounts),
 * and the file holding this module (in the installed bundle a chunk that
 * every rebuild or reinstall replaces; run from sources, cache.ts itself).
 *
 * A file whose evaluation fails is never cached: the error is reported anew.
 * Results are kept per set of reading limits: a file evaluated under generous
 * limits is evaluated again under tight ones, which it may not meet.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJsonAtomically } from "./atomic-json.ts";
import { hostFact } from "../scheme/host-facts.ts";
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_CALL_DEPTH,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_MEMORY,
  DEFAULT_MAX_SECONDS,
  DEFAULT_MAX_STEPS,
} from "../scheme/limit-defaults.ts";
import type { LoadOptions } from "./load.ts";
import type { BuildMachine, LoadWarning } from "./types.ts";

/**
 * What a cached load may be told: the reading limits and whether the file may
 * read others (the cache supplies the environment and watches files and facts itself).
 *
 * @example
 * const options: CachedLoadOptions = { maxSteps: 1000, fileAccess: false };
 * options.maxSteps; // 1000
 */
export type CachedLoadOptions = Pick<LoadOptions, "maxSteps" | "maxCallDepth" | "maxDepth" | "maxBytes" | "maxSeconds" | "maxMemory" | "fileAccess">;

/** Bumped whenever the cached shape changes. */
const CACHE_FORMAT = 2;

/** What loading gives the engine commands. */
export interface LoadedMachines {
  machines: BuildMachine[];
  warnings: LoadWarning[];
  /** Whether the result came from the cache (nothing was evaluated). */
  fromCache: boolean;
}

interface CacheEntry {
  format: number;
  program: string | null;
  /** Absolute path → stamp, or null when the file did not exist. */
  files: Record<string, string | null>;
  /** Variable name → value, or null when unset. */
  env: Record<string, string | null>;
  /** Facts about the machine the evaluation asked for (host name, user accounts): key → value (see host-facts.ts). */
  hostFacts: Record<string, string | null>;
  machines: BuildMachine[];
  warnings: LoadWarning[];
}

/**
 * Load `file` as {@link loadMachines} does, under `options`' limits, through
 * a cache kept under `stateDir/machines/`, one entry per file and limits.
 * Cache problems (unreadable, unwritable, corrupt) only cost a fresh evaluation.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "offload-cache-"));
 * const file = join(dir, "machines.scm");
 * writeFileSync(file, `(list (build-machine (name "build1") (systems '("x86_64-linux")) (user "alice") (host-key "ssh-ed25519 AAAA")))`);
 * const first = await loadMachinesCached(file, join(dir, "state"), { HOME: "/home/alice" });
 * const again = await loadMachinesCached(file, join(dir, "state"), { HOME: "/home/alice" });
 * // HOME gives private-key its default, so another HOME means another evaluation
 * const otherHome = await loadMachinesCached(file, join(dir, "state"), { HOME: "/home/bob" });
 * rmSync(dir, { recursive: true });
 * [first.fromCache, again.fromCache, otherHome.fromCache]; // [false, true, false]
 * otherHome.machines[0]?.privateKey; // "/home/bob/.ssh/id_rsa"
 */
export async function loadMachinesCached(
  file: string,
  stateDir: string,
  env: Record<string, string | undefined> = process.env,
  options: CachedLoadOptions = {},
): Promise<LoadedMachines> {
  const path = resolve(file);
  // Keyed by the name as given too: locations in warnings and records spell the file that way.
  const key = createHash("sha256")
    .update(`${file}\0${path}\0${limitsKey(options)}`)
    .digest("hex")
    .slice(0, 32);
  const entryFile = join(stateDir, "machines", `${key}.json`);
  const cached = readEntry(entryFile);
  if (cached !== null && isCurrent(cached, env)) return { machines: cached.machines, warnings: cached.warnings, fromCache: true };

  const files = new Map<string, string | null>();
  const seenEnv = new Map<string, string | null>();
  const facts = new Map<string, string | null>();
  const watchedEnv = new Proxy(env, {
    get(target, name) {
      const value = typeof name === "string" ? target[name] : undefined;
      if (typeof name === "string" && !seenEnv.has(name)) seenEnv.set(name, value ?? null);
      return value;
    },
  });
  // Loaded only on a miss: the reader and evaluator are most of the start-up time.
  const { loadMachines } = await import("./load.ts");
  const { machines, warnings } = loadMachines(file, {
    ...options,
    env: watchedEnv,
    onFileAccess: (accessed) => {
      if (!files.has(accessed)) files.set(accessed, stamp(accessed));
    },
    onHostFact: (fact) => {
      if (!facts.has(fact)) facts.set(fact, hostFact(fact));
    },
  });
  // A file that changed while it was being evaluated must not be trusted later.
  const steady = [...files].every(([accessed, before]) => stamp(accessed) === before);
  if (steady) {
    writeEntry(entryFile, {
      format: CACHE_FORMAT,
      program: programStamp(),
      files: Object.fromEntries(files),
      env: Object.fromEntries(seenEnv),
      hostFacts: Object.fromEntries(facts),
      machines,
      warnings,
    });
  }
  return { machines, warnings, fromCache: false };
}

/** The limits as part of a cache key: a default given explicitly is the same limit as none given. */
function limitsKey(options: CachedLoadOptions): string {
  return JSON.stringify([
    options.maxSteps ?? DEFAULT_MAX_STEPS,
    options.maxCallDepth ?? DEFAULT_MAX_CALL_DEPTH,
    options.maxDepth ?? DEFAULT_MAX_DEPTH,
    options.maxBytes ?? DEFAULT_MAX_BYTES,
    options.maxSeconds ?? DEFAULT_MAX_SECONDS,
    options.maxMemory ?? DEFAULT_MAX_MEMORY,
    options.fileAccess !== false,
  ]);
}

function isCurrent(entry: CacheEntry, env: Record<string, string | undefined>): boolean {
  if (entry.format !== CACHE_FORMAT || entry.program !== programStamp()) return false;
  for (const [name, value] of Object.entries(entry.env)) if ((env[name] ?? null) !== value) return false;
  for (const [path, before] of Object.entries(entry.files)) if (stamp(path) !== before) return false;
  for (const [fact, before] of Object.entries(entry.hostFacts)) if (hostFact(fact) !== before) return false;
  return true;
}

/** Identity of a file's current version, or null when it does not exist. */
function stamp(path: string): string | null {
  try {
    const stat = statSync(path, { bigint: true });
    return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
  } catch {
    return null;
  }
}

/** This module's file: rebuilding or reinstalling offload replaces it, which empties the cache. */
function programStamp(): string | null {
  return stamp(fileURLToPath(import.meta.url));
}

function readEntry(entryFile: string): CacheEntry | null {
  try {
    const entry = JSON.parse(readFileSync(entryFile, "utf8")) as CacheEntry;
    const wellFormed =
      typeof entry === "object" &&
      entry !== null &&
      Array.isArray(entry.machines) &&
      Array.isArray(entry.warnings) &&
      typeof entry.files === "object" &&
      entry.files !== null &&
      typeof entry.env === "object" &&
      entry.env !== null &&
      typeof entry.hostFacts === "object" &&
      entry.hostFacts !== null;
    return wellFormed ? entry : null;
  } catch {
    return null;
  }
}

function writeEntry(entryFile: string, entry: CacheEntry): void {
  try {
    writeJsonAtomically(entryFile, entry, { fileMode: 0o600, dirMode: 0o700 });
  } catch {
    // A cache that cannot be kept only costs evaluations.
  }
}
