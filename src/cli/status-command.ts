/**
 * `offload status [FILE [REGEXP]]`: probe every selected build machine in
 * parallel with a short timeout and show, per machine, whether it is
 * reachable (and why not), kernel, architecture, host name, uptime, load
 * averages, cores, normalized load against its overload-threshold, memory,
 * free disk in the work directory, clock offset, speed, parallel-builds and
 * the slots offload processes on this host hold now; with --guix (the
 * default on a host running guix-daemon) also free space in the machine's
 * store, its daemon's protocol and the builds this host's hook runs there.
 * A table for people,
 * `--json` for programs, `--watch SECONDS` to refresh in place (connections
 * stay open between refreshes), stamped with a 24-hour time; `--json --watch`
 * writes JSON Lines, `{"time": ISO 8601, "machines": [...]}` per refresh.
 * Exit status 1 when a machine is unreachable.
 *
 * @example
 * // offload status --watch 2 /etc/guix/machines.scm
 * // offload status --json | jq '.machines[] | select(.overloaded)'
 */
import type { Command } from "commander";
import type { ChalkInstance } from "chalk";
import { existsSync } from "node:fs";
import type { BuildMachine } from "../machines/types.ts";
import { hookConfig } from "../offload/hook/config.ts";
import { guixStatus } from "../offload/hook/guix-status.ts";
import { LinkCache } from "../offload/hook/machine-link.ts";
import { slotsInUse } from "../offload/slots.ts";
import { defaultStateDir } from "../offload/state-dir.ts";
import { SessionPool } from "../ssh/pool.ts";
import { isOverloaded, normalizedLoad, probeStatus, type MachineStatus } from "../ssh/probe.ts";
import { formatBytes, formatDuration } from "../ssh/units.ts";
import { addConnectionOptions, connectOptionsFrom, type ConnectionOptions } from "./connection-options.ts";
import { addLimitOptions, type LimitOptions } from "./limit-options.ts";
import { selectMachines } from "./machine-selection.ts";
import { loadMachineList, machinesArguments, machinesOption, MACHINES_ENV } from "./machines-file.ts";
import { secondsOption } from "./option-kinds.ts";
import { colorsFor } from "./output.ts";
import { holderSettingsFor, persistOption } from "./persist-option.ts";
import { stateDirOption } from "./state-dir-option.ts";

const DEFAULT_TIMEOUT_SECONDS = 10;

/** One machine in `--json`: exactly the fields the issue specifies. */
export interface StatusEntry {
  name: string;
  port: number;
  reachable: boolean;
  error: string | null;
  kernel: string | null;
  architecture: string | null;
  hostname: string | null;
  "uptime-seconds": number | null;
  load: [number, number, number] | null;
  cores: number | null;
  "normalized-load": number | null;
  overloaded: boolean | null;
  "memory-available-bytes": number | null;
  "disk-free-bytes": number | null;
  "clock-offset-seconds": number | null;
  speed: number;
  "parallel-builds": number;
  "slots-in-use": number;
  /** With --guix: the machine's store, daemon and this host's builds there. */
  guix?: {
    "store-free-bytes": number | null;
    "daemon-protocol": string | null;
    builds: Array<{ "drv-path": string; pid: number; since: string }>;
    error: string | null;
  };
}

interface StatusOptions extends ConnectionOptions, LimitOptions {
  json?: boolean;
  stateDir: string;
  /** How long connection holders stay idle (0: none). */
  persist: number;
  /** Milliseconds between refreshes. */
  watch?: number;
  /** Show the Guix columns (default: when this host has a guix-daemon socket). */
  guix?: boolean;
}

