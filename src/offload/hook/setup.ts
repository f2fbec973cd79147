/**
 * Wiring one hook process: the configuration from the environment, one SSH
 * session per machine shared by the probe and the build (through the
 * machine's connection holder, which later hook processes reuse), the
 * probe that measures the store's file system, the remote daemon socket each probe
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
import type { HolderSettings } from "../../ssh/holder.ts";
import { machineKey } from "../../ssh/machine-key.ts";
import { SessionPool } from "../../ssh/pool.ts";
import { readJsonFile, writeJsonFile } from "../json-file.ts";
import { machineFileName } from "../state-dir.ts";
import type { HookArguments } from "./arguments.ts";
import { hookConfig } from "./config.ts";
import type { HookOptions } from "./hook.ts";
import { LinkCache } from "./machine-link.ts";
import { probeBuildMachine } from "./remote-probe.ts";

/** Set to `record` to compress large transfers as the record's `compression` says (slow links). */
const BULK_COMPRESSION_ENV = "OFFLOAD_HOOK_BULK_COMPRESSION";

/** Guix's timeout for probes (`%short-timeout`). */
const PROBE_TIMEOUT_MS = 15_000;

/** What a hook process is started with. */
export interface HookSetup {
  args: HookArguments;
  env: Readonly<Record<string, string | undefined>>;
  machinesFile: string;
  stateDir: string;
  verbose: boolean;
  holdMs: number;
  connect: ConnectOptions;
  /** Connection holders to go through (src/cli/persist-option.ts); without, each hook process connects by itself. */
  holder?: HolderSettings;
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
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import type { HookError } from "./errors.ts";
 * const dir = mkdtempSync(join(tmpdir(), "offload-hook-"));
 * const missing = await loadMachinesFile(join(dir, "machines.scm"), dir, {});
 * writeFileSync(join(dir, "broken.scm"), '(list\n  (build-machine (name "build1")))');
 * const broken = await loadMachinesFile(join(dir, "broken.scm"), dir, {}).catch((error: HookError) => [error.code, error.message.replace(dir, "DIR")]);
 * rmSync(dir, { recursive: true });
 * // as Guix: a missing file is no machines
 * [missing.machines, missing.warnings.map((warning) => warning.code)]; // [[], ["missing-file"]]
 * broken; // ["machines-file", "DIR/broken.scm:2:3: missing field initializers (user host-key)"]
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
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import type { BuildMachine } from "../../machines/types.ts";
 * import { parseHookArguments } from "./arguments.ts";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-hook-"));
 * const options = hookOptions({
 *   args: parseHookArguments(["x86_64-linux", "3600", "0", "86400"]),
 *   env: { GUIX_CONFIGURATION_DIRECTORY: "/tmp/etc", OFFLOAD_HOOK_BULK_COMPRESSION: "record" },
 *   machinesFile: "/tmp/etc/machines.scm", stateDir, verbose: false, holdMs: 5000, connect: {},
 * });
 * const machine = { name: "build1", port: 22, daemonSocket: "/var/guix/daemon-socket/socket" } as BuildMachine;
 * // no probe has learned the machine's GUIX_DAEMON_SOCKET: the record's daemon-socket
 * const socket = options.daemonSocket(machine);
 * rmSync(stateDir, { recursive: true });
 * [options.config.aclFile, options.compressBulk, socket]; // ["/tmp/etc/acl", true, "/var/guix/daemon-socket/socket"]
 */
export function hookOptions(setup: HookSetup): HookOptions {
  const config = hookConfig(setup.env);
  const links = new LinkCache(new SessionPool(setup.connect, setup.holder));
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
      if ((typeof stored === "string" ? stored : null) !== facts.daemonSocketOverride)
        writeJsonFile(socketFile(setup.stateDir, machine), facts.daemonSocketOverride);
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
