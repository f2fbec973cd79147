/**
 * A whole offloading set-up for the build hook's tests, without Guix: a
 * local test daemon (store-server.ts) for the hook's host, and per build
 * machine a test daemon plus a real OpenSSH server whose sessions find a
 * `guix` on their PATH that imports into that daemon (fake-guix.ts). All
 * daemons share one store directory string, so store paths are the same on
 * every side, each keeping its files in its own directory (the hook writes
 * outputs to the local one through OFFLOAD_REAL_STORE_DIR). Signing keys
 * are authorized both ways, as `guix archive --authorize` would do.
 *
 * @example
 * import { hookFarm } from "../helpers/hook-farm.ts";
 * const farm = await hookFarm(2, { parallelBuilds: 2 });
 * const drv = await farm.derivation("hello", "echo hi > $out");
 * const result = await farm.driver().build(drv);
 * await farm.stop();
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildMachine } from "../../src/machines/types.ts";
import { makeDerivation, parseDerivation, type DerivationSpec } from "../../src/store/derivation.ts";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { offloadCommand } from "./cli.ts";
import { fakeGuixDirectory } from "./fake-guix.ts";
import { HookDriver, type HookDriverOptions } from "./hook-driver.ts";
import { startFarm, writeMachinesFile, type SshdOptions, type TestSshd } from "./sshd.ts";
import { StoreServer } from "./store-server.ts";
import { tempDir } from "./temp-dir.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The hook's program as the daemon gets it: bin/offload-guix. */
export const OFFLOAD_GUIX = join(repoRoot, "bin", "offload-guix");

/** A running set-up. */
export interface HookFarm {
  /** The store directory of every daemon (part of every path). */
  storeDir: string;
  /** The hook's host's daemon. */
  local: StoreServer;
  /** One daemon per build machine. */
  remotes: StoreServer[];
  /** One SSH server per build machine. */
  servers: TestSshd[];
  machines: BuildMachine[];
  machinesFile: string;
  stateDir: string;
  /** The environment the daemon gives its hook. */
  env: NodeJS.ProcessEnv;
  /** A daemon-side driver for this farm. */
  driver(options?: Partial<HookDriverOptions>): HookDriver;
  /** Add a derivation with builder /bin/sh -c SCRIPT to the local store; returns its .drv path. */
  derivation(name: string, script: string, extra?: Partial<DerivationSpec>): Promise<string>;
  /** Rewrite machines.scm with other settings. */
  rewriteMachines(each: (index: number) => Partial<BuildMachine>): void;
  stop(): Promise<void>;
}

/**
 * Start a farm of `count` build machines.
 *
 * @example
 * const farm = await hookFarm(1);
 */
export async function hookFarm(
  count: number,
  overrides: Partial<BuildMachine> = {},
  each: (index: number) => Partial<BuildMachine> = () => ({}),
  sshd: SshdOptions = {},
): Promise<HookFarm> {
  const base = tempDir("offload-hook-farm-");
  const storeDir = join(base, "gnu", "store");
  const local = await StoreServer.start({ storeDir });
  const remotes = await Promise.all(Array.from({ length: count }, () => StoreServer.start({ storeDir })));
  for (const remote of remotes) remote.setAuthorizedKeys([remote.signingKey.publicKey, local.signingKey.publicKey]);
  local.setAuthorizedKeys([local.signingKey.publicKey, ...remotes.map((remote) => remote.signingKey.publicKey)]);
  const guixBin = fakeGuixDirectory();
  const { servers } = await startFarm(count, { ...sshd, rc: `export PATH=${guixBin}:$PATH NIX_STORE_DIR=${storeDir}\n${sshd.rc ?? ""}` });
  const machinesFile = join(base, "machines.scm");
  const stateDir = join(base, "state");
  const machineList = (extra: (index: number) => Partial<BuildMachine>): BuildMachine[] =>
    writeMachinesFile(
      machinesFile,
      servers.map((server, index) =>
        server.machine({
          overloadThreshold: null,
          systems: [local.system],
          daemonSocket: remotes[index]!.socketPath,
          ...overrides,
          ...each(index),
          ...extra(index),
        }),
      ),
    );
  const machines = machineList(() => ({}));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NIX_STORE_DIR: storeDir,
    OFFLOAD_REAL_STORE_DIR: local.realStoreDir,
    GUIX_DAEMON_SOCKET: local.socketPath,
    GUIX_CONFIGURATION_DIRECTORY: local.configDir,
    OFFLOAD_STATE_DIR: stateDir,
    OFFLOAD_MACHINES: machinesFile,
    OFFLOAD_PROGRAM: offloadCommand().join(" "),
    NO_COLOR: "1",
  };
  for (const name of ["SSH_AUTH_SOCK", "OFFLOAD_KEY_PASSPHRASE", "OFFLOAD_VERBOSE", "FORCE_COLOR"]) delete env[name];
  const farm: HookFarm = {
    storeDir,
    local,
    remotes,
    servers,
    machines,
    machinesFile,
    stateDir,
    env,
    driver: (options = {}) => new HookDriver({ program: [OFFLOAD_GUIX], env, store: local, ...options }),
    derivation: async (name, script, extra = {}) => {
      const made = makeDerivation({ name, system: local.system, builder: "/bin/sh", args: ["-c", script], ...extra }, storeDir, (path) =>
        parseDerivation(readFileSync(local.physical(path), "utf8")),
      );
      const store = await local.connect();
      try {
        const path = await store.addTextToStore(`${name}.drv`, made.text, made.references);
        if (path !== made.path) throw new Error(`the local daemon stored ${name}.drv as ${path}, not ${made.path}`);
        return path;
      } finally {
        store.close();
      }
    },
    rewriteMachines: (extra) => {
      farm.machines = machineList(extra);
    },
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await Promise.all([local, ...remotes].map((server) => server.stop()));
    },
  };
  return farm;
}

/**
 * End the connection holders that hook processes started for `stateDir`
 * (src/ssh/holder.ts keeps them in holders/UID/ there, each token file
 * naming its PID). A holder outlives its hook by design; a set-up whose SSH
 * server keeps its sessions after it stops (the real-daemon set-up's) would
 * otherwise keep them, and whoever reads that server's log, for the
 * holder's idle time.
 *
 * @example
 * await setup.stop();
 * stopHolders(setup.stateDir);
 */
export function stopHolders(stateDir: string): void {
  const dir = join(stateDir, "holders", String(process.getuid?.() ?? "user"));
  const tokens = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".token")) : [];
  for (const token of tokens) {
    const pid = Number(readFileSync(join(dir, token), "utf8").split(" ")[1]);
    // Only a holder: the PID of one that is gone may have been reused.
    const command = Number.isInteger(pid) && pid > 0 ? readIfExists(`/proc/${pid}/cmdline`).split("\0") : [];
    if (command.at(-2) !== "hold") continue;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Gone meanwhile.
    }
  }
}

function readIfExists(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
