/**
 * Connection reuse: SSH sessions shared by every caller in the process, one
 * per machine and lane. A machine that runs many commands at once gets
 * several connections ("lanes"): OpenSSH refuses more than `MaxSessions`
 * (default 10) channels per connection, and each job keeps one or two open
 * while it runs, so {@link laneOf} spreads slots over connections,
 * {@link JOBS_PER_CONNECTION} to a lane. A failed or lost connection is
 * dropped from the pool, so the next `get` connects afresh.
 *
 * A session is shared only by records that connect the same way: the same
 * {@link machineKey} (name and port, as Guix identifies machines), user,
 * private key, pinned host key (its comment aside) and compression.
 *
 * @example
 * import { laneOf, SessionPool } from "./pool.ts";
 * const pool = new SessionPool({ timeoutMs: 10_000 });
 * const session = await pool.get(machine);                 // connects
 * const again = await pool.get(machine);                   // the same session
 * const other = await pool.get(machine, laneOf(slotIndex)); // lane 1 for slots 4 to 7
 * pool.closeAll();
 */
import type { BuildMachine } from "../machines/types.ts";
import { machineKey } from "./machine-key.ts";
import { connectViaHolder, type HolderSettings } from "./holder.ts";
import { SshSession, type ConnectOptions } from "./session.ts";

/** Jobs sharing one SSH connection. */
export const JOBS_PER_CONNECTION = 4;

/**
 * The lane (connection number) for a slot index.
 *
 * @example
 * laneOf(3); // 0
 * laneOf(4); // 1
 */
export function laneOf(slotIndex: number): number {
  return Math.floor(Math.max(0, slotIndex) / JOBS_PER_CONNECTION);
}

/** A process-wide cache of sessions. */
export class SessionPool {
  private readonly sessions = new Map<string, Promise<SshSession>>();
  /** Bumped by closeAll, so connections still in flight then are closed when they arrive. */
  private generation = 0;

  constructor(
    private readonly options: ConnectOptions = {},
    /** Connection holders to go through (holder.ts); without, every session is a connection of its own. */
    private readonly holder?: HolderSettings,
  ) {}

  /**
   * The session for `machine` on `lane` (default 0), connecting if there is
   * none (concurrent calls share one connection attempt). Rejects with the
   * connect error, which is not kept: the next call tries again.
   *
   * @example
   * import type { BuildMachine } from "../machines/types.ts";
   * import type { SshError } from "./errors.ts";
   * // nothing listens on port 1
   * const machine = { name: "127.0.0.1", port: 1, hostKey: "ssh-ed25519 AAAA", problems: [] } as unknown as BuildMachine;
   * const pool = new SessionPool({ timeoutMs: 5000 });
   * const a = pool.get(machine);
   * const b = pool.get(machine);
   * a === b; // true
   * pool.size; // 1
   * await a.catch((error: SshError) => error.code); // "refused"
   * // the failure is not kept: the next get connects again
   * pool.size; // 0
   */
  get(machine: BuildMachine, lane = 0): Promise<SshSession> {
    const key = connectionKey(machine, lane);
    const existing = this.sessions.get(key);
    if (existing !== undefined) return existing;
    const generation = this.generation;
    const forget = (): void => {
      if (this.sessions.get(key) === connecting) this.sessions.delete(key);
    };
    const connecting = this.open(machine).then(
      (session) => {
        if (generation !== this.generation) session.close();
        else session.onClose(forget);
        return session;
      },
      (error: unknown) => {
        forget();
        throw error;
      },
    );
    this.sessions.set(key, connecting);
    return connecting;
  }

  /** Through the machine's holder when there are holders (and it can be used), else directly. */
  private async open(machine: BuildMachine): Promise<SshSession> {
    if (this.holder !== undefined) {
      const held = await connectViaHolder(machine, this.options, this.holder).catch(() => null);
      if (held !== null) return held;
    }
    return SshSession.connect(machine, this.options);
  }

  /** How many sessions are open or being opened. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Close every session (including those still connecting); a later `get` connects afresh.
   */
  closeAll(): void {
    this.generation++;
    const pending = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of pending)
      session.then(
        (s) => s.close(),
        () => undefined,
      );
  }
}

/** What decides whether two records may share a connection. */
function connectionKey(machine: BuildMachine, lane: number): string {
  const pinnedKey = machine.hostKey.trim().split(/\s+/).slice(0, 2).join(" "); // the comment does not matter
  return JSON.stringify([machineKey(machine), machine.user, machine.privateKey, pinnedKey, machine.compression, lane]);
}
