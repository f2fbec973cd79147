/**
 * Ctrl-C (or SIGTERM) for commands that run work: the first one cancels
 * cleanly (remote commands ended, scratch space removed, slots released); a
 * second one exits at once (the kernel frees the slots anyway).
 *
 * @example
 * const interrupt = onInterrupt(() => process.stderr.write("stopping…\n"));
 * await offloader.run(spec, { signal: interrupt.signal, stdout, stderr });
 * interrupt.dispose();
 */
import { EXIT_INTERRUPTED } from "./exit-status.ts";

/** The abort signal the first interrupt fires, and how to stop listening. */
export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

/** Listen for SIGINT and SIGTERM; `notice` runs on the first one. */
export function onInterrupt(notice: () => void): Interrupt {
  const controller = new AbortController();
  const handler = (): void => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    notice();
    controller.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
