/**
 * Real OpenSSH servers for tests, on 127.0.0.1 at free ports, with throwaway
 * host and client keys.
 *
 * Who logs in: the user running the tests (root in CI). sshd runs as that user
 * too, so nothing outside a temporary directory is touched. Each server gets
 * its own HOME (`SetEnv HOME=…`), and the login shell's rc file there
 * (`.bashrc`, which Debian's bash reads for sshd commands) only does
 * `cd "$HOME"` — so the remote work directory is per server and root's real
 * ~/.bashrc (pyenv: ~110 ms per command) is never read.
 *
 * Needs Debian's openssh-server (/usr/sbin/sshd) and ssh-keygen; as root it
 * creates /run/sshd (sshd's privilege-separation directory) if missing.
 *
 * @example
 * import { startSshd } from "../../test/helpers/sshd.ts";
 * const server = await startSshd();
 * const session = await SshSession.connect(server.machine());
 * // … server.home is the remote $HOME; server.log() is sshd's log …
 * session.close();
 * await server.stop();
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { arch, userInfo } from "node:os";
import { join } from "node:path";
import type { BuildMachine } from "../../src/machines/types.ts";
import { GUIX_DEFAULTS } from "../../src/offload/hook/config.ts";
import { tempDir } from "./temp-dir.ts";

/** Key algorithms the helpers can generate. */
export type KeyType = "ed25519" | "rsa" | "ecdsa";

/** A generated key pair. */
export interface KeyPair {
  type: KeyType;
  /** Path of the private key file. */
  privateKeyFile: string;
  /** The public key as one OpenSSH line: `TYPE BASE64 COMMENT`. */
  publicLine: string;
}

/** Options for {@link generateKeyPair}. */
export interface KeyOptions {
  type?: KeyType;
  passphrase?: string;
  /** File format of the private key; default the OpenSSH format. */
  format?: "openssh" | "pem" | "pkcs8";
  comment?: string;
  /** bcrypt rounds for an encrypted OpenSSH key; default 2 (ssh-keygen's 16 take ~0.5 s to open in ssh2). */
  kdfRounds?: number;
}

/** Options for {@link startSshd}. */
export interface SshdOptions {
  /** Host keys to give the server, in order; default `["ed25519"]`. The first is what `machine()` pins. */
  hostKeyTypes?: KeyType[];
  /** sshd's `Compression` (delayed zlib) on or off; default on, like OpenSSH. */
  compression?: boolean;
  /** Public-key lines allowed to log in; default the shared client key. */
  authorizedKeys?: string[];
  /** Extra sshd_config lines. */
  config?: string[];
  /** Extra lines for the login shell's rc file (run before every remote command). */
  rc?: string;
}

/** A running test server. */
export interface TestSshd {
  readonly host: string;
  readonly port: number;
  /** PID of the listening sshd. */
  readonly pid: number;
  /** The login user (the user running the tests). */
  readonly user: string;
  /** Temporary directory holding keys, config and `home/`. */
  readonly dir: string;
  /** The remote $HOME and initial working directory. */
  readonly home: string;
  readonly hostKeys: KeyPair[];
  /** The client key authorized by default. */
  readonly clientKey: KeyPair;
  /** A build machine for this server: pins the first host key and uses the client key. */
  machine(overrides?: Partial<BuildMachine>): BuildMachine;
  /** What sshd logged so far (LogLevel VERBOSE). */
  log(): string;
  /** PIDs of the per-connection sshd processes (and their children). */
  sessionPids(): number[];
  /** Signal every per-connection process (default SIGKILL): kills live sessions, keeps the listener. */
  killSessions(signal?: NodeJS.Signals): void;
  /**
   * Signal only the per-connection sshd processes, not the commands they
   * started: SIGSTOP makes a stalled peer (its commands run on, nothing
   * reaches the client), SIGCONT or SIGKILL ends the stall.
   */
  signalConnections(signal: NodeJS.Signals): void;
  /** SIGKILL every session process and the listener, as a crash would (the directory stays, for {@link restart}). */
  crash(): Promise<void>;
  /** Start sshd again after a {@link crash}, on the same port with the same keys. */
  restart(): Promise<void>;
  /** Stop the listener and every session process, then remove the directory. */
  stop(): Promise<void>;
}

const SSHD = "/usr/sbin/sshd";
const running = new Set<TestSshd>();
const children = new Set<ChildProcess>();

