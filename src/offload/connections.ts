/**
 * SSH connections for the engine: reused across jobs, several per machine
 * when it has many slots. OpenSSH refuses more than `MaxSessions` (default
 * 10) channels per connection and each job keeps one channel open while it
 * runs, plus one for transfers, so a machine gets one connection per
 * {@link JOBS_PER_CONNECTION} slots ("lanes").
 *
 * @example
 * import { Connections } from "./connections.ts";
 * const connections = new Connections({ timeoutMs: 10_000 });
 * const session = await connections.get(machine, slot.index);
 * connections.closeAll();
 */
import type { BuildMachine } from "../machines/types.ts";
import { SshSession, type ConnectOptions } from "../ssh/session.ts";

/** Jobs sharing one SSH connection. */
export const JOBS_PER_CONNECTION = 4;

/** Opens a session for a machine; {@link SshSession.connect} by default. */
export type Connector = (machine: BuildMachine, options: ConnectOptions) => Promise<SshSession>;

/**
 * The lane (connection number) for a slot index.
 *
 * @example
 * laneOf(5); // 1
 */
export function laneOf(slotIndex: number): number {
  return Math.floor(Math.max(0, slotIndex) / JOBS_PER_CONNECTION);
}

function keyOf(machine: BuildMachine, lane: number): string {
  return JSON.stringify([machine.name, machine.port, machine.user, machine.privateKey, machine.hostKey, machine.compression, lane]);
}

/** Pooled sessions, keyed by machine and lane. */
export class Connections {
  private readonly sessions = new Map<string, Promise<SshSession>>();
  private closedAll = false;

  constructor(
    private readonly options: ConnectOptions = {},
    private readonly connector: Connector = (machine, options) => SshSession.connect(machine, options),
  ) {}

  /**
   * A live session for the machine's lane of `slotIndex` (lane 0 by
   * default), connecting if needed. A failed connect is not cached.
   *
   * @example
   * const session = await connections.get(machine);
   */
  async get(machine: BuildMachine, slotIndex = 0): Promise<SshSession> {
    if (this.closedAll) throw new Error("connections are closed");
    const key = keyOf(machine, laneOf(slotIndex));
    const existing = this.sessions.get(key);
    if (existing !== undefined) {
      const session = await existing.catch(() => null);
      if (session !== null && !session.closed) return session;
      if (this.sessions.get(key) === existing) this.sessions.delete(key);
      else return this.get(machine, slotIndex);
    }
    const connecting = this.connector(machine, this.options);
    this.sessions.set(key, connecting);
    try {
      const session = await connecting;
      session.onClose(() => {
        if (this.sessions.get(key) === connecting) this.sessions.delete(key);
      });
      return session;
    } catch (error) {
      if (this.sessions.get(key) === connecting) this.sessions.delete(key);
      throw error;
    }
  }

  /**
   * Drop the machine's sessions that have ended (a live one is kept: other
   * jobs may be using it; an ended one would be replaced by `get` anyway).
   *
   * @example
   * connections.forget(machine);
   */
  forget(machine: BuildMachine): void {
    for (const [key, promise] of this.sessions) {
      const [name, port] = JSON.parse(key) as [string, number];
      if (name !== machine.name || port !== machine.port) continue;
      void promise.then(
        (session) => {
          if (session.closed && this.sessions.get(key) === promise) this.sessions.delete(key);
        },
        () => undefined,
      );
    }
  }

  /**
   * Close every session.
   *
   * @example
   * connections.closeAll();
   */
  closeAll(): void {
    this.closedAll = true;
    for (const promise of this.sessions.values()) void promise.then((session) => session.close(), () => undefined);
    this.sessions.clear();
  }
}
