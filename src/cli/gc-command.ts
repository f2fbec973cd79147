/**
 * `offload gc [FILE [REGEXP]] [--max-size SIZE] [--dry-run]`: on every
 * selected build machine, in parallel, remove what killed or disconnected
 * jobs left there (scratch directories, upload temporaries; offload/leftovers.ts)
 * and trim the input cache to its cap (least recently used first, never an
 * entry a running job uses; offload/input-cache.ts), then say per machine
 * what was freed. `--dry-run` only says what would go. Exits 1 when a
 * machine cannot be reached.
 *
 * @example
 * // offload gc --dry-run
 * // offload gc --max-size 500M /etc/guix/machines.scm '^build'
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { BuildMachine } from "../machines/types.ts";
import { DEFAULT_CACHE_MAX_BYTES, trimCache, type CacheTrim } from "../offload/input-cache.ts";
import { removeLeftovers, type LeftoverReport } from "../offload/leftovers.ts";
import { machineKey } from "../ssh/machine-key.ts";
import { SessionPool } from "../ssh/pool.ts";
import { formatBytes, parseSize } from "../ssh/units.ts";
import { addConnectionOptions, connectOptionsFrom, type ConnectionOptions } from "./connection-options.ts";
import { addLimitOptions, type LimitOptions } from "./limit-options.ts";
import { selectMachines } from "./machine-selection.ts";
import { loadMachineList, machinesArguments, machinesOption, MACHINES_ENV } from "./machines-file.ts";
import { colorsFor } from "./output.ts";
import { stateDirOption } from "./state-dir-option.ts";

const DEFAULT_TIMEOUT_SECONDS = 60;

interface GcOptions extends ConnectionOptions, LimitOptions {
  stateDir: string;
  maxSize: number;
  dryRun?: boolean;
}

/** What gc did on one machine, or why it could not. */
interface MachineGc {
  machine: BuildMachine;
  leftovers: LeftoverReport | null;
  cache: CacheTrim | null;
  error: string | null;
}

/** Register `offload gc`. */
export function registerGcCommand(program: Command): void {
  const command = program
    .command("gc")
    .description("remove what killed jobs left on the build machines and trim their input caches to a size")
    .argument("[file]", `machines file (default: --machines, $${MACHINES_ENV}, /etc/guix/machines.scm)`)
    .argument("[regexp]", "only machines whose name matches")
    .addOption(
      new Option("--max-size <size>", "input cache size to trim each machine to (K, M, G: binary units)")
        .default(DEFAULT_CACHE_MAX_BYTES, formatBytes(DEFAULT_CACHE_MAX_BYTES))
        .argParser((text: string) => {
          const bytes = parseSize(text);
          if (bytes === null) throw new InvalidArgumentError("expected a size such as 500M or 2G");
          return bytes;
        }),
    )
    .option("--dry-run", "only say what would be removed")
    .addOption(machinesOption())
    .addOption(stateDirOption());
  addConnectionOptions(command, DEFAULT_TIMEOUT_SECONDS);
  addLimitOptions(command).action(async (fileArgument: string | undefined, regexpArgument: string | undefined, options: GcOptions, self: Command) => {
    const { file, regexp } = machinesArguments([fileArgument, regexpArgument], self);
    const machines = selectMachines(await loadMachineList(file, options.stateDir, options), regexp, file);
    const pool = new SessionPool(connectOptionsFrom(options));
    try {
      const results = await Promise.all(machines.map((machine) => collect(machine, pool, options)));
      process.stdout.write(summary(results, options));
      process.exitCode = results.every((result) => result.error === null) ? 0 : 1;
    } finally {
      pool.closeAll();
    }
  });
}

async function collect(machine: BuildMachine, pool: SessionPool, options: GcOptions): Promise<MachineGc> {
  try {
    const session = await pool.get(machine);
    const dryRun = options.dryRun === true;
    const [leftovers, cache] = await Promise.all([removeLeftovers(session, { dryRun }), trimCache(session, { maxBytes: options.maxSize, dryRun })]);
    return { machine, leftovers, cache, error: null };
  } catch (error) {
    return { machine, leftovers: null, cache: null, error: (error instanceof Error ? error.message : String(error)).split("\n")[0]! };
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function count(n: number, one: string, many: string, bytes: number): string {
  return `${plural(n, one, many)} (${formatBytes(bytes)})`;
}

/** One line per machine, then the total. */
function summary(results: readonly MachineGc[], options: GcOptions): string {
  const colors = colorsFor(process.stdout);
  const verb = options.dryRun === true ? "would remove" : "removed";
  let freed = 0;
  const lines = results.map(({ machine, leftovers, cache, error }) => {
    const name = machineKey(machine);
    if (error !== null || leftovers === null || cache === null) return `${name}: ${colors.red(`unreachable: ${error ?? "?"}`)}`;
    const jobs = leftovers.items.filter((item) => item.kind === "job");
    const uploads = leftovers.items.filter((item) => item.kind === "upload");
    const sum = (items: ReadonlyArray<{ bytes: number }>): number => items.reduce((total, item) => total + item.bytes, 0);
    freed += leftovers.bytes + cache.removedBytes;
    const after = cache.bytes - cache.removedBytes;
    const kept = cache.keptOverCapBytes > 0 ? `; ${formatBytes(cache.keptOverCapBytes)} over the cap kept: in use or used in the last hour` : "";
    return (
      `${name}: ${verb} ${count(jobs.length, "scratch directory", "scratch directories", sum(jobs))}, ` +
      `${count(uploads.length, "upload temporary", "upload temporaries", sum(uploads))}, ` +
      `${count(cache.removed.length, "cache entry", "cache entries", cache.removedBytes)}; ` +
      `input cache ${formatBytes(after)} in ${plural(cache.entries - cache.removed.length, "entry", "entries")} (cap ${formatBytes(options.maxSize)})${kept}`
    );
  });
  const reached = results.filter((result) => result.error === null).length;
  lines.push(
    `${options.dryRun === true ? "would free" : "freed"} ${formatBytes(freed)} on ${reached} of ${results.length} machine${results.length === 1 ? "" : "s"}`,
  );
  return `${lines.join("\n")}\n`;
}
