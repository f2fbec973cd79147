/**
 * The hook's answer to one request, with Guix's rules and the engine's
 * selection: no machine whose systems and features match → `decline` (the
 * daemon builds locally); matching machines that are all busy, overloaded,
 * low on disk, unreachable or backed off → `postpone`; otherwise `accept` on
 * the best one, with one of its slots held (the same slots `offload run` and
 * `offload build` use).
 *
 * Holding the reply. guix-daemon asks a postponed build again only every 5
 * seconds (`build-poll-interval`); a slot freed in between would stay idle.
 * So while every matching machine is merely busy (its slots held by
 * processes that will free them), the hook waits for a slot — woken by the
 * hook that frees it — for up to `holdMs` before it postpones. The daemon's
 * worker waits for the reply meanwhile, so one request per hook process
 * holds (the "designated" derivation); the others of the same round are
 * postponed at once, and the designated one holds again when asked next.
 *
 * @example
 * import { HookDecider } from "./decision.ts";
 * const decider = new HookDecider({ stateDir, probe, holdMs: 5000 });
 * const decision = await decider.decide(machines, request);
 * if (decision.reply === "accept") { … decision.slot.release(); }
 */
import type { BuildMachine } from "../../machines/types.ts";
import { SessionPool } from "../../ssh/pool.ts";
import type { Exclusion } from "../errors.ts";
import type { ProbeFacts } from "../probe-cache.ts";
import { rankBy, requirementMismatch } from "../ranking.ts";
import { MachineSelector, type Assessment } from "../selector.ts";
import { tryAcquireSlot, type Slot } from "../slots.ts";
import type { HookRequest } from "./request.ts";
import { SlotWaiter } from "./slot-wakeups.ts";

/** The hook's decision for one request. */
export type Decision =
  | { reply: "decline"; exclusions: Exclusion[] }
  | { reply: "postpone"; exclusions: Exclusion[] }
  | { reply: "accept"; machine: BuildMachine; slot: Slot; assessment: Assessment };

/** What the decider needs. */
export interface DeciderOptions {
  stateDir: string;
  /** How to probe a machine (load, cores, free space of its store). */
  probe: (machine: BuildMachine) => Promise<ProbeFacts>;
  /** Longest hold of a reply while every matching machine is busy; 0 never holds. */
  holdMs: number;
  /** Fallback poll while holding, for slots freed without a wake-up; default 250 ms. */
  pollMs?: number;
  /** Probe timeout; default 15 s (Guix's short timeout). */
  probeTimeoutMs?: number;
}

/**
 * How long after the designated derivation was last asked another request
 * may take over holding: the daemon asks postponed builds again every 5 s,
 * so a designated derivation not seen for longer was built elsewhere.
 */
const DESIGNATED_STALE_MS = 8_000;

/**
 * Decides requests for one hook process (it remembers which derivation holds).
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import type { BuildMachine } from "../../machines/types.ts";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = {
 *   name: "build1", port: 22, systems: ["x86_64-linux"], features: [], parallelBuilds: 1, speed: 1, overloadThreshold: 0.8, problems: [],
 * } as unknown as BuildMachine;
 * // the probe answers here, as the machine's store would
 * const decider = new HookDecider({ stateDir, probe: async () => ({ load: [0, 0, 0], cores: 4, diskFreeBytes: 10e9 }), holdMs: 0 });
 * const request = { amWilling: true, system: "x86_64-linux", drvPath: "/gnu/store/abc-hello.drv", features: [] };
 * const first = await decider.decide([machine], request);
 * const second = await decider.decide([machine], { ...request, drvPath: "/gnu/store/def-world.drv" });
 * const arm = await decider.decide([machine], { ...request, system: "aarch64-linux" });
 * if (first.reply === "accept") first.slot.release();
 * decider.close();
 * rmSync(stateDir, { recursive: true });
 * first.reply; // "accept"
 * // its one slot is taken by the first build: the daemon asks again later
 * second; // { reply: "postpone", exclusions: [{ machine: "build1", reason: "busy", detail: "1 of 1 slots in use" }] }
 * // no machine for the system: the daemon builds it itself
 * arm; // { reply: "decline", exclusions: [{ machine: "build1", reason: "other-systems", detail: "x86_64-linux" }] }
 */
