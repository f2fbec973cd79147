/**
 * The Guix side of `offload status` for one build machine: free space of the
 * file system holding its store (what Guix's scheduler looks at, not the
 * work directory), its daemon's protocol version through the SSH
 * connection, and the builds this host's hooks are running there.
 *
 * @example
 * import { guixStatus } from "./guix-status.ts";
 * const status = await guixStatus(machine, { links, timeoutMs: 10_000, config, stateDir });
 * status.storeFreeBytes; // e.g. 52613349376
 */
import type { BuildMachine } from "../../machines/types.ts";
import { StoreConnection } from "../../store/connection.ts";
import { withTimeout } from "../with-timeout.ts";
import type { HookConfig } from "./config.ts";
import type { LinkCache } from "./machine-link.ts";
import { probeBuildMachine } from "./remote-probe.ts";
import { runningBuilds, type RunningBuild } from "./running-builds.ts";

/** What `offload status` shows about a machine's Guix. */
export interface GuixStatus {
  /** Free bytes in the machine's store, or null when it could not be read. */
  storeFreeBytes: number | null;
  /** The daemon's protocol version as `MAJOR.MINOR` (e.g. `1.100`), or null when it did not answer. */
  daemonProtocol: string | null;
  /** Builds this host's hooks run there now. */
  builds: RunningBuild[];
  /** Why something could not be read, or null. */
  error: string | null;
}

/** What {@link guixStatus} needs. */
export interface GuixStatusOptions {
  links: LinkCache;
  timeoutMs: number;
  config: HookConfig;
  stateDir: string;
}

/**
 * Read the machine's Guix status; never throws (the error is in the result).
 */
export async function guixStatus(machine: BuildMachine, options: GuixStatusOptions): Promise<GuixStatus> {
  const status: GuixStatus = { storeFreeBytes: null, daemonProtocol: null, builds: runningBuilds(options.stateDir, machine), error: null };
  try {
    const link = await options.links.get(machine);
    const facts = await probeBuildMachine(link, options.config.storeDir, options.timeoutMs);
    status.storeFreeBytes = facts.diskFreeBytes;
    const socket = facts.daemonSocketOverride ?? machine.daemonSocket;
    const remote = await withTimeout(
      link.openSocket(socket).then((stream) => StoreConnection.handshake(stream, { storeDir: options.config.storeDir })),
      options.timeoutMs,
      `guix-daemon at ${socket} did not answer within ${Math.round(options.timeoutMs / 1000)} s`,
    );
    status.daemonProtocol = `${remote.daemonVersion >> 8}.${remote.daemonVersion & 0xff}`;
    remote.close();
  } catch (error) {
    status.error = error instanceof Error ? error.message.split("\n")[0]! : String(error);
  }
  return status;
}