/** Kill every server, session and agent this process started (synchronous; temp-dir.ts removes their directories). */
function cleanUpEverything(): void {
  for (const server of running) for (const pid of server.sessionPids()) safeKill(pid, "SIGKILL");
  for (const child of children) if (child.exitCode === null && child.pid !== undefined) safeKill(child.pid, "SIGKILL");
}
process.once("exit", cleanUpEverything);
// Killed by a signal, 'exit' never fires: clean up, then die of the same signal as before.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    cleanUpEverything();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/**
 * Generate a key pair with ssh-keygen in `dir`.
 *
 * @example
 * const key = generateKeyPair(tempDir(), { type: "rsa", format: "pem", passphrase: "secret" });
 */
export function generateKeyPair(dir: string, options: KeyOptions = {}): KeyPair {
  const type = options.type ?? "ed25519";
  const file = join(dir, `${type}-${options.format ?? "openssh"}-${Math.random().toString(36).slice(2, 8)}`);
  const args = ["-q", "-t", type, "-N", options.passphrase ?? "", "-C", options.comment ?? `offload-test-${type}`, "-f", file];
  if (type === "rsa") args.push("-b", "2048");
  if (options.passphrase !== undefined) args.push("-a", String(options.kdfRounds ?? 2));
  if (options.format === "pem") args.push("-m", "PEM");
  if (options.format === "pkcs8") args.push("-m", "PKCS8");
  execFileSync("ssh-keygen", args, { stdio: "ignore" });
  return { type, privateKeyFile: file, publicLine: readFileSync(`${file}.pub`, "utf8").trim() };
}

let sharedKey: KeyPair | undefined;

/**
 * The client key every server authorizes by default (one per test process).
 *
 * @example
 * const key = sharedClientKey();
 */
export function sharedClientKey(): KeyPair {
  sharedKey ??= generateKeyPair(tempDir("offload-client-"), { comment: "offload-test-client" });
  return sharedKey;
}

/**
 * A port on 127.0.0.1 that nothing listens on (at the time of the call).
 *
 * @example
 * const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start an OpenSSH server. Retries with another port when the free port was
 * taken in the meantime.
 *
 * @example
 * const server = await startSshd({ hostKeyTypes: ["ed25519", "rsa", "ecdsa"] });
 */
export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: install Debian's openssh-server (apt-get install openssh-server)`);
  if (process.getuid?.() === 0 && !existsSync("/run/sshd")) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = tempDir("offload-sshd-");
  const home = join(dir, "home");
  mkdirSync(home);
  writeFileSync(join(home, ".bashrc"), `cd "$HOME"\n${options.rc ?? ""}\n`);
  const hostKeys = (options.hostKeyTypes ?? ["ed25519"]).map((type) => generateKeyPair(dir, { type, comment: `host-${type}` }));
  const clientKey = sharedClientKey();
  writeFileSync(join(dir, "authorized_keys"), `${(options.authorizedKeys ?? [clientKey.publicLine]).join("\n")}\n`);
  const user = userInfo().username;

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 8; attempt++) {
    const port = await freePort();
    writeFileSync(join(dir, "sshd_config"), sshdConfig(dir, home, port, hostKeys, options));
    try {
      const { child, log } = await launch(dir);
      const server = makeServer({ dir, home, port, user, hostKeys, clientKey, child, log });
      running.add(server);
      return server;
    } catch (error) {
      lastError = error as Error;
      if (!/Address already in use|Cannot bind any address/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error("sshd did not start");
}

/** A set of servers started together. */
export interface Farm {
  servers: TestSshd[];
  /** One build machine per server. */
  machines(overrides?: Partial<BuildMachine>): BuildMachine[];
  stop(): Promise<void>;
}

/**
 * Start `count` servers in parallel.
 *
 * @example
 * const farm = await startFarm(20);
 * const machines = farm.machines();
 * await farm.stop();
 */
export async function startFarm(count: number, options: SshdOptions = {}): Promise<Farm> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startSshd(options)));
  const servers = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failure = started.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failure !== undefined) {
    await Promise.all(servers.map((server) => server.stop()));
    throw failure.reason;
  }
  return {
    servers,
    machines: (overrides) => servers.map((server) => server.machine(overrides)),
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}