export class HookDecider {
  private designated: { drvPath: string; at: number } | null = null;
  private waiter: Promise<SlotWaiter> | null = null;

  constructor(private readonly options: DeciderOptions) {}

  /**
   * Decide `request` against `machines` (the machines file as just read).
   * `signal` ends a hold early (the daemon went away). Machines in `exclude`
   * (machine keys) already failed this build; with it, nothing is held.
   */
  async decide(machines: readonly BuildMachine[], request: HookRequest, signal?: AbortSignal, exclude?: ReadonlySet<string>): Promise<Decision> {
    const requirements = { system: request.system, features: request.features };
    const mismatches = machines.map((machine) => requirementMismatch(machine, requirements));
    if (mismatches.every((mismatch) => mismatch !== null)) return { reply: "decline", exclusions: mismatches as Exclusion[] };
    const selector = new MachineSelector(machines, {
      stateDir: this.options.stateDir,
      connections: new SessionPool(),
      probe: this.options.probe,
      probeTimeoutMs: this.options.probeTimeoutMs,
      // The hook's probe measures the store, not the engine's work directory.
      probeCache: "store-probes",
    });
    // Another try for an accepted build (exclude is set) takes what is free now.
    const mayHold = exclude === undefined && this.mayHold(request.drvPath);
    const deadline = Date.now() + (mayHold ? this.options.holdMs : 0);
    // Listen before looking, so a slot freed in between still wakes us.
    const waiter = mayHold ? await this.registerWaiter() : null;
    // Bounded: each round either returns or waits, and the deadline ends the waiting.
    for (;;) {
      const assessments = await selector.assess(requirements, { exclude });
      const eligible = rankBy(
        assessments.filter((a) => a.exclusion === null && a.score !== null),
        (a) => a.score!,
      );
      for (const assessment of eligible) {
        const slot = await tryAcquireSlot(assessment.machine, this.options.stateDir);
        if (slot !== null) {
          if (this.designated?.drvPath === request.drvPath) this.designated = null;
          return { reply: "accept", machine: assessment.machine, slot, assessment };
        }
        assessment.exclusion = { machine: assessment.machine.name, port: assessment.machine.port, reason: "busy", detail: "slot taken meanwhile" };
      }
      const exclusions = assessments.map((a) => a.exclusion).filter((e): e is Exclusion => e !== null);
      const busy = exclusions.some((e) => e.reason === "busy");
      const left = deadline - Date.now();
      if (waiter === null || !busy || left <= 0 || signal?.aborted) {
        if (mayHold) this.designated = { drvPath: request.drvPath, at: Date.now() };
        return { reply: "postpone", exclusions };
      }
      this.designated = { drvPath: request.drvPath, at: Date.now() };
      if ((await waiter.wait(Math.min(left, this.options.pollMs ?? 250), signal)) === "aborted") {
        return { reply: "postpone", exclusions };
      }
    }
  }

  /** Stop listening for wake-ups. */
  close(): void {
    void this.waiter?.then(
      (waiter) => waiter.close(),
      () => undefined,
    );
    this.waiter = null;
  }

  private mayHold(drvPath: string): boolean {
    if (this.options.holdMs <= 0) return false;
    if (this.designated === null || this.designated.drvPath === drvPath) return true;
    return Date.now() - this.designated.at > DESIGNATED_STALE_MS;
  }

  private registerWaiter(): Promise<SlotWaiter> {
    this.waiter ??= SlotWaiter.register(this.options.stateDir);
    return this.waiter;
  }
}
