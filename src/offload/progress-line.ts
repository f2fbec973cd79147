/**
 * One job's transfer progress on a terminal, as `offload run` shows it: a
 * line on standard error once a transfer has taken a second, redrawn in
 * place, gone when the transfer ends (or when something else is printed).
 * Nothing at all when the stream is not a terminal.
 *
 * @example
 * import { ProgressLine } from "./progress-line.ts";
 * const line = new ProgressLine(process.stderr);
 * const io = { ...sinks, onProgress: (progress) => line.update(progress) };
 * line.clear(); // before printing anything else on stderr
 */
import type { Writable } from "node:stream";
import { describeProgress, type TransferProgress } from "./progress.ts";

/** Transfers shorter than this show nothing. */
const SHOW_AFTER_MS = 1000;

/** The terminal line. */
export class ProgressLine {
  private shown = false;

  constructor(
    private readonly stream: Writable & { isTTY?: boolean },
    private readonly prefix = "offload: ",
  ) {}

  /**
   * Show `progress` (if the transfer has lasted long enough), or remove the line when it is done.
   *
   * @example
   * import { PassThrough } from "node:stream";
   * const terminal = Object.assign(new PassThrough(), { isTTY: true });
   * const line = new ProgressLine(terminal);
   * // under a second: nothing yet
   * line.update({ direction: "upload", bytes: 1 << 20, totalBytes: 8 << 20, elapsedMs: 500, done: false });
   * line.update({ direction: "upload", bytes: 1 << 20, totalBytes: 8 << 20, elapsedMs: 1500, done: false });
   * line.update({ direction: "upload", bytes: 8 << 20, totalBytes: 8 << 20, elapsedMs: 4000, done: true });
   * // drawn at the start of the line, then erased
   * terminal.read().toString(); // "\r\x1b[Koffload: upload 1 MiB of 8 MiB, 683 KiB/s, 10.5 s left\r\x1b[K"
   */
  update(progress: TransferProgress): void {
    if (this.stream.isTTY !== true) return;
    if (progress.done) {
      this.clear();
      return;
    }
    if (progress.elapsedMs < SHOW_AFTER_MS) return;
    this.stream.write(`\r\x1b[K${this.prefix}${describeProgress(progress)}`);
    this.shown = true;
  }

  /**
   * Remove the line, if shown (before anything else is printed on the stream).
   */
  clear(): void {
    if (!this.shown) return;
    this.stream.write("\r\x1b[K");
    this.shown = false;
  }
}
