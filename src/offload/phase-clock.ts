/**
 * Phase times of a job, measured from its phase changes, so a failed
 * attempt counts as much as a successful one and a report can tell the
 * phases a job reached from those it never got to.
 *
 * @example
 * import { PhaseClock } from "./phase-clock.ts";
 * let now = 0;
 * const clock = new PhaseClock(() => now);
 * clock.enter("queued");
 * now = 30;
 * clock.enter("upload");
 * now = 100;
 * clock.stop();
 * // inputs hashed while a machine was chosen
 * clock.add("upload", 5);
 * clock.reached; // ["queued", "upload"]
 * // run was never reached
 * clock.ms; // { queued: 30, upload: 75, run: 0, download: 0 }
 */
import type { Phase } from "./attempt.ts";

/** Accumulates time per phase. */
export class PhaseClock {
  /** Milliseconds spent in each phase (over every attempt). */
  readonly ms: Record<Phase, number> = { queued: 0, upload: 0, run: 0, download: 0 };
  /** The phases entered at least once, in the order first entered. */
  readonly reached: Phase[] = [];
  private current: Phase | null = null;
  private since = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Leave the current phase (if any) and enter `phase`.
   */
  enter(phase: Phase): void {
    this.stop();
    this.current = phase;
    this.since = this.now();
    if (!this.reached.includes(phase)) this.reached.push(phase);
  }

  /**
   * Leave the current phase: its time so far is counted (at the end of an
   * attempt, whatever ended it).
   */
  stop(): void {
    if (this.current !== null) this.ms[this.current] += this.now() - this.since;
    this.current = null;
  }

  /**
   * Add time spent on a phase's work outside the clock (hashing inputs while a machine is chosen).
   */
  add(phase: Phase, ms: number): void {
    this.ms[phase] += ms;
  }
}

/** The phases, in order. */
const PHASES: readonly Phase[] = ["queued", "upload", "run", "download"];

/**
 * The phases a report's job reached, with their times, in order — for
 * messages that should not print `run 0 ms` for a job that never ran.
 * Without `phasesReached` (a report made elsewhere), every phase.
 *
 * @example
 * reachedPhaseTimes({ phaseMs: { queued: 3, upload: 40, run: 0, download: 0 }, phasesReached: ["queued", "upload"] });
 * // [["queued", 3], ["upload", 40]]
 */
export function reachedPhaseTimes(report: { phaseMs: Readonly<Record<Phase, number>>; phasesReached?: readonly Phase[] }): Array<[Phase, number]> {
  const reached = report.phasesReached;
  return PHASES.filter((phase) => reached === undefined || reached.includes(phase)).map((phase) => [phase, report.phaseMs[phase]]);
}
