/**
 * A real guix-daemon for tests, when one is available: the binary named by
 * OFFLOAD_TEST_GUIX_DAEMON, with OFFLOAD_TEST_GUIX as its `$GUIX` (for
 * `guix authenticate`, which signs exports and checks imports). Tests that
 * need it are skipped, with one line saying why, when those are unset or
 * when not running as root.
 *
 * Each daemon runs as root in a private mount namespace (`unshare -m`) where
 * its own directories are bind-mounted on /gnu/store, /var/guix and
 * /etc/guix, so several daemons (and the host) never share a store. Outside,
 * its files are under `root/store`, its socket at
 * `root/var/daemon-socket/socket`. The daemon runs with --disable-chroot and
 * --no-substitutes (no network here); its signing key and ACL are written by
 * this helper with our own key code, which also checks that the daemon
 * accepts them.
 *
 * @example
 * import { GuixDaemon, guixDaemonSkipReason } from "../helpers/guix-daemon.ts";
 * test("…", { skip: guixDaemonSkipReason() }, async () => {
 *   const daemon = await GuixDaemon.start();
 *   const store = await daemon.connect();
 *   // …
 *   store.close();
 *   await daemon.stop();
 * });
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StoreConnection, type HandshakeOptions } from "../../src/store/connection.ts";
import { aclText, generateSigningKeyPair, type PublicKey, type SigningKeyPair } from "../../src/store/keys.ts";
import { tempDir } from "./temp-dir.ts";

/** The programs a real-daemon test needs. */
export interface GuixPrograms {
  /** Path of a guix-daemon binary. */
  daemon: string;
  /** A `guix` command that can run `guix authenticate`. */
  guix: string;
}

/**
 * The programs from the environment, or null when a real daemon is not available.
 *
 * @example
 * const programs = guixPrograms();
 */
export function guixPrograms(): GuixPrograms | null {
  const daemon = process.env["OFFLOAD_TEST_GUIX_DAEMON"];
  const guix = process.env["OFFLOAD_TEST_GUIX"];
  if (daemon === undefined || daemon === "" || guix === undefined || guix === "") return null;
  return { daemon, guix };
}

/**
 * Why real-daemon tests cannot run here (for `test(…, { skip })`), or false if they can.
 *
 * @example
 * test("handshake with a real daemon", { skip: guixDaemonSkipReason() }, async () => {});
 */
export function guixDaemonSkipReason(): string | false {
  if (guixPrograms() === null) return "no real guix-daemon: set OFFLOAD_TEST_GUIX_DAEMON and OFFLOAD_TEST_GUIX to run these tests";
  if (process.getuid?.() !== 0) return "a real guix-daemon needs root (unshare -m and bind mounts)";
  if (spawnSync("unshare", ["-m", "--propagation", "private", "true"], { stdio: "ignore" }).status !== 0)
    return "a real guix-daemon needs unshare -m, which is not allowed here";
  return false;
}

/** Options for {@link GuixDaemon.start}. */
export interface GuixDaemonOptions {
  /** The daemon's signing key (default: a fresh one). */
  signingKey?: SigningKeyPair;
  /** Keys in its /etc/guix/acl (default: none, as a fresh Guix installation). */
  authorizedKeys?: readonly PublicKey[];
  /** Extra guix-daemon options. */
  extraArgs?: readonly string[];
  /** Extra environment of the daemon, after GUIX=OFFLOAD_TEST_GUIX (so GUIX may be replaced, e.g. by a build hook's wrapper). */
  env?: Readonly<Record<string, string>>;
}

const HOST_MOUNT_POINTS = ["/gnu/store", "/var/guix", "/etc/guix"];

/**
 * A running real guix-daemon.
 *
 * @example
 * const daemon = await GuixDaemon.start({ authorizedKeys: [client.publicKey] });
 */
export class GuixDaemon {
  /** The store directory in paths (always /gnu/store, inside its namespace). */
  readonly storeDir = "/gnu/store";
  readonly realStoreDir: string;
  readonly configDir: string;
  readonly socketPath: string;
  private exited = false;

