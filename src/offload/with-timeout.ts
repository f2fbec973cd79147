/**
 * Waiting at most so long: a promise, or a rejection naming what did not
 * finish once the time is up (after `onTimeout`, which stops whatever the
 * promise waits for, so nothing is left running).
 *
 * @example
 * import { withTimeout } from "./with-timeout.ts";
 * await withTimeout(new Promise(() => {}), 10, "nothing").catch((error: Error) => error.message); // "nothing"
 * await withTimeout(Promise.resolve(42), 1000, "the answer"); // 42
 */

/**
 * `promise`'s outcome, or, when `ms` pass first, `onTimeout()` and then a
 * rejection with an Error saying `message`.
 *
 * @example
 * const daemon = await withTimeout(session.openSocket(socket), 15_000, `guix-daemon at ${socket} did not answer within 15 s`);
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string, onTimeout: () => void = () => undefined): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(message));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