/**
 * A build-machine record as loading gives it, with Guix's defaults and this
 * host's system, for tests that need no server (a server's `machine()` is
 * one pointing at it).
 *
 * @example
 * const record = machineRecord({ name: "b1", features: ["kvm"] });
 * record.port; // 22
 * record.compression; // "zlib@openssh.com,zlib"
 */
export function machineRecord(overrides: Partial<BuildMachine> = {}): BuildMachine {
  return {
    name: "build1",
    port: 22,
    systems: [localSystem()],
    user: "builder",
    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
    privateKey: null,
    compression: "zlib@openssh.com,zlib",
    compressionLevel: 3,
    problems: [],
    daemonSocket: "/var/guix/daemon-socket/socket",
    overloadThreshold: 0.8,
    parallelBuilds: 1,
    speed: 1,
    features: [],
    location: { file: "machines.scm", line: 1, column: 1 },
    ...overrides,
  };
}

/**
 * Write a machines.scm holding `machines` and return them with their
 * `location` pointing into that file. `daemon-socket` is written when it
 * is not Guix's default (which loading gives it back).
 *
 * @example
 * const machines = writeMachinesFile(join(dir, "machines.scm"), farm.machines());
 */
export function writeMachinesFile(file: string, machines: BuildMachine[]): BuildMachine[] {
  const lines = [";; written by test/helpers/sshd.ts", "(list"];
  const located: BuildMachine[] = [];
  for (const machine of machines) {
    located.push({ ...machine, location: { file, line: lines.length + 1, column: 2 } });
    const fields: Array<[string, string]> = [
      ["name", scheme(machine.name)],
      ["port", String(machine.port)],
      ["systems", `(list ${machine.systems.map(scheme).join(" ")})`],
      ["user", scheme(machine.user)],
      ["host-key", scheme(machine.hostKey)],
      ["private-key", machine.privateKey === null ? "#f" : scheme(machine.privateKey)],
      ["compression", scheme(machine.compression)],
      ["parallel-builds", String(machine.parallelBuilds)],
      ["speed", Number.isInteger(machine.speed) ? `${machine.speed}.0` : String(machine.speed)],
      ["overload-threshold", machine.overloadThreshold === null ? "#f" : String(machine.overloadThreshold)],
      ["features", `(list ${machine.features.map(scheme).join(" ")})`],
      ...(machine.daemonSocket === GUIX_DEFAULTS.daemonSocket ? [] : [["daemon-socket", scheme(machine.daemonSocket)] as [string, string]]),
    ];
    lines.push(` (build-machine`);
    for (const [name, value] of fields) lines.push(`   (${name} ${value})`);
    lines[lines.length - 1] += ")";
  }
  lines[lines.length - 1] += ")";
  writeFileSync(file, `${lines.join("\n")}\n`);
  return located;
}

/** A TCP server that accepts connections and never says anything. */
export interface SilentServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Start a server that accepts TCP but never speaks SSH (for timeouts).
 *
 * @example
 * const silent = await startSilentServer();
 */
export function startSilentServer(): Promise<SilentServer> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    });
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        port,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A running ssh-agent. */
export interface TestAgent {
  socket: string;
  /** Add an unencrypted private key file to the agent. */
  add(privateKeyFile: string): void;
  stop(): Promise<void>;
}

/**
 * Start a private ssh-agent.
 *
 * @example
 * const agent = await startAgent();
 * agent.add(decryptedCopy(key, "secret"));
 */
export async function startAgent(): Promise<TestAgent> {
  const dir = tempDir("offload-agent-");
  const socket = join(dir, "agent.sock");
  const child = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
  children.add(child);
  for (let tries = 0; tries < 200 && !existsSync(socket); tries++) await sleep(10);
  if (!existsSync(socket)) throw new Error("ssh-agent did not create its socket");
  return {
    socket,
    add: (file) => {
      execFileSync("ssh-add", ["-q", file], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: "ignore" });
    },
    stop: () => stopChild(child),
  };
}

/**
 * Copy an encrypted key to a new file without its passphrase (to load it into an agent).
 *
 * @example
 * agent.add(decryptedCopy(key, "secret"));
 */
export function decryptedCopy(key: KeyPair, passphrase: string): string {
  const copy = `${key.privateKeyFile}.clear`;
  writeFileSync(copy, readFileSync(key.privateKeyFile), { mode: 0o600 });
  execFileSync("ssh-keygen", ["-q", "-p", "-P", passphrase, "-N", "", "-f", copy], { stdio: "ignore" });
  return copy;
}

