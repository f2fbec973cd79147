/**
 * Connections that outlive one process, like OpenSSH's ControlPersist: the
 * first offload process that needs a machine starts a connection holder
 * (holder-server.ts) for it — a detached process of the same user — and
 * later processes send their channels through it, borrow its ready runners,
 * and pay no handshake and no login shell. The holder exits after an idle
 * time (`persistMs`; 0 means no holder at all).
 *
 * One holder per user and per way of connecting: its socket lives in the
 * state directory under `holders/UID/` (mode 0700), named by a hash of
 * everything that decides the connection (name, port, user, private key,
 * pinned host key, compression), so a changed machines entry never reaches
 * an old holder. A client reads the holder's token from a file only its user
 * can read; the holder refuses requests without it, and a client refuses a
 * socket or token file it does not own. A holder that does not answer in
 * time is killed and replaced; a client that cannot use a holder at all
 * connects by itself (so a connection failure is reported as always). A
 * holder that is running but slow to answer (busy, on a loaded machine) is
 * waited for a while and never killed.
 *
 * @example
 * import { connectViaHolder } from "./holder.ts";
 * const session = (await connectViaHolder(machine, connect, { stateDir, persistMs: 60_000, command })) ?? (await SshSession.connect(machine, connect));
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { NegotiatedAlgorithms } from "ssh2";
import type { BuildMachine } from "../machines/types.ts";
import type { ConnectOptions } from "./connect.ts";
import { HOLDER_ANSWER_MS, HolderTransport } from "./holder-client.ts";
import type { HolderConfig } from "./holder-server.ts";
import { readLine } from "./holder-protocol.ts";
import { machineKey } from "./machine-key.ts";
import { SshSession } from "./session.ts";

/** How processes use holders. */
export interface HolderSettings {
  /** The state directory (holders/UID/ below it). */
  stateDir: string;
  /** Idle time before a holder exits, in milliseconds; 0: no holder. */
  persistMs: number;
  /** The command that starts a holder, reading its configuration on stdin (the CLI's hidden `offload hold`). */
  command: readonly string[];
  /** Start a holder where none runs (default); false: only use running ones (a quick look such as `status`). */
  start?: boolean;
}

/** The default idle time of a holder. */
export const DEFAULT_PERSIST_MS = 60_000;

/** Unix socket paths are limited to 107 bytes. */
const MAX_SOCKET_PATH = 107;

/** Where the holder of `machine` lives. */
export interface HolderPaths {
  dir: string;
  socket: string;
  token: string;
}

/**
 * What decides a connection: two records share a holder only when all of it is equal.
 *
 * @example
 * import type { BuildMachine } from "../machines/types.ts";
 * const machine = {
 *   name: "build1", port: 22, user: "builder", privateKey: "/root/.ssh/id_ed25519",
 *   hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 root@build1", compression: "zlib@openssh.com,zlib", compressionLevel: 3,
 * } as BuildMachine;
 * /^[0-9a-f]{24}$/.test(holderKey(machine)); // true
 * // the host key's comment does not decide the connection; the user does
 * holderKey({ ...machine, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5" }) === holderKey(machine); // true
 * holderKey({ ...machine, user: "alice" }) === holderKey(machine); // false
 */
export function holderKey(machine: BuildMachine): string {
  const pinned = machine.hostKey.trim().split(/\s+/).slice(0, 2).join(" ");
  return createHash("sha256")
    .update(JSON.stringify([machineKey(machine), machine.user, machine.privateKey, pinned, machine.compression, machine.compressionLevel]))
    .digest("hex")
    .slice(0, 24);
}

/**
 * The paths of `machine`'s holder in `stateDir` for this user.
 *
 * @example
 * import type { BuildMachine } from "../machines/types.ts";
 * const machine = {
 *   name: "build1", port: 22, user: "builder", privateKey: null, hostKey: "ssh-ed25519 AAAA", compression: "none", compressionLevel: 3,
 * } as BuildMachine;
 * const paths = holderPaths(machine, "/var/lib/offload");
 * const dir = `/var/lib/offload/holders/${process.getuid!()}`;
 * paths.dir === dir; // true
 * paths.socket === `${dir}/${holderKey(machine)}.sock`; // true
 * paths.token === `${dir}/${holderKey(machine)}.token`; // true
 */
export function holderPaths(machine: BuildMachine, stateDir: string): HolderPaths {
  const dir = join(stateDir, "holders", String(process.getuid?.() ?? "user"));
  const key = holderKey(machine);
  return { dir, socket: join(dir, `${key}.sock`), token: join(dir, `${key}.token`) };
}

