/**
 * Build slots: at most `parallel-builds` jobs per machine (name:port) at once,
 * across every offload process on this host.
 *
 * A slot is held by listening on a Linux abstract-namespace Unix socket whose
 * name derives from the state directory, the machine and the slot number.
 * Binding a name that is already bound fails with EADDRINUSE, and the kernel
 * frees the name when the holding process exits for any reason, so `kill -9`
 * never leaks a slot (the property Guix gets from fcntl locks). A marker file
 * per slot held for more than a second, under `<state>/slots/<name:port>/<n>`,
 * says which process holds it, for humans; the sockets are the truth.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * import { tryAcquireSlot, slotsInUse } from "./slots.ts";
 * const machine = { name: "build1", port: 22, parallelBuilds: 2 };
 * const first = await tryAcquireSlot(machine, stateDir);
 * const second = await tryAcquireSlot(machine, stateDir);
 * const third = await tryAcquireSlot(machine, stateDir);
 * const held = slotsInUse(machine, stateDir);
 * first?.release();
 * second?.release();
 * rmSync(stateDir, { recursive: true });
 * [first?.index, second?.index, third]; // [0, 1, null]
 * held; // 2
 */
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdirSync, readFileSync, unlink, writeFile } from "node:fs";
import { createServer, type Server } from "node:net";
import { join, resolve } from "node:path";
import type { BuildMachine } from "../machines/types.ts";
import { machineKey } from "../ssh/machine-key.ts";
import { defaultStateDir, machineFileName } from "./state-dir.ts";

type SlotMachine = Pick<BuildMachine, "name" | "port" | "parallelBuilds">;

/** A held slot; release it exactly once when the job is over. */
export interface Slot {
  readonly machine: SlotMachine;
  readonly index: number;
  /** The human-readable marker file for this slot. */
  readonly markerFile: string;
  /** Free the slot (idempotent). */
  release(): void;
}

/**
 * Emits "release" whenever this process frees a slot, so waiters in the same
 * process retry at once instead of at their next poll.
 *
 * @example
 * slotEvents.once("release", () => retrySelection());
 */
export const slotEvents = new EventEmitter();
slotEvents.setMaxListeners(0);

/** A held slot gets its marker file after this long. */
const MARKER_DELAY_MS = 1_000;

/** Slots never go beyond this many per machine, whatever parallel-builds says. */
const MAX_SLOTS_PER_MACHINE = 1024;

/**
 * The prefix of the abstract socket names of one machine's slots. Hashing
 * keeps the name short (abstract names are limited to 107 bytes) and ties it
 * to the state directory, so two state directories are two slot universes.
 */
function slotSocketPrefix(machine: Pick<BuildMachine, "name" | "port">, stateDir: string): string {
  const digest = createHash("sha256").update(resolve(stateDir)).update("\0").update(machineKey(machine)).digest("hex").slice(0, 32);
  return `offload/${digest}/`;
}

function slotCount(machine: SlotMachine): number {
  const n = Math.floor(machine.parallelBuilds);
  return Number.isFinite(n) ? Math.max(0, Math.min(n, MAX_SLOTS_PER_MACHINE)) : 0;
}

function listenAbstract(name: string): Promise<Server | null> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") resolvePromise(null);
      else reject(error);
    });
    server.listen({ path: `\0${name}`, exclusive: true }, () => {
      // A held slot must not keep the process alive on its own.
      server.unref();
      // Nobody is meant to connect; refuse politely if someone does.
      server.on("connection", (socket) => socket.destroy());
      resolvePromise(server);
    });
  });
}

const markerDirs = new Set<string>();

/** Write the human-readable marker without blocking (markers are informational only). */
function writeMarker(file: string, index: number, held: () => boolean): void {
  const dir = join(file, "..");
  try {
    if (!markerDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      markerDirs.add(dir);
    }
  } catch {
    return; // a read-only state directory must not block work
  }
  writeFile(file, `pid ${process.pid}\nslot ${index}\nsince ${new Date().toISOString()}\n`, () => {
    // Released while the marker was being written: take it away again.
    if (!held()) unlink(file, () => undefined);
  });
}

