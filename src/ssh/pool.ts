/**
 * Connection reuse: one SSH session per machine per process, shared by every
 * caller; many channels run over it. A failed or lost connection is dropped
 * from the pool, so the next `get` connects afresh.
 *
 * Machines are keyed on name and port (as Guix identifies them) plus user,
 * key, pinned host key and compression, so two records that differ in how to
 * connect never share a connection.
 *
 * @example
 * import { SessionPool } from "./pool.ts";
 * const pool = new SessionPool({ timeoutMs: 10_000 });
 * const session = await pool.get(machine);  // connects
 * const again = await pool.get(machine);    // same session
 * pool.closeAll();
 */
import type { BuildMachine } from "../machines/types.ts";
import { SshSession, type ConnectOptions } from "./session.ts";

/**
 * A process-wide cache of sessions.
 *
 * @example
 * const pool = new SessionPool();
 * await Promise.all(machines.map(async (m) => (await pool.get(m)).run(["true"])));
 */
export class SessionPool {
  private readonly sessions = new Map<string, Promise<SshSession>>();
  /** Bumped by closeAll, so connections still in flight then are closed when they arrive. */
  private generation = 0;

  constructor(private readonly options: ConnectOptions = {}) {}

  /**
   * The session for `machine`, connecting if there is none (concurrent calls
   * share one connection attempt). Rejects with the connect error.
   *
   * @example
   * const session = await pool.get(machine);
   */
  get(machine: BuildMachine): Promise<SshSession> {
    const key = poolKey(machine);
    const existing = this.sessions.get(key);
    if (existing !== undefined) return existing;
    const generation = this.generation;
    const connecting = SshSession.connect(machine, this.options).then(
      (session) => {
        if (generation !== this.generation) {
          session.close();
          return session;
        }
        session.onClose(() => {
          if (this.sessions.get(key) === connecting) this.sessions.delete(key);
        });
        return session;
      },
      (error: unknown) => {
        if (this.sessions.get(key) === connecting) this.sessions.delete(key);
        throw error;
      },
    );
    this.sessions.set(key, connecting);
    return connecting;
  }

  /** How many sessions are open or being opened. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Close every session (including those still connecting); a later `get` connects afresh.
   *
   * @example
   * pool.closeAll();
   */
  closeAll(): void {
    this.generation++;
    const pending = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of pending) session.then((s) => s.close(), () => undefined);
  }
}

function poolKey(machine: BuildMachine): string {
  const pinnedKey = machine.hostKey.trim().split(/\s+/).slice(0, 2).join(" "); // the comment does not matter
  return JSON.stringify([machine.name, machine.port, machine.user, machine.privateKey, pinnedKey, machine.compression]);
}
