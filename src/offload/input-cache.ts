/**
 * The size cap of a build machine's content-addressed input cache
 * (~/.cache/offload/cas): when the cache holds more than the cap, the
 * entries used longest ago are removed until it fits — never one a job's
 * scratch directory holds (a hard link to it), nor one used in the last
 * hour (a job may be about to take it up: its inputs were checked, the
 * upload of the rest is under way). So the cap is soft: what running and
 * recent jobs use stays. The engine trims a machine's cache after uploading
 * to it; `offload gc` trims on demand.
 *
 * @example
 * import { trimCache, DEFAULT_CACHE_MAX_BYTES } from "./input-cache.ts";
 * const trimmed = await trimCache(session, { maxBytes: DEFAULT_CACHE_MAX_BYTES });
 * trimmed.removedBytes; // what was freed
 */
import { cacheEvictionScript, cacheListingScript } from "../ssh/remote-shell.ts";
import { scriptOutput, type ScriptHost } from "../ssh/script-host.ts";

/** The cap per machine when none is given: 2 GiB. */
export const DEFAULT_CACHE_MAX_BYTES = 2 * 1024 ** 3;

/** Entries used within this long are kept whatever the cap. */
export const RECENT_USE_MS = 60 * 60_000;

/** One cache entry. */
export interface CacheEntry {
  key: string;
  bytes: number;
  /** Hard links: more than one means a job's scratch directory holds it. */
  links: number;
  /** Last use, in epoch milliseconds of the machine's clock. */
  usedAt: number;
}

/** What trimming found and did. */
export interface CacheTrim {
  /** Entries and bytes before trimming. */
  entries: number;
  bytes: number;
  /** Entries removed (or, on a dry run, that would be). */
  removed: CacheEntry[];
  removedBytes: number;
  /** Bytes that had to stay although over the cap (in use, or used in the last hour). */
  keptOverCapBytes: number;
}

/**
 * Parse {@link cacheListingScript}'s output: the entries and the machine's clock.
 *
 * @example
 * parseCacheListing(`1700000000.5 10 1 ${"a".repeat(64)}\nnow 1700000100\n`).nowMs; // 1700000100000
 */
export function parseCacheListing(output: string): { entries: CacheEntry[]; nowMs: number } {
  const entries: CacheEntry[] = [];
  let nowMs = Date.now();
  for (const line of output.split("\n")) {
    const now = /^now (\d+)$/.exec(line);
    if (now !== null) {
      nowMs = Number(now[1]) * 1000;
      continue;
    }
    const match = /^(\d+)(?:\.\d+)? (\d+) (\d+) ([0-9a-f]{64}(?:-x)?)$/.exec(line);
    if (match === null) continue;
    entries.push({ usedAt: Number(match[1]) * 1000, bytes: Number(match[2]), links: Number(match[3]), key: match[4]! });
  }
  return { entries, nowMs };
}

/**
 * Which entries to remove so the cache fits `maxBytes`: least recently used
 * first, skipping those in use or used since `keepSince` (epoch ms).
 *
 * @example
 * const entry = (key: string, bytes: number, usedAt: number, links = 1) => ({ key: key.repeat(64), bytes, links, usedAt });
 * const entries = [entry("a", 600, 3_000), entry("b", 600, 1_000), entry("c", 600, 2_000, 2), entry("d", 600, 9_000)];
 * // a cap of 1000 for 2400 bytes: c is in a job's scratch directory, d was used after 5000
 * const { removed, keptOverCapBytes } = chooseEvictions(entries, 1000, 5_000);
 * removed.map((chosen) => chosen.key[0]); // ["b", "a"]
 * keptOverCapBytes; // 200
 */
export function chooseEvictions(entries: readonly CacheEntry[], maxBytes: number, keepSince: number): { removed: CacheEntry[]; keptOverCapBytes: number } {
  let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  const removed: CacheEntry[] = [];
  const oldestFirst = [...entries].sort((a, b) => a.usedAt - b.usedAt || a.key.localeCompare(b.key));
  for (const entry of oldestFirst) {
    if (total <= maxBytes) break;
    if (entry.links > 1 || entry.usedAt >= keepSince) continue;
    removed.push(entry);
    total -= entry.bytes;
  }
  return { removed, keptOverCapBytes: Math.max(0, total - maxBytes) };
}

/**
 * Trim the machine's input cache to `maxBytes` (only say what would go with `dryRun`).
 *
 * @example
 * const { removed, removedBytes } = await trimCache(session, { maxBytes: 512 << 20, dryRun: true }); // what offload gc --dry-run shows
 */
export async function trimCache(host: ScriptHost, options: { maxBytes: number; dryRun?: boolean }): Promise<CacheTrim> {
  const { entries, nowMs } = parseCacheListing(await scriptOutput(host, cacheListingScript(), { timeoutMs: 60_000 }));
  const bytes = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  const keepSince = nowMs - RECENT_USE_MS;
  const chosen = chooseEvictions(entries, options.maxBytes, keepSince);
  let removed = chosen.removed;
  if (options.dryRun !== true && removed.length > 0) {
    const gone = new Set<string>();
    for (let i = 0; i < removed.length; i += 500) {
      const batch = removed.slice(i, i + 500).map((entry) => entry.key);
      const output = await scriptOutput(host, cacheEvictionScript(batch, keepSince / 1000), { timeoutMs: 60_000 });
      for (const key of output.split("\n")) if (key !== "") gone.add(key);
    }
    // An entry a job took up meanwhile stayed: it is not counted as freed.
    removed = removed.filter((entry) => gone.has(entry.key));
  }
  const removedBytes = removed.reduce((sum, entry) => sum + entry.bytes, 0);
  return { entries: entries.length, bytes, removed, removedBytes, keptOverCapBytes: Math.max(0, bytes - removedBytes - options.maxBytes) };
}