/**
 * Try each of the machine's slots once, without waiting. Returns the held
 * slot, or null when every slot is taken (or parallel-builds is 0).
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * import { once } from "node:events";
 * const machine = { name: "build1", port: 22, parallelBuilds: 1 };
 * const slot = await tryAcquireSlot(machine, stateDir);
 * const taken = await tryAcquireSlot(machine, stateDir);
 * slot?.release();
 * await once(slotEvents, "release");
 * const again = await tryAcquireSlot(machine, stateDir);
 * again?.release();
 * const none = await tryAcquireSlot({ ...machine, parallelBuilds: 0 }, stateDir);
 * rmSync(stateDir, { recursive: true });
 * taken; // null
 * again?.index; // 0
 * none; // null
 */
export async function tryAcquireSlot(machine: SlotMachine, stateDir: string = defaultStateDir()): Promise<Slot | null> {
  const prefix = slotSocketPrefix(machine, stateDir);
  const markerDir = join(resolve(stateDir), "slots", machineFileName(machine));
  for (let index = 0; index < slotCount(machine); index++) {
    const server = await listenAbstract(`${prefix}${index}`);
    if (server === null) continue;
    const markerFile = join(markerDir, String(index));
    let released = false;
    let marked = false;
    // Short jobs come and go faster than anyone could look: mark only slots held a while.
    const marking = setTimeout(() => {
      marked = true;
      writeMarker(markerFile, index, () => !released);
    }, MARKER_DELAY_MS);
    marking.unref();
    return {
      machine,
      index,
      markerFile,
      release() {
        if (released) return;
        released = true;
        clearTimeout(marking);
        if (marked) unlink(markerFile, () => undefined);
        // The name is free once the handle is closed; tell waiters then.
        server.close(() => slotEvents.emit("release", machine));
      },
    };
  }
  return null;
}

/**
 * The abstract socket names currently bound on this host (network namespace),
 * read from /proc/net/unix. Node pads abstract names with NUL bytes, which the
 * kernel shows as `@`; they are stripped.
 */
function boundAbstractNames(): string[] {
  let table: string;
  try {
    table = readFileSync("/proc/net/unix", "utf8");
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const line of table.split("\n")) {
    const at = line.indexOf(" @");
    if (at < 0) continue;
    names.push(line.slice(at + 2).replace(/@+$/, ""));
  }
  return names;
}

/**
 * How many of the machine's slots offload processes on this host hold now
 * (synchronous; used by `offload status`).
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22, parallelBuilds: 4 };
 * const before = slotsInUse(machine, stateDir);
 * const slot = await tryAcquireSlot(machine, stateDir);
 * const during = slotsInUse(machine, stateDir);
 * slot?.release();
 * rmSync(stateDir, { recursive: true });
 * [before, during]; // [0, 1]
 */
export function slotsInUse(machine: BuildMachine | SlotMachine, stateDir: string = defaultStateDir()): number {
  return countHeld(slotSocketPrefix(machine, stateDir), boundAbstractNames());
}

/**
 * {@link slotsInUse} for many machines with one look at the kernel's table.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machines = [{ name: "build1", port: 22, parallelBuilds: 2 }, { name: "build2", port: 22, parallelBuilds: 2 }];
 * const slot = await tryAcquireSlot(machines[1]!, stateDir);
 * const counts = slotsInUseAll(machines, stateDir);
 * slot?.release();
 * rmSync(stateDir, { recursive: true });
 * counts; // [0, 1]
 */
export function slotsInUseAll(machines: ReadonlyArray<Pick<BuildMachine, "name" | "port">>, stateDir: string = defaultStateDir()): number[] {
  const names = boundAbstractNames();
  return machines.map((machine) => countHeld(slotSocketPrefix(machine, stateDir), names));
}

function countHeld(prefix: string, names: readonly string[]): number {
  const held = new Set<string>();
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const index = name.slice(prefix.length);
    if (/^\d+$/.test(index)) held.add(index);
  }
  return held.size;
}
