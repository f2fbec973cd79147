/**
 * Transfer progress: what the engine reports while it moves inputs up and
 * outputs down (bytes so far, bytes in all, time taken), a few times a
 * second at most, and how that reads for a person (bytes, rate, time left).
 *
 * @example
 * import { ProgressMeter, describeProgress } from "./progress.ts";
 * let now = 0;
 * const reports: string[] = [];
 * const meter = new ProgressMeter("upload", 200 << 20, (progress) => reports.push(describeProgress(progress)), () => now);
 * now = 50;
 * // within 100 ms of the last report: none
 * meter.add(10 << 20);
 * now = 1000;
 * meter.add(40 << 20);
 * meter.finish();
 * meter.finish();
 * reports;
 * // ["upload 0 B of 200 MiB", "upload 50 MiB of 200 MiB, 50 MiB/s, 3 s left", "upload 50 MiB of 200 MiB, 50 MiB/s, took 1 s"]
 */
import { formatBytes, formatMs, formatRate } from "../ssh/units.ts";

/** Where a transfer stands. */
export interface TransferProgress {
  direction: "upload" | "download";
  /** Bytes moved so far. */
  bytes: number;
  /** Bytes to move in all. */
  totalBytes: number;
  /** Milliseconds since the transfer began. */
  elapsedMs: number;
  /** True for the last report of the transfer. */
  done: boolean;
}

/** Reports are at least this far apart, but for the last. */
const REPORT_INTERVAL_MS = 100;

/** Counts a transfer's bytes and reports, throttled. */
export class ProgressMeter {
  private bytes = 0;
  private lastReport = -Infinity;
  private finished = false;
  private readonly started: number;

  constructor(
    private readonly direction: TransferProgress["direction"],
    private readonly totalBytes: number,
    private readonly report: ((progress: TransferProgress) => void) | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    this.emit(false);
  }

  /**
   * Count `count` more bytes moved.
   */
  add(count: number): void {
    this.bytes += count;
    if (this.report !== undefined && this.now() - this.lastReport >= REPORT_INTERVAL_MS) this.emit(false);
  }

  /**
   * The transfer is over: one last report (once).
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.emit(true);
  }

  private emit(done: boolean): void {
    if (this.report === undefined) return;
    this.lastReport = this.now();
    this.report({ direction: this.direction, bytes: this.bytes, totalBytes: this.totalBytes, elapsedMs: this.lastReport - this.started, done });
  }
}

/**
 * A short form for a table row that already says the phase: share done, total, time left.
 *
 * @example
 * describeProgressBriefly({ direction: "upload", bytes: 50 << 20, totalBytes: 200 << 20, elapsedMs: 1000, done: false });
 * // "25% of 200 MiB, 3 s left"
 */
export function describeProgressBriefly(progress: TransferProgress): string {
  const { bytes, totalBytes, elapsedMs } = progress;
  const share = totalBytes > 0 ? Math.floor((bytes / totalBytes) * 100) : 100;
  const head = `${share}% of ${formatBytes(totalBytes)}`;
  if (elapsedMs <= 0 || bytes <= 0) return head;
  return `${head}, ${formatMs(Math.max(0, totalBytes - bytes) / (bytes / elapsedMs))} left`;
}

/**
 * One line for a person: direction, bytes of total, rate, time left.
 *
 * @example
 * describeProgress({ direction: "upload", bytes: 50 << 20, totalBytes: 200 << 20, elapsedMs: 1000, done: false });
 * // "upload 50 MiB of 200 MiB, 50 MiB/s, 3 s left"
 */
export function describeProgress(progress: TransferProgress): string {
  const { direction, bytes, totalBytes, elapsedMs } = progress;
  const head = `${direction} ${formatBytes(bytes)} of ${formatBytes(totalBytes)}`;
  if (elapsedMs <= 0 || bytes <= 0) return head;
  const left = Math.max(0, totalBytes - bytes) / (bytes / elapsedMs);
  return `${head}, ${formatRate(bytes, elapsedMs)}, ${progress.done ? `took ${formatMs(elapsedMs)}` : `${formatMs(left)} left`}`;
}