/**
 * The Guix system type of this host, e.g. `x86_64-linux`.
 *
 * @example
 * localSystem(); // "x86_64-linux"
 */
export function localSystem(): string {
  const names: Record<string, string> = { x64: "x86_64", arm64: "aarch64", ia32: "i686", arm: "armhf", ppc64: "powerpc64le", riscv64: "riscv64" };
  return `${names[arch()] ?? arch()}-linux`;
}

// ————— internals —————

function sshdConfig(dir: string, home: string, port: number, hostKeys: KeyPair[], options: SshdOptions): string {
  return [
    "ListenAddress 127.0.0.1",
    `Port ${port}`,
    ...hostKeys.map((key) => `HostKey ${key.privateKeyFile}`),
    "PidFile none",
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    "StrictModes no",
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    `SetEnv HOME=${home}`,
    `Compression ${options.compression === false ? "no" : "yes"}`,
    "Subsystem sftp internal-sftp",
    "MaxStartups 100:30:200",
    "LogLevel VERBOSE",
    ...(options.config ?? []),
    "",
  ].join("\n");
}

function launch(dir: string): Promise<{ child: ChildProcess; log: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
    children.add(child);
    let log = "";
    const timer = setTimeout(() => {
      safeKill(child.pid, "SIGKILL");
      reject(new Error(`sshd did not start within 10 s: ${log}`));
    }, 10_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString("utf8");
      if (log.includes("Server listening on")) {
        clearTimeout(timer);
        resolve({ child, log: () => log });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`sshd exited with status ${code}: ${log.trim()}`));
    });
  });
}

function makeServer(parts: {
  dir: string;
  home: string;
  port: number;
  user: string;
  hostKeys: KeyPair[];
  clientKey: KeyPair;
  child: ChildProcess;
  log: () => string;
}): TestSshd {
  const { dir, home, port, user, hostKeys, clientKey } = parts;
  // The listener changes when the server is restarted after a crash.
  let child = parts.child;
  let log = parts.log;
  const sessionPids = (): number[] => (child.pid === undefined || child.exitCode !== null ? [] : descendants(child.pid));
  const server: TestSshd = {
    host: "127.0.0.1",
    port,
    get pid() {
      return child.pid ?? -1;
    },
    user,
    dir,
    home,
    hostKeys,
    clientKey,
    machine: (overrides = {}) =>
      machineRecord({
        name: "127.0.0.1",
        port,
        user,
        hostKey: hostKeys[0]!.publicLine,
        privateKey: clientKey.privateKeyFile,
        location: { file: join(dir, "machines.scm"), line: 1, column: 1 },
        ...overrides,
      }),
    log: () => log(),
    sessionPids,
    killSessions: (signal = "SIGKILL") => {
      for (const pid of sessionPids()) safeKill(pid, signal);
    },
    signalConnections: (signal) => {
      for (const pid of sessionPids()) if (commandName(pid) === "sshd") safeKill(pid, signal);
    },
    crash: async () => {
      // Sessions first: once the listener is gone they are no longer found below it.
      for (const pid of sessionPids()) safeKill(pid, "SIGKILL");
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      safeKill(child.pid, "SIGKILL");
      await exited;
      children.delete(child);
    },
    restart: async () => {
      let lastError: Error | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          ({ child, log } = await launch(dir));
          return;
        } catch (error) {
          // The port may still be held for a moment by the crashed listener's last connections.
          lastError = error as Error;
          await sleep(100);
        }
      }
      throw lastError ?? new Error("sshd did not restart");
    },
    stop: async () => {
      running.delete(server);
      for (const pid of sessionPids()) safeKill(pid, "SIGKILL");
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

async function stopChild(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  safeKill(child.pid, "SIGTERM");
  const timer = setTimeout(() => safeKill(child.pid, "SIGKILL"), 2000);
  await exited;
  clearTimeout(timer);
}

/** Every process below `root` in the process tree (read from /proc). */
function descendants(root: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // exited meanwhile
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = childrenOf.get(ppid) ?? [];
    list.push(Number(entry));
    childrenOf.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const pid of childrenOf.get(queue.shift()!) ?? []) {
      found.push(pid);
      queue.push(pid);
    }
  }
  return found;
}

/** A process's command name (from /proc/PID/stat), or null once it is gone. */
function commandName(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  } catch {
    return null;
  }
}

function safeKill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function scheme(text: string): string {
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
