/**
 * A real offloading set-up for the hook's real-daemon tests and benchmark:
 * two real guix-daemons (guix-daemon.ts), each with its own /gnu/store in
 * a private mount namespace; the build machine's OpenSSH server runs inside
 * its daemon's namespace on 127.0.0.2, so sessions see its store, socket
 * and `guix` (OFFLOAD_TEST_GUIX); the local daemon's `$GUIX` is
 * bin/offload-guix (or, for comparisons, the real guix), its
 * /etc/guix/machines.scm names the build machine, and the signing keys are
 * authorized both ways.
 *
 * @example
 * import { startRealOffload } from "../helpers/real-offload.ts";
 * const setup = await startRealOffload({ hook: "offload" });
 * const store = await setup.local.connect();
 * await setup.stop();
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import type { StoreConnection } from "../../src/store/connection.ts";
import { makeDerivation, parseDerivation, type DerivationSpec } from "../../src/store/derivation.ts";
import { generateSigningKeyPair } from "../../src/store/keys.ts";
import { offloadCommand } from "./cli.ts";
import { GuixDaemon, guixPrograms } from "./guix-daemon.ts";
import { OFFLOAD_GUIX } from "./hook-farm.ts";
import { generateKeyPair, localSystem } from "./sshd.ts";
import { tempDir } from "./temp-dir.ts";

/** Where the build machine's SSH server listens (a loopback address of its own). */
const BUILD_MACHINE_ADDRESS = "127.0.0.2";

/** The static busybox the derivations use as builder (Debian's busybox-static). */
const BUSYBOX = "/bin/busybox";

/** Options of {@link startRealOffload}. */
export interface RealOffloadOptions {
  /** Which hook the local daemon runs: ours (bin/offload-guix) or Guix's own `guix offload`. */
  hook: "offload" | "guix";
  /** Extra environment for the local daemon (and so for its hook). */
  env?: Record<string, string>;
  /** parallel-builds of each build machine. */
  parallelBuilds?: number;
  /** How many build machines (default 1). */
  machines?: number;
  /** The offload command line the hook runs (default: from source through tsx). */
  program?: readonly string[];
  /** Extra environment of the build machines' SSH sessions (default: $OFFLOAD_TEST_REMOTE_ENV, `NAME=VALUE` words). */
  remoteEnv?: readonly string[];
  /** Extra options of the local guix-daemon (e.g. --max-jobs=4). */
  daemonArgs?: readonly string[];
  /** The local daemon's `$GUIX` (default: bin/offload-guix for `offload`, the real guix for `guix`). */
  guixProgram?: string;
}

/** A running set-up. */
export interface RealOffload {
  local: GuixDaemon;
  /** The first build machine's daemon. */
  remote: GuixDaemon;
  remotes: GuixDaemon[];
  stateDir: string;
  /** The build machine as machines.scm describes it (Scheme text). */
  machinesScm: string;
  /** Add the busybox directory to `store`; returns its store path. */
  addBusybox(store: StoreConnection): Promise<string>;
  /** Add a derivation running `busybox sh -c SCRIPT` to `store`; returns its .drv path. */
  derivation(store: StoreConnection, busybox: string, name: string, script: string, extra?: Partial<DerivationSpec>): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Why the real set-up cannot run here, or false.
 *
 * @example
 * describe("real offload", { skip: realOffloadSkipReason() }, () => {});
 */
export function realOffloadSkipReason(): string | false {
  if (guixPrograms() === null) return "no real guix-daemon: set OFFLOAD_TEST_GUIX_DAEMON and OFFLOAD_TEST_GUIX to run these tests";
  if (process.getuid?.() !== 0) return "a real guix-daemon needs root (unshare -m and bind mounts)";
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing (Debian's busybox-static), needed as the builder`;
  return false;
}

/** A port on the build machine's address that nothing listens on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, BUILD_MACHINE_ADDRESS, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Start sshd inside `daemon`'s mount namespace on the build machine's address. */
async function startSshdIn(
  daemon: GuixDaemon,
  guix: string,
  clientPublicLine: string,
  remoteEnv: readonly string[],
): Promise<{ port: number; hostKey: string; child: ChildProcess; stop: () => Promise<void> }> {
  const dir = tempDir("offload-real-sshd-");
  const home = join(dir, "home");
  const bin = join(dir, "bin");
  mkdirSync(home);
  mkdirSync(bin);
  // Debian's bash reads ~/.bashrc for sshd's commands: a quiet one.
  writeFileSync(join(home, ".bashrc"), "");
  writeFileSync(join(bin, "guix"), `#!/bin/sh\nexec ${JSON.stringify(guix)} "$@"\n`, { mode: 0o755 });
  const hostKey = generateKeyPair(dir, { type: "ed25519", comment: "build-machine" });
  writeFileSync(join(dir, "authorized_keys"), `${clientPublicLine}\n`);
  if (!existsSync("/run/sshd")) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  writeFileSync(
    join(dir, "sshd_config"),
    [
      `ListenAddress ${BUILD_MACHINE_ADDRESS}`,
      `Port ${port}`,
      `HostKey ${hostKey.privateKeyFile}`,
      "PidFile none",
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "StrictModes no",
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      `SetEnv HOME=${home} PATH=${bin}:/usr/local/bin:/usr/bin:/bin ${remoteEnv.join(" ")}`.trimEnd(),
      "MaxStartups 100:30:200",
      "MaxSessions 64",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );
  const child = spawn("nsenter", ["-t", String(daemon.pid), "-m", "--", "/usr/sbin/sshd", "-D", "-e", "-f", join(dir, "sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start: ${log}`)), 10_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("Server listening")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}: ${log}`));
    });
  });
  child.stderr!.resume();
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // Gone already.
    }
    await exited;
  };
  return { port, hostKey: hostKey.publicLine.split(" ").slice(0, 2).join(" "), child, stop };
}