/** Register `offload status`. */
export function registerStatusCommand(program: Command): void {
  const command = program
    .command("status")
    .description("show load, disk, clock and slots of every build machine, probed in parallel")
    .argument("[file]", `machines file (default: --machines, $${MACHINES_ENV}, /etc/guix/machines.scm)`)
    .argument("[regexp]", "only machines whose name matches")
    .option("--json", "print JSON")
    .addOption(machinesOption())
    .addOption(stateDirOption())
    .addOption(persistOption())
    .addOption(
      secondsOption(
        "--watch <seconds>",
        "refresh every SECONDS until interrupted; with --json, one JSON document per line (JSON Lines), each with its ISO 8601 time",
      ),
    )
    .option(
      "--guix",
      "also show free space in each machine's store, its guix-daemon's protocol and this host's builds there (default: when this host runs guix-daemon)",
    )
    .option("--no-guix", "leave out the Guix columns");
  addConnectionOptions(command, DEFAULT_TIMEOUT_SECONDS);
  addLimitOptions(command).action(async (fileArgument: string | undefined, regexpArgument: string | undefined, options: StatusOptions, self: Command) => {
    const connect = connectOptionsFrom(options);
    const { file, regexp } = machinesArguments([fileArgument, regexpArgument], self);
    const machines = selectMachines(await loadMachineList(file, options.stateDir, options), regexp, file);
    // A quick look: the machines' running holders are used, none is started for it.
    const pool = new SessionPool(connect, holderSettingsFor(options.stateDir, options.persist, false));
    const config = hookConfig(process.env);
    const links = (options.guix ?? existsSync(config.daemonSocket)) ? new LinkCache(pool) : null;
    const probe = async (): Promise<StatusEntry[]> => {
      const [entries, guix] = await Promise.all([
        probeAll(machines, pool, options.timeout, options.workDir, options.stateDir),
        links === null
          ? null
          : Promise.all(machines.map((machine) => guixStatus(machine, { links, timeoutMs: options.timeout, config, stateDir: options.stateDir }))),
      ]);
      if (guix !== null) {
        for (const [index, status] of guix.entries()) {
          entries[index]!.guix = {
            "store-free-bytes": status.storeFreeBytes,
            "daemon-protocol": status.daemonProtocol,
            builds: status.builds.map((build) => ({ "drv-path": build.drvPath, pid: build.pid, since: new Date(build.since).toISOString() })),
            error: status.error,
          };
        }
      }
      return entries;
    };
    try {
      if (options.watch === undefined) {
        if (!options.json)
          process.stderr.write(`getting status of ${machines.length} build machine${machines.length === 1 ? "" : "s"} defined in '${file}'...\n`);
        const entries = await probe();
        process.stdout.write(options.json ? `${JSON.stringify({ machines: entries }, null, 2)}\n` : formatStatusTable(entries, colorsFor(process.stdout)));
        process.exitCode = entries.every((entry) => entry.reachable) ? 0 : 1;
        return;
      }
      await watch(probe, options.watch, options.json === true);
    } finally {
      pool.closeAll();
      links?.closeAll();
    }
  });
}

/**
 * Probe every machine at once; a machine that cannot be reached gets its error instead of a status.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadMachines } from "../machines/load.ts";
 * import { SessionPool } from "../ssh/pool.ts";
 * // nothing listens on port 1 of this host: the machine is unreachable, with the reason
 * const dir = mkdtempSync(join(tmpdir(), "offload-status-"));
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * writeFileSync(join(dir, "machines.scm"), `(list (build-machine (name "127.0.0.1") (port 1) (systems (list "x86_64-linux")) (user "offload") (host-key "${key}")))`);
 * const pool = new SessionPool();
 * const entries = await probeAll(loadMachines(join(dir, "machines.scm")).machines, pool, 5_000, undefined, join(dir, "state"));
 * pool.closeAll();
 * rmSync(dir, { recursive: true });
 * entries.map((entry) => [entry.name, entry.reachable, entry.error]);
 * // [["127.0.0.1", false, "connection to 127.0.0.1:1 refused: is sshd running and listening on port 1?"]]
 */
export async function probeAll(
  machines: BuildMachine[],
  pool: SessionPool,
  timeout: number,
  workDir: string | undefined,
  stateDir = defaultStateDir(),
): Promise<StatusEntry[]> {
  return Promise.all(
    machines.map(async (machine) => {
      try {
        const session = await pool.get(machine);
        return statusEntry(machine, await probeStatus(session, { workDir, timeoutMs: timeout }), null, stateDir);
      } catch (error) {
        return statusEntry(machine, null, error instanceof Error ? error.message : String(error), stateDir);
      }
    }),
  );
}

function statusEntry(machine: BuildMachine, status: MachineStatus | null, error: string | null, stateDir: string): StatusEntry {
  const normalized = status === null ? null : normalizedLoad(status);
  return {
    name: machine.name,
    port: machine.port,
    reachable: status !== null,
    error,
    kernel: status?.kernel ?? null,
    architecture: status?.architecture ?? null,
    hostname: status?.hostname ?? null,
    "uptime-seconds": status?.uptimeSeconds ?? null,
    load: status?.load ?? null,
    cores: status?.cores ?? null,
    "normalized-load": normalized === null ? null : Math.round(normalized * 1000) / 1000,
    overloaded: normalized === null ? null : isOverloaded(normalized, machine.overloadThreshold),
    "memory-available-bytes": status?.memoryAvailableBytes ?? null,
    "disk-free-bytes": status?.diskFreeBytes ?? null,
    "clock-offset-seconds": status?.clockOffsetSeconds ?? null,
    speed: machine.speed,
    "parallel-builds": machine.parallelBuilds,
    "slots-in-use": slotsInUse(machine, stateDir),
  };
}