/** Our own directory (created 0700), or null when it is someone else's or open to others. */
function ownDirectory(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const info = lstatSync(dir);
    return info.isDirectory() && info.uid === process.getuid?.() && (info.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** The token file's contents if it is ours: the token and the holder's PID and start time. */
function readToken(paths: HolderPaths): { token: string; pid: number; start: string } | null {
  try {
    const info = lstatSync(paths.token);
    if (!info.isFile() || info.uid !== process.getuid?.() || (info.mode & 0o077) !== 0) return null;
    const socket = lstatSync(paths.socket);
    if (!socket.isSocket() || socket.uid !== process.getuid?.()) return null;
    const [token, pid, start] = readFileSync(paths.token, "utf8").trim().split(" ");
    if (token === undefined || token === "" || pid === undefined) return null;
    return { token, pid: Number(pid), start: start ?? "-" };
  } catch {
    return null;
  }
}

/** The state of process `pid` that started at `start` (clock ticks; "-" unknown): running, stopped (SIGSTOP) or gone. */
function processState(pid: number, start: string): "running" | "stopped" | "gone" {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X" || (start !== "-" && fields[19] !== start)) return "gone";
    return fields[0] === "T" || fields[0] === "t" ? "stopped" : "running";
  } catch {
    return "gone";
  }
}

/** A holder busy with many clients on a loaded machine answers late; only after this long does it count as stuck. */
const STUCK_HOLDER_MS = 15_000;

/**
 * Attach to the holder if one answers. One that is gone (its socket refuses)
 * or stopped (SIGSTOP: it cannot answer) makes room for a new one — a
 * stopped one is killed; one that is running but slow is waited for, up to
 * {@link STUCK_HOLDER_MS}, and never killed (its clients' jobs run through
 * it): then this client connects by itself.
 */
async function attach(machine: BuildMachine, paths: HolderPaths, maxChannels: number | undefined): Promise<SshSession | null | "busy"> {
  const token = readToken(paths);
  if (token === null) return null;
  const deadline = Date.now() + STUCK_HOLDER_MS;
  for (let round = 0; round < 20; round++) {
    try {
      const transport = await HolderTransport.attach(paths.socket, token.token, HOLDER_ANSWER_MS);
      const info = transport.info;
      return SshSession.overHolder(
        machine,
        transport,
        info.negotiated as NegotiatedAlgorithms,
        { cipher: info.cipher ?? "unknown", path: info.crypto ?? "javascript" },
        maxChannels,
      );
    } catch {
      const state = processState(token.pid, token.start);
      if (state === "gone") return null;
      if (state === "stopped") {
        try {
          process.kill(token.pid, "SIGKILL");
        } catch {
          // Gone meanwhile.
        }
        for (let i = 0; i < 100 && processState(token.pid, token.start) !== "gone"; i++) await sleep(10);
        return null;
      }
      if (Date.now() >= deadline) return "busy";
    }
  }
  return "busy";
}

/** Start a holder; resolves with its first line's verdict. */
async function startHolder(
  machine: BuildMachine,
  options: ConnectOptions,
  paths: HolderPaths,
  settings: HolderSettings,
): Promise<"ready" | "exists" | "failed"> {
  const [command, ...args] = settings.command;
  if (command === undefined) return "failed";
  const config: HolderConfig = {
    machine,
    connect: {
      timeoutMs: options.timeoutMs,
      keepaliveIntervalMs: options.keepaliveIntervalMs,
      keepaliveCountMax: options.keepaliveCountMax,
      passphrase: options.passphrase,
      agentSocket: options.agentSocket,
      maxChannels: options.maxChannels,
    },
    socketPath: paths.socket,
    tokenPath: paths.token,
    persistMs: settings.persistMs,
  };
  // Detached: its own session, so no terminal's hang-up or Ctrl-C reaches it; credentials go on its stdin, never its arguments.
  const child = spawn(command, args, { detached: true, stdio: ["pipe", "pipe", "ignore"] });
  child.on("error", () => undefined);
  child.stdin!.on("error", () => undefined);
  child.stdin!.end(`${JSON.stringify(config)}\n`);
  try {
    const { line } = await readLine(child.stdout!, 1 << 16, (options.timeoutMs ?? 30_000) + 5_000);
    const verdict = JSON.parse(line) as { ok: boolean; error?: { code: string } };
    if (verdict.ok) return "ready";
    return verdict.error?.code === "holder-exists" ? "exists" : "failed";
  } catch {
    child.kill("SIGKILL");
    return "failed";
  } finally {
    child.stdout!.destroy();
    child.unref();
  }
}

/**
 * A session to `machine` through its holder, starting one if needed; null
 * when no holder can be used (turned off, the paths are not ours, or it
 * failed to connect): then connect directly, which reports any failure
 * exactly as without holders.
 *
 * @example
 * import type { BuildMachine } from "../machines/types.ts";
 * const machine = { name: "build1", port: 22, problems: [] } as unknown as BuildMachine;
 * // persistMs 0 turns holders off: the caller connects by itself
 * await connectViaHolder(machine, {}, { stateDir: "/var/lib/offload", persistMs: 0, command: ["offload", "hold"] }); // null
 */
export async function connectViaHolder(machine: BuildMachine, options: ConnectOptions, settings: HolderSettings): Promise<SshSession | null> {
  if (settings.persistMs <= 0 || machine.problems.length > 0) return null;
  const paths = holderPaths(machine, settings.stateDir);
  if (paths.socket.length > MAX_SOCKET_PATH || !ownDirectory(paths.dir)) return null;
  const existing = await attach(machine, paths, options.maxChannels);
  if (existing === "busy") return null;
  if (existing !== null || settings.start === false) return existing;
  const verdict = await startHolder(machine, options, paths, settings);
  if (verdict === "failed") return null;
  // Ready (ours) or already there (another process's, starting): attach, briefly retrying.
  for (let i = 0; i < 50; i++) {
    const session = await attach(machine, paths, options.maxChannels);
    if (session === "busy") return null;
    if (session !== null) return session;
    await sleep(20);
  }
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