  private constructor(
    readonly root: string,
    readonly signingKey: SigningKeyPair,
    private readonly child: ChildProcess,
  ) {
    this.realStoreDir = join(root, "store");
    this.configDir = join(root, "etc");
    this.socketPath = join(root, "var", "daemon-socket", "socket");
    child.once("exit", () => {
      this.exited = true;
    });
  }

  /**
   * Starts a daemon in a fresh private store; resolves once its socket exists.
   *
   * @example
   * const daemon = await GuixDaemon.start();
   */
  static async start(options: GuixDaemonOptions = {}): Promise<GuixDaemon> {
    const programs = guixPrograms();
    if (programs === null) throw new Error("OFFLOAD_TEST_GUIX_DAEMON and OFFLOAD_TEST_GUIX are not set");
    const root = tempDir("offload-guix-daemon-");
    const key = options.signingKey ?? generateSigningKeyPair();
    for (const dir of ["store", "var/log", "etc"]) mkdirSync(join(root, dir), { recursive: true });
    chmodSync(join(root, "store"), 0o1775);
    writeFileSync(join(root, "etc", "signing-key.pub"), key.publicText);
    writeFileSync(join(root, "etc", "signing-key.sec"), key.secretText, { mode: 0o600 });
    writeFileSync(join(root, "etc", "acl"), aclText(options.authorizedKeys ?? []));
    // The host needs (empty) mount points; nothing is ever written to them outside the namespace.
    for (const dir of HOST_MOUNT_POINTS) mkdirSync(dir, { recursive: true });
    const script = [
      "set -e",
      'mount --bind "$1/store" /gnu/store',
      'mount --bind "$1/var" /var/guix',
      'mount --bind "$1/etc" /etc/guix',
      "shift",
      'exec "$@"',
    ].join("\n");
    const env: NodeJS.ProcessEnv = { ...process.env, GUIX: programs.guix, GUIX_LOG_DIRECTORY: "/var/guix/log", ...options.env };
    delete env["GUIX_DAEMON_SOCKET"];
    const child = spawn(
      "unshare",
      [
        "-m",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        script,
        "sh",
        root,
        programs.daemon,
        "--disable-chroot",
        "--no-substitutes",
        ...(options.extraArgs ?? []),
      ],
      { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    const log: Buffer[] = [];
    child.stdout!.on("data", (chunk: Buffer) => log.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => log.push(chunk));
    const daemon = new GuixDaemon(root, key, child);
    // Bounded wait: 30 s in steps of 50 ms.
    for (let i = 0; i < 600 && !existsSync(daemon.socketPath); i++) {
      if (daemon.exited) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!existsSync(daemon.socketPath)) {
      await daemon.stop();
      throw new Error(`guix-daemon did not start:\n${Buffer.concat(log).toString()}`);
    }
    return daemon;
  }

  /** The daemon's process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /**
   * Where a store path's file is, seen from outside the namespace.
   *
   * @example
   * readFileSync(daemon.physical(path));
   */
  physical(path: string): string {
    return path.startsWith(`${this.storeDir}/`) ? this.realStoreDir + path.slice(this.storeDir.length) : path;
  }

  /**
   * Rewrites /etc/guix/acl (read by each new `guix authenticate`, one per daemon worker).
   *
   * @example
   * daemon.setAuthorizedKeys([client.publicKey]);
   */
  setAuthorizedKeys(keys: readonly PublicKey[]): void {
    writeFileSync(join(this.configDir, "acl"), aclText(keys));
  }

  /**
   * A client connection to this daemon.
   *
   * @example
   * const store = await daemon.connect();
   */
  connect(options: HandshakeOptions = {}): Promise<StoreConnection> {
    return StoreConnection.connect(this.socketPath, { storeDir: this.storeDir, ...options });
  }

  /**
   * Stops the daemon and its worker processes (by process id), and waits for it to exit.
   *
   * @example
   * await daemon.stop();
   */
  async stop(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    // Workers (one per connection) are the daemon's children, each in a session of its own.
    for (const pid of childrenOf(this.child.pid)) signal(pid, "SIGTERM");
    signal(this.child.pid, "SIGTERM");
    for (let i = 0; i < 100 && !this.exited; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    if (!this.exited) signal(this.child.pid, "SIGKILL");
    for (let i = 0; i < 100 && !this.exited; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Process ids whose parent is `parent` (from /proc). */
function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the parenthesised command name: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}