/** Refresh until SIGINT/SIGTERM: in place on a TTY, one document (JSON line or table) after another otherwise. */
async function watch(probe: () => Promise<StatusEntry[]>, intervalMs: number, json: boolean): Promise<void> {
  const inPlace = process.stdout.isTTY === true && !json;
  let stopped = false;
  let wake: () => void = () => undefined;
  const stop = (): void => {
    stopped = true;
    wake();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    let previousLines = 0;
    while (!stopped) {
      const entries = await probe();
      if (stopped) break;
      const now = new Date();
      if (json) {
        process.stdout.write(`${JSON.stringify({ time: now.toISOString(), machines: entries })}\n`);
      } else {
        const table = `${formatStatusTable(entries, colorsFor(process.stdout))}${clockTime(now)}, every ${intervalMs / 1000} s (Ctrl-C to stop)\n`;
        // Move up over the previous table and clear to the end of the screen.
        if (inPlace && previousLines > 0) process.stdout.write(`\x1b[${previousLines}F\x1b[J`);
        process.stdout.write(inPlace ? table : `${table}\n`);
        previousLines = table.split("\n").length - 1;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/**
 * The human table, with the reasons for unreachable machines below it.
 *
 * @example
 * // offload status --no-guix machines.scm, with nothing listening on 127.0.0.1 port 1:
 * // MACHINE      STATE  HOST  KERNEL  ARCH  UPTIME  LOAD 1/5/15  CORES  NORM  MEM AVAIL  DISK FREE  CLOCK  SPEED  SLOTS
 * // 127.0.0.1:1  down                                                                                      1      0/1
 * // 127.0.0.1:1: connection to 127.0.0.1:1 refused: is sshd running and listening on port 1?
 */
function formatStatusTable(entries: StatusEntry[], colors: ChalkInstance): string {
  if (entries.length === 0) return "no build machines\n";
  const withGuix = entries.some((entry) => entry.guix !== undefined);
  const headers = [
    "MACHINE",
    "STATE",
    "HOST",
    "KERNEL",
    "ARCH",
    "UPTIME",
    "LOAD 1/5/15",
    "CORES",
    "NORM",
    "MEM AVAIL",
    "DISK FREE",
    "CLOCK",
    "SPEED",
    "SLOTS",
    ...(withGuix ? ["STORE FREE", "DAEMON", "BUILDS"] : []),
  ];
  const guixCells = (entry: StatusEntry): string[] => {
    if (!withGuix) return [];
    const guix = entry.guix;
    if (guix === undefined) return ["", "", ""];
    return [guix["store-free-bytes"] === null ? "?" : formatBytes(guix["store-free-bytes"]), guix["daemon-protocol"] ?? "?", String(guix.builds.length)];
  };
  const rows = entries.map((entry) => {
    const name = `${entry.name}:${entry.port}`;
    const slots = `${entry["slots-in-use"]}/${entry["parallel-builds"]}`;
    if (!entry.reachable) return { cells: [name, "down", "", "", "", "", "", "", "", "", "", "", String(entry.speed), slots, ...guixCells(entry)], entry };
    const normalized = entry["normalized-load"] ?? 1;
    return {
      cells: [
        name,
        entry.overloaded === true ? "overloaded" : "up",
        entry.hostname ?? "",
        entry.kernel ?? "",
        entry.architecture ?? "",
        entry["uptime-seconds"] === null ? "?" : formatDuration(entry["uptime-seconds"]),
        (entry.load ?? []).map((value) => value.toFixed(2)).join(" "),
        String(entry.cores ?? "?"),
        normalized.toFixed(2),
        entry["memory-available-bytes"] === null ? "?" : formatBytes(entry["memory-available-bytes"]),
        entry["disk-free-bytes"] === null ? "?" : formatBytes(entry["disk-free-bytes"]),
        formatOffset(entry["clock-offset-seconds"]),
        String(entry.speed),
        slots,
        ...guixCells(entry),
      ],
      entry,
    };
  });
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row.cells[i]!.length)));
  const paint = (cell: string, column: number, entry: StatusEntry): string => {
    const padded = cell.padEnd(widths[column]!);
    if (column === 1) return entry.reachable ? (entry.overloaded === true ? colors.yellow(padded) : colors.green(padded)) : colors.red(padded);
    if (column === 8 && entry.overloaded === true) return colors.yellow(padded);
    if (column === 11 && Math.abs(entry["clock-offset-seconds"] ?? 0) >= 1) return colors.yellow(padded);
    return padded;
  };
  const lines = [
    colors.bold(
      headers
        .map((header, i) => header.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    ),
  ];
  for (const { cells, entry } of rows)
    lines.push(
      cells
        .map((cell, i) => paint(cell, i, entry))
        .join("  ")
        .trimEnd(),
    );
  for (const entry of entries) {
    if (entry.error !== null) lines.push(colors.red(`${entry.name}:${entry.port}: ${entry.error.split("\n")[0]}`));
    else if (entry.guix?.error != null) lines.push(colors.yellow(`${entry.name}:${entry.port}: guix: ${entry.guix.error}`));
    for (const build of entry.guix?.builds ?? [])
      lines.push(`${entry.name}:${entry.port}: building ${build["drv-path"]} (process ${build.pid}, since ${build.since})`);
  }
  return `${lines.join("\n")}\n`;
}

/** HH:MM:SS on a 24-hour clock, local time, whatever the locale. */
function clockTime(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

function formatOffset(seconds: number | null): string {
  if (seconds === null) return "?";
  return `${seconds >= 0 ? "+" : ""}${seconds.toFixed(Math.abs(seconds) < 10 ? 2 : 0)}s`;
}
