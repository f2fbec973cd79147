/**
 * Ending quietly when the reader of our output goes away (`offload select |
 * head`): as `cat` or `git log` do, die of SIGPIPE — the shell then reports
 * status 141 and prints nothing — instead of Node's unhandled EPIPE error and
 * its stack trace. Node ignores SIGPIPE, so writes fail with EPIPE instead.
 *
 * @example
 * endQuietlyOnBrokenPipe(process.stdout);
 * // offload show big.scm | head -1; echo ${PIPESTATUS[0]}  → 141, nothing on stderr
 */

/** The status a shell reports for a process killed by SIGPIPE (128 + 13), used if the signal cannot be raised. */
const BROKEN_PIPE_STATUS = 141;

/**
 * On EPIPE from `stream`, end the process as if by SIGPIPE; any other write
 * error stays the error it was.
 *
 * @example
 * endQuietlyOnBrokenPipe(process.stdout);
 * endQuietlyOnBrokenPipe(process.stderr);
 */
export function endQuietlyOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    dieOfSigpipe();
  });
}

function dieOfSigpipe(): never {
  // A listener added and removed puts SIGPIPE back to its default action (libuv
  // restores it), which Node had set to ignore; the signal then ends the process.
  const ignore = (): void => {};
  process.on("SIGPIPE", ignore);
  process.removeListener("SIGPIPE", ignore);
  process.kill(process.pid, "SIGPIPE");
  process.exit(BROKEN_PIPE_STATUS);
}
