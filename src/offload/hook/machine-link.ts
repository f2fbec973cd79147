/**
 * How the build hook reaches build machines: the sessions of one
 * SessionPool (src/ssh/pool.ts), the way `offload run` and `build` reach
 * them — through each machine's connection holder when the pool has
 * holders, so a hook process (guix-daemon starts one per build) pays no
 * SSH handshake once an earlier one has left the holder running; else over
 * a connection of its own. A session gives what the hook needs: streams to
 * the remote daemon's Unix socket (`openSocket`), commands with their
 * standard input (`exec`: the importer) and short scripts (the probe).
 * Large transfers get a second session without SSH compression
 * ({@link LinkCache.bulk}).
 *
 * @example
 * import { LinkCache } from "./machine-link.ts";
 * const links = new LinkCache(new SessionPool({ timeoutMs: 30_000 }, holder));
 * const session = await links.get(machine);
 * const daemon = await session.openSocket(machine.daemonSocket);
 * links.closeAll();
 */
import type { BuildMachine } from "../../machines/types.ts";
import { SessionPool } from "../../ssh/pool.ts";
import type { SshSession } from "../../ssh/session.ts";

/**
 * The hook's sessions: one per machine (and way of connecting) in this
 * process, from its pool; a lost one is replaced on the next `get`.
 *
 * @example
 * const links = new LinkCache(new SessionPool());
 * const [a, b] = await Promise.all([links.get(machine), links.get(machine)]); // a === b
 */
export class LinkCache {
  constructor(private readonly pool: SessionPool) {}

  /**
   * The machine's session, connecting (or attaching to its holder) if needed.
   */
  get(machine: BuildMachine): Promise<SshSession> {
    return this.pool.get(machine);
  }

  /**
   * A session for bulk transfers: without SSH compression (unless
   * `compress`), because ssh2's zlib (level 6, one flush per packet, on the
   * main thread of the process that holds the connection) moves about
   * 12 MB/s on a loaded 2-core machine, less than most links. The same
   * session as {@link get} when the record asks for no compression.
   */
  bulk(machine: BuildMachine, compress = false): Promise<SshSession> {
    return this.pool.get(compress ? machine : { ...machine, compression: "none" });
  }

  /**
   * Close every session (a holder stays up for later processes).
   */
  closeAll(): void {
    this.pool.closeAll();
  }
}
