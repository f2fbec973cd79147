/**
 * Extras for the offload engine's tests on top of test/helpers/sshd.ts:
 * a farm whose machines are ready for offloading (load check off, because
 * the test host's own load is whatever other work makes it), a fresh state
 * directory and a local work directory, and small file helpers. The remote
 * $HOME of a loopback server is a local directory, so tests can look at
 * remote files directly.
 *
 * @example
 * import { offloadFarm } from "../../test/helpers/farm.ts";
 * const farm = await offloadFarm(2, { parallelBuilds: 2 });
 * // … farm.machines, farm.stateDir, farm.workDir …
 * await farm.stop();
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before } from "node:test";
import type { BuildMachine } from "../../src/machines/types.ts";
import { SshSession } from "../../src/ssh/session.ts";
import { startFarm, writeMachinesFile, type SshdOptions, type TestSshd } from "./sshd.ts";
import { tempDir } from "./temp-dir.ts";

/** A farm ready for offload tests. */
export interface OffloadFarm {
  servers: TestSshd[];
  machines: BuildMachine[];
  /** machines.scm describing `machines`. */
  machinesFile: string;
  stateDir: string;
  /** A local directory for inputs and outputs. */
  workDir: string;
  stop(): Promise<void>;
}

/**
 * Start `count` servers; `overrides` apply to every machine, `each` to one.
 *
 * @example
 * const farm = await offloadFarm(3, {}, (i) => ({ speed: i + 1 }));
 */
export async function offloadFarm(
  count: number,
  overrides: Partial<BuildMachine> = {},
  each: (index: number) => Partial<BuildMachine> = () => ({}),
  sshd: SshdOptions = {},
): Promise<OffloadFarm> {
  const farm = await startFarm(count, sshd);
  const base = tempDir("offload-farm-");
  const machinesFile = join(base, "machines.scm");
  const machines = writeMachinesFile(
    machinesFile,
    farm.servers.map((server, index) => server.machine({ overloadThreshold: null, ...overrides, ...each(index) })),
  );
  const stateDir = join(base, "state");
  const workDir = join(base, "work");
  mkdirSync(stateDir);
  mkdirSync(workDir);
  return { servers: farm.servers, machines, machinesFile, stateDir, workDir, stop: () => farm.stop() };
}

/**
 * Register `before`/`after` hooks that start a one-machine offload farm and
 * open a session to it, for tests of the engine's remote steps. Read
 * `.farm` and `.session` inside the tests (they exist once `before` ran).
 *
 * @example
 * describe("uploads", () => {
 *   const one = withOneMachineSession();
 *   it("sends", async () => { await uploadInputs(one.session, files); });
 * });
 */
export function withOneMachineSession(): { readonly farm: OffloadFarm; readonly session: SshSession } {
  let farm: OffloadFarm | undefined;
  let session: SshSession | undefined;
  before(async () => {
    farm = await offloadFarm(1);
    session = await SshSession.connect(farm.machines[0]!);
  });
  after(async () => {
    session?.close();
    await farm?.stop();
  });
  return {
    get farm(): OffloadFarm {
      if (farm === undefined) throw new Error("withOneMachineSession: the farm is not started yet (use it inside a test)");
      return farm;
    },
    get session(): SshSession {
      if (session === undefined) throw new Error("withOneMachineSession: no session yet (use it inside a test)");
      return session;
    },
  };
}

/**
 * Write `content` to `dir/relative`, creating parents.
 *
 * @example
 * writeFile(farm.workDir, "src/a.txt", "hello");
 */
export function writeFile(dir: string, relative: string, content: string | Buffer, mode?: number): string {
  const file = join(dir, relative);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content, mode === undefined ? undefined : { mode });
  return file;
}

/**
 * The job scratch directories left under a server's offload work directory.
 *
 * @example
 * leftoverJobs(server); // [] after a clean run
 */
export function leftoverJobs(server: TestSshd): string[] {
  const jobs = join(server.home, ".cache", "offload", "jobs");
  return existsSync(jobs) ? readdirSync(jobs) : [];
}

/**
 * Entries of the remote input cache of a server.
 *
 * @example
 * cacheEntries(server).length; // 1 after sending one file
 */
export function cacheEntries(server: TestSshd): string[] {
  const cas = join(server.home, ".cache", "offload", "cas");
  return existsSync(cas) ? readdirSync(cas).filter((name) => !name.startsWith(".")) : [];
}

/**
 * Resolve after `ms` milliseconds.
 *
 * @example
 * await sleep(50);
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `condition` every 20 ms until it holds or `timeoutMs` passes (bounded).
 *
 * @example
 * await waitFor(() => existsSync(marker), 5000, "marker");
 */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const rounds = Math.ceil(timeoutMs / 20);
  for (let round = 0; round < rounds; round++) {
    if (condition()) return;
    await sleep(20);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
