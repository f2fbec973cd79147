/**
 * Wiring one hook process: the configuration from the environment, one SSH
 * link per machine shared by the probe and the build, the probe that
 * measures the store's file system, the remote daemon socket each probe
 * learned (the remote `GUIX_DAEMON_SOCKET` wins over the record's
 * `daemon-socket`, remembered in the state directory for hooks that reuse a
 * cached probe), and the machines file read through the engine's cache.
 *
 * @example
 * import { hookOptions } from "./setup.ts";
 * const options = hookOptions({ args, env: process.env, machinesFile, stateDir, verbose: false, holdMs: 5000, connect: {} });
 * process.exitCode = await runHook(options, io);
 */
import { join } from "node:path";
import { loadMachinesCached, type LoadedMachines } from "../../machines/cache.ts";
import { formatLocation } from "../../../grammar/source.ts";
import { SchemeError } from "../../scheme/errors.ts";
import { HookError } from "./errors.ts";
import type { BuildMachine } from "../../machines/types.ts";
import type { ConnectOptions } from "../../ssh/connect.ts";
import { machineKey } from "../../ssh/machine-key.ts";
import { readJsonFile, writeJsonFile } from "../json-file.ts";
import { machineFileName } from "../state-dir.ts";
import type { HookArguments } from "./arguments.ts";
import { hookConfig } from "./config.ts";
import type { HookOptions } from "./hook.ts";
import { LinkCache, sshLinkOpener, type LinkOpener } from "./machine-link.ts";
import { probeBuildMachine } from "./remote-probe.ts";

/** Set to `record` to compress large transfers as the record's `compression` says (slow links). */
export const BULK_COMPRESSION_ENV = "OFFLOAD_HOOK_BULK_COMPRESSION";

/** Guix's timeout for probes (`%short-timeout`). */
export const PROBE_TIMEOUT_MS = 15_000;

/** What a hook process is started with. */
export interface HookSetup {
  args: HookArguments;
  env: Readonly<Record<string, string | undefined>>;
  machinesFile: string;
  stateDir: string;
  verbose: boolean;
  holdMs: number;
  connect: ConnectOptions;
  /** How to reach machines; default one SSH connection each. */
  opener?: LinkOpener;
}

function socketFile(stateDir: string, machine: BuildMachine): string {
  return join(stateDir, "daemon-sockets", `${machineFileName(machine)}.json`);
}

/**
 * The machines file as Guix reads it (a missing file is no machines); a file
 * that does not load is a HookError `machines-file` with the located
 * message, as `guix offload` reports it before failing.
 *
 * @example
 * const { machines } = await loadMachinesFile("/etc/guix/machines.scm", stateDir, process.env);
 */
export async function loadMachinesFile(file: string, stateDir: string, env: Readonly<Record<string, string | undefined>>): Promise<LoadedMachines> {
  try {
    return await loadMachinesCached(file, stateDir, env);
  } catch (error) {
    if (error instanceof SchemeError) {
      const where = error.location === null ? `${file}: ` : `${formatLocation(error.location)}: `;
      throw new HookError("machines-file", `${where}${error.message}`, { cause: error });
    }
    throw new HookError("machines-file", `failed to load machine file '${file}': ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * The options {@link runHook} needs.
 *
 * @example
 * const options = hookOptions(setup);
 */
export function hookOptions(setup: HookSetup): HookOptions {
  const config = hookConfig(setup.env);
  const links = new LinkCache(setup.opener ?? sshLinkOpener(setup.connect));
  const overrides = new Map<string, string | null>();
  return {
    args: setup.args,
    config,
    stateDir: setup.stateDir,
    loadMachines: () => loadMachinesFile(setup.machinesFile, setup.stateDir, setup.env),
    links,
    probe: async (machine) => {
      const facts = await probeBuildMachine(await links.get(machine), config.storeDir, PROBE_TIMEOUT_MS);
      overrides.set(machineKey(machine), facts.daemonSocketOverride);
      const stored = readJsonFile(socketFile(setup.stateDir, machine));
      if ((typeof stored === "string" ? stored : null) !== facts.daemonSocketOverride) writeJsonFile(socketFile(setup.stateDir, machine), facts.daemonSocketOverride);
      return { load: facts.load, cores: facts.cores, diskFreeBytes: facts.diskFreeBytes };
    },
    daemonSocket: (machine) => {
      const key = machineKey(machine);
      if (!overrides.has(key)) {
        const stored = readJsonFile(socketFile(setup.stateDir, machine));
        overrides.set(key, typeof stored === "string" ? stored : null);
      }
      return overrides.get(key) ?? machine.daemonSocket;
    },
    holdMs: setup.holdMs,
    verbose: setup.verbose,
    compressBulk: setup.env[BULK_COMPRESSION_ENV] === "record",
  };
}
