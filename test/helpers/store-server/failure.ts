/**
 * An error the test daemon reports to its client, with the daemon's status
 * (nix/libutil/types.hh: `Error` carries a status, 1 unless a build failed).
 *
 * @example
 * import { DaemonFailure } from "./failure.ts";
 * throw new DaemonFailure("build of `/…/x.drv' failed", 100);
 */
export class DaemonFailure extends Error {
  override readonly name: string = "DaemonFailure";
  constructor(
    message: string,
    readonly status: number = 1,
  ) {
    super(message);
  }
}
