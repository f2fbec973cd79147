/**
 * One accepted build, on one machine, as `guix offload` does it
 * (transfer-and-offload in guix/scripts/offload.scm): connect to the build
 * machine's daemon through SSH, set the daemon's build options, protect the
 * derivation with a temporary GC root, send the missing inputs, build with
 * the remote log going to the build-log descriptor as it comes, and bring
 * the outputs back. Failures become HookErrors the daemon can tell apart:
 * the build failed (100), it timed out (101), or something else went wrong
 * (transient; the machine is at fault when `machine` is set).
 *
 * @example
 * import { remoteBuild } from "./remote-build.ts";
 * await remoteBuild(job, machine, context);
 */
import { performance } from "node:perf_hooks";
import type { Writable } from "node:stream";
import type { BuildMachine } from "../../machines/types.ts";
import { StoreConnection } from "../../store/connection.ts";
import { DaemonError, StoreError } from "../../store/errors.ts";
import { SshError } from "../../ssh/errors.ts";
import type { SshSession } from "../../ssh/session.ts";
import type { HookArguments } from "./arguments.ts";
import type { HookConfig } from "./config.ts";
import { HookError } from "./errors.ts";
import type { LinkCache } from "./machine-link.ts";
import { retrieveOutputs } from "./retrieve-outputs.ts";
import { sendInputs } from "./send-inputs.ts";

/** An accepted build: what the daemon said after `# accept`. */
export interface HookJob {
  drvPath: string;
  /** Every input path (the derivation's closure and its inputs). */
  inputs: string[];
  /** The outputs the daemon still needs. */
  outputs: string[];
}

/** What a remote build needs from the hook. */
export interface RemoteBuildContext {
  args: HookArguments;
  config: HookConfig;
  links: LinkCache;
  /** This host's daemon, connected on first use. */
  localStore: () => Promise<StoreConnection>;
  /** The daemon's build-log descriptor (fd 4). */
  buildLog: Writable;
  /** Lines for the reply pipe (the user's terminal). */
  onInfo: (line: string) => void;
  verbose: boolean;
  /** The daemon socket to use on `machine` (the remote GUIX_DAEMON_SOCKET, else the record's). */
  daemonSocket: (machine: BuildMachine) => string;
  /** Large transfers with the record's SSH compression too (default: without; see LinkCache.bulk). */
  compressBulk: boolean;
  /** Ends the build early (the whole offload took longer than BUILD-TIMEOUT, the daemon went away). */
  signal?: AbortSignal;
}

/**
 * Build `job` on `machine`; resolves once the outputs are in this host's store.
 */
export async function remoteBuild(job: HookJob, machine: BuildMachine, context: RemoteBuildContext): Promise<void> {
  const host = machine.name;
  let remote: StoreConnection | null = null;
  let bulkRemote: Promise<StoreConnection> | null = null;
  const abort = (): void => {
    remote?.close();
    void bulkRemote?.then(
      (store) => store.close(),
      () => undefined,
    );
  };
  context.signal?.addEventListener("abort", abort, { once: true });
  // With --verbose, how long each step took (where the time of an offload goes).
  let mark = performance.now();
  const step = (what: string): void => {
    const now = performance.now();
    if (context.verbose) context.onInfo(`${what} in ${Math.round(now - mark)} ms`);
    mark = now;
  };
  try {
    const link = await context.links.get(machine).catch((error: unknown) => {
      throw new HookError("remote", `failed to connect to '${host}': ${messageOf(error)}`, { machine: host, cause: error });
    });
    const socket = context.daemonSocket(machine);
    remote = await connectRemoteDaemon(link, socket, context.config.storeDir, host);
    step(`connected to the daemon of '${host}'`);
    const bulkLink = (): Promise<SshSession> =>
      context.links.bulk(machine, context.compressBulk).catch((error: unknown) => {
        throw new HookError("remote", `failed to connect to '${host}': ${messageOf(error)}`, { machine: host, cause: error });
      });
    const bulkDaemon = (): Promise<StoreConnection> =>
      (bulkRemote ??= bulkLink().then((bulk) => connectRemoteDaemon(bulk, socket, context.config.storeDir, host)));
    if (context.signal?.aborted) throw context.signal.reason;
    await remote.setOptions({ maxSilentTime: context.args.maxSilentTime, timeout: context.args.buildTimeout, printBuildTrace: context.args.printBuildTrace });
    await remote.addTempRoot(job.drvPath);
    await sendInputs(job.inputs, {
      remote,
      localStore: context.localStore,
      link,
      bulkLink,
      config: context.config,
      daemonSocket: socket,
      onInfo: context.onInfo,
    });
    step("sent the missing inputs");
    context.onInfo(`offloading '${job.drvPath}' to '${host}'...`);
    if (context.args.printBuildTrace) context.onInfo(`@ build-remote ${job.drvPath} ${host}`);
    await build(remote, job.drvPath, host, context.buildLog);
    step(`built on '${host}'`);
    await retrieveOutputs(job.outputs, { remote, bulkRemote: bulkDaemon, config: context.config, host, onInfo: context.onInfo, verbose: context.verbose });
    step("retrieved the outputs");
    context.onInfo(`done with offloaded '${job.drvPath}'`);
  } catch (error) {
    if (context.signal?.aborted && !(error instanceof HookError && (error.code === "build-failed" || error.code === "timed-out"))) throw context.signal.reason;
    throw asHookError(error, host);
  } finally {
    context.signal?.removeEventListener("abort", abort);
    abort();
  }
}

async function connectRemoteDaemon(session: SshSession, socket: string, storeDir: string, host: string): Promise<StoreConnection> {
  try {
    return await StoreConnection.handshake(await session.openSocket(socket), { storeDir });
  } catch (error) {
    throw new HookError("remote", `failed to connect over SSH to daemon at '${host}', socket ${socket}: ${messageOf(error)}`, { machine: host, cause: error });
  }
}

async function build(remote: StoreConnection, drvPath: string, host: string, buildLog: Writable): Promise<void> {
  remote.onLog = (text) => {
    buildLog.write(text);
  };
  try {
    await remote.buildPaths([drvPath]);
  } catch (error) {
    if (!(error instanceof DaemonError)) throw error;
    const message = `derivation '${drvPath}' offloaded to '${host}' failed: ${error.daemonMessage}`;
    throw new HookError(error.status === 101 ? "timed-out" : "build-failed", message, { machine: host, cause: error });
  } finally {
    remote.onLog = null;
  }
}

function asHookError(error: unknown, host: string): HookError {
  if (error instanceof HookError) return error;
  if (error instanceof SshError || (error instanceof StoreError && error.code !== "daemon")) {
    return new HookError("remote", `lost '${host}': ${messageOf(error)}`, { machine: host, cause: error });
  }
  if (error instanceof DaemonError) return new HookError("remote", `'${host}' refused: ${error.daemonMessage}`, { machine: host, cause: error });
  return new HookError("remote", `offloading to '${host}' failed: ${messageOf(error)}`, { machine: host, cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