/**
 * Start both daemons, the build machine's SSH server and the local machines.scm.
 *
 * @example
 * const setup = await startRealOffload({ hook: "offload" });
 */
export async function startRealOffload(options: RealOffloadOptions): Promise<RealOffload> {
  const programs = guixPrograms();
  if (programs === null) throw new Error("OFFLOAD_TEST_GUIX_DAEMON and OFFLOAD_TEST_GUIX are not set");
  const localKey = generateSigningKeyPair();
  const remoteKeys = Array.from({ length: options.machines ?? 1 }, () => generateSigningKeyPair());
  const stateDir = tempDir("offload-real-state-");
  const remotes = await Promise.all(remoteKeys.map((key) => GuixDaemon.start({ signingKey: key, authorizedKeys: [localKey.publicKey] })));
  const program = options.program ?? offloadCommand();
  const hookEnv: Record<string, string> =
    options.hook === "offload"
      ? {
          GUIX: options.guixProgram ?? OFFLOAD_GUIX,
          OFFLOAD_GUIX: programs.guix,
          OFFLOAD_PROGRAM: program.join(" "),
          OFFLOAD_STATE_DIR: stateDir,
          ...options.env,
        }
      : { ...(options.guixProgram === undefined ? {} : { GUIX: options.guixProgram }), ...options.env };
  const local = await GuixDaemon.start({
    signingKey: localKey,
    authorizedKeys: remoteKeys.map((key) => key.publicKey),
    env: hookEnv,
    extraArgs: options.daemonArgs,
  });
  const client = generateKeyPair(tempDir("offload-real-client-"), { type: "ed25519", comment: "offload-real-client" });
  const remoteEnv = options.remoteEnv ?? (process.env["OFFLOAD_TEST_REMOTE_ENV"] ?? "").split(/\s+/).filter((word) => word !== "");
  const servers: Array<Awaited<ReturnType<typeof startSshdIn>>> = [];
  try {
    for (const remote of remotes) servers.push(await startSshdIn(remote, programs.guix, client.publicLine, remoteEnv));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all([local, ...remotes].map((daemon) => daemon.stop()));
    throw error;
  }
  const machinesScm = [
    "(list",
    ...servers.map((sshd) =>
      [
        "  (build-machine",
        `    (name ${JSON.stringify(BUILD_MACHINE_ADDRESS)})`,
        `    (port ${sshd.port})`,
        `    (systems (list ${JSON.stringify(localSystem())}))`,
        '    (user "root")',
        `    (private-key ${JSON.stringify(client.privateKeyFile)})`,
        `    (host-key ${JSON.stringify(sshd.hostKey)})`,
        `    (parallel-builds ${options.parallelBuilds ?? 1})`,
        "    (overload-threshold #f))",
      ].join("\n"),
    ),
    ")",
    "",
  ].join("\n");
  writeFileSync(join(local.configDir, "machines.scm"), machinesScm);
  return {
    local,
    remote: remotes[0]!,
    remotes,
    stateDir,
    machinesScm,
    addBusybox: async (store) => {
      const dir = tempDir("offload-busybox-");
      mkdirSync(join(dir, "bin"));
      copyFileSync(BUSYBOX, join(dir, "bin", "busybox"));
      execFileSync("chmod", ["0755", join(dir, "bin", "busybox")]);
      return store.addToStore("busybox", dir);
    },
    derivation: async (store, busybox, name, script, extra = {}) => {
      const made = makeDerivation(
        { name, system: localSystem(), builder: `${busybox}/bin/busybox`, args: ["sh", "-c", script], inputSrcs: [busybox], ...extra },
        "/gnu/store",
        (path) => parseDerivation(readFileSync(local.physical(path), "utf8")),
      );
      const path = await store.addTextToStore(`${name}.drv`, made.text, made.references);
      if (path !== made.path) throw new Error(`${name}.drv stored as ${path}, not ${made.path}`);
      return path;
    },
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await Promise.all([local, ...remotes].map((daemon) => daemon.stop()));
    },
  };
}
