/**
 * Wake-ups between processes waiting for a build slot. Slots are abstract
 * Unix socket names (slots.ts) that free themselves when their holder
 * exits, which no other process is told about; a hook that waits for a slot
 * would have to poll. Instead, a waiter listens on an abstract socket of its
 * own under a per-state-directory prefix, and a hook that frees a slot
 * connects to every such socket it finds in /proc/net/unix: the waiters retry
 * at once. Polling remains as the fallback for slots freed by processes that
 * do not wake anybody (a killed hook, `offload run`).
 *
 * @example
 * import { SlotWaiter, wakeSlotWaiters } from "./slot-wakeups.ts";
 * const waiter = await SlotWaiter.register(stateDir);
 * await waiter.wait(500); // how the wait ended: woken, timeout or aborted
 * waiter.close();
 * // elsewhere, after slot.release():
 * await wakeSlotWaiters(stateDir);
 */
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import net from "node:net";
import { resolve } from "node:path";

/** Why a wait ended. */
export type WaitEnd = "woken" | "timeout" | "aborted";

/**
 * The prefix of the waiters' socket names for one state directory (two
 * state directories are two slot universes, as in slots.ts).
 *
 * @example
 * /^offload-wake\/[0-9a-f]{32}\/$/.test(wakeupPrefix("/var/lib/offload")); // true
 * // the directory counts, not how it is written
 * wakeupPrefix("/var/lib/offload/") === wakeupPrefix("/var/lib/offload"); // true
 * wakeupPrefix("/tmp/state") === wakeupPrefix("/var/lib/offload"); // false
 */
export function wakeupPrefix(stateDir: string): string {
  return `offload-wake/${createHash("sha256").update(resolve(stateDir)).digest("hex").slice(0, 32)}/`;
}

/**
 * A process's registration as a waiter.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const waiter = await SlotWaiter.register(stateDir);
 * await waiter.wait(50); // "timeout"
 * // a hook that freed a slot
 * await wakeSlotWaiters(stateDir); // 1
 * await waiter.wait(5000); // "woken"
 * await waiter.wait(5000, AbortSignal.abort()); // "aborted"
 * waiter.close();
 * rmSync(stateDir, { recursive: true });
 */
export class SlotWaiter {
  private pending: (() => void) | null = null;
  private woken = false;

  private constructor(
    private readonly server: net.Server,
    /** The abstract name this waiter listens on. */
    readonly name: string,
  ) {
    server.on("connection", (socket) => {
      socket.destroy();
      this.woken = true;
      this.pending?.();
    });
  }

  /**
   * Listen for wake-ups under `stateDir`'s prefix.
   */
  static register(stateDir: string): Promise<SlotWaiter> {
    const name = `${wakeupPrefix(stateDir)}${process.pid}-${randomBytes(4).toString("hex")}`;
    return new Promise((resolvePromise, reject) => {
      const server = net.createServer();
      server.once("error", reject);
      server.listen({ path: `\0${name}`, exclusive: true }, () => {
        server.removeListener("error", reject);
        server.on("error", () => undefined);
        // A waiter must not keep the process alive by itself.
        server.unref();
        resolvePromise(new SlotWaiter(server, name));
      });
    });
  }

  /**
   * Resolve when woken (also by a wake-up that came since the last wait),
   * after `ms`, or when `signal` aborts.
   */
  wait(ms: number, signal?: AbortSignal): Promise<WaitEnd> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve("woken");
    }
    if (signal?.aborted) return Promise.resolve("aborted");
    return new Promise((resolvePromise) => {
      const finish = (end: WaitEnd): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.pending = null;
        if (end === "woken") this.woken = false;
        resolvePromise(end);
      };
      const onAbort = (): void => finish("aborted");
      const timer = setTimeout(() => finish("timeout"), ms);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending = () => finish("woken");
    });
  }

  /**
   * Stop listening.
   */
  close(): void {
    this.pending?.();
    this.server.close();
  }
}

/** Abstract socket names bound on this host that start with `prefix` (from /proc/net/unix). */
async function boundNames(prefix: string): Promise<string[]> {
  let table: string;
  try {
    table = await readFile("/proc/net/unix", "utf8");
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const line of table.split("\n")) {
    const at = line.indexOf(" @");
    if (at < 0) continue;
    // Node pads abstract names with NUL bytes, which the kernel shows as '@'.
    const name = line.slice(at + 2).replace(/@+$/, "");
    if (name.startsWith(prefix)) names.add(name);
  }
  return [...names];
}

/**
 * Wake every process waiting under `stateDir` (each connects and is
 * dropped); resolves to how many were reached. Never throws: a waiter that
 * went away meanwhile is simply not there.
 *
 * @example
 * // nobody waits under a directory nobody uses
 * await wakeSlotWaiters("/nonexistent/offload-state"); // 0
 */
export async function wakeSlotWaiters(stateDir: string): Promise<number> {
  const names = await boundNames(wakeupPrefix(stateDir));
  const reached = await Promise.all(
    names.map(
      (name) =>
        new Promise<boolean>((resolvePromise) => {
          const socket = net.connect({ path: `\0${name}` });
          socket.once("connect", () => {
            socket.destroy();
            resolvePromise(true);
          });
          socket.once("error", () => resolvePromise(false));
        }),
    ),
  );
  return reached.filter(Boolean).length;
}
