/**
 * guix-daemon's build hook, the part `guix offload SYSTEM MAX-SILENT-TIME
 * PRINT-BUILD-TRACE BUILD-TIMEOUT` plays: read a request, reread the
 * machines file (edits apply to the next request, as with Guix), answer
 * `# decline`, `# postpone` or `# accept` on the reply pipe, and after
 * `# accept` read the inputs and outputs lines and do the build; the exit
 * status tells the daemon how it went (0, 100 build failure, 101 timeout,
 * anything else transient). One process answers requests until it accepts
 * one; the daemon starts a new hook for the next.
 *
 * Beyond Guix: when the machine fails during an accepted build (lost
 * connection, refused import), it is backed off and the build moves to
 * another free machine, at most {@link MAX_ATTEMPTS} in all, instead of
 * failing; the whole offload is bounded by BUILD-TIMEOUT as in Guix.
 *
 * @example
 * import { runHook } from "./hook.ts";
 * process.exitCode = await runHook(options, { requests: process.stdin, reply, buildLog });
 */
import { performance } from "node:perf_hooks";
import type { Readable, Writable } from "node:stream";
import type { BuildMachine, LoadWarning } from "../../machines/types.ts";
import { machineKey } from "../../ssh/machine-key.ts";
import { StoreConnection } from "../../store/connection.ts";
import { recordFailure, recordSuccess } from "../backoff.ts";
import { exclusionText } from "../errors.ts";
import type { HookArguments } from "./arguments.ts";
import type { HookConfig } from "./config.ts";
import { HookDecider, type Decision } from "./decision.ts";
import { exitStatusOf, HOOK_EXIT, HookError, type HookExitStatus } from "./errors.ts";
import { LineReader } from "./line-reader.ts";
import type { LinkCache } from "./machine-link.ts";
import { remoteBuild, type HookJob } from "./remote-build.ts";
import { parseHookRequest, parsePathList, formatHookReply, type HookRequest } from "./request.ts";
import { recordRunningBuild } from "./running-builds.ts";
import { wakeSlotWaiters } from "./slot-wakeups.ts";
import type { ProbeFacts } from "../probe-cache.ts";

/** Machines an accepted build may try, the first included. */
const MAX_ATTEMPTS = 3;

/** The hook's three descriptors. */
export interface HookIo {
  /** Requests (fd 0). */
  requests: Readable;
  /** Writes to the reply pipe (fds 1 and 2, one pipe); must not reorder. */
  reply: (text: string) => void;
  /** The build log (fd 4). */
  buildLog: Writable;
}

/** What the machines file gave. */
export interface LoadedMachineList {
  machines: BuildMachine[];
  warnings: LoadWarning[];
}

/** Everything the hook needs. */
export interface HookOptions {
  args: HookArguments;
  config: HookConfig;
  stateDir: string;
  /** Reads the machines file (throws when it cannot be loaded). */
  loadMachines: () => Promise<LoadedMachineList>;
  links: LinkCache;
  /** Probes a machine for selection. */
  probe: (machine: BuildMachine) => Promise<ProbeFacts>;
  /** The daemon socket to use on a machine. */
  daemonSocket: (machine: BuildMachine) => string;
  /** Longest hold of a reply while every matching machine is busy (ms). */
  holdMs: number;
  verbose: boolean;
  /** Large transfers with the record's SSH compression (default false: without). */
  compressBulk: boolean;
}

/**
 * Serve the daemon until it closes the request pipe or a build is done;
 * resolves to the exit status.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { PassThrough, Readable } from "node:stream";
 * import { parseHookArguments } from "./arguments.ts";
 * import { hookOptions } from "./setup.ts";
 * const dir = mkdtempSync(join(tmpdir(), "offload-hook-"));
 * // a machines file without machines
 * writeFileSync(join(dir, "machines.scm"), "(list)");
 * const args = parseHookArguments(["x86_64-linux", "3600", "0", "86400"]);
 * const options = hookOptions({ args, env: {}, machinesFile: join(dir, "machines.scm"), stateDir: dir, verbose: false, holdMs: 0, connect: {} });
 * const daemon = (text: string) => Readable.from([Buffer.from(text)]);
 * const replies: string[] = [];
 * const io = { reply: (text: string) => replies.push(text), buildLog: new PassThrough() };
 * // one request, then the daemon closes the pipe
 * const status = await runHook(options, { ...io, requests: daemon("1 x86_64-linux /gnu/store/abc-hello.drv \n") });
 * const broken = await runHook(options, { ...io, requests: daemon("hello\n") });
 * rmSync(dir, { recursive: true });
 * replies; // ["# decline\n", 'offload: error: invalid request line: "hello"\n']
 * [status, broken]; // [0, 1]
 */
export async function runHook(options: HookOptions, io: HookIo): Promise<HookExitStatus> {
  const say = (line: string): void => io.reply(`${line}\n`);
  const lines = new LineReader(io.requests);
  const daemonGone = new AbortController();
  lines.onEnd(() => daemonGone.abort());
  const decider = new HookDecider({ stateDir: options.stateDir, probe: options.probe, holdMs: options.holdMs });
  try {
    // Bounded by the daemon: every round consumes one request line.
    for (;;) {
      const line = await lines.next();
      if (line === null) return HOOK_EXIT.success;
      const request = parseHookRequest(line);
      const { machines, warnings } = await options.loadMachines();
      for (const warning of warnings) if (warning.code !== "missing-file") say(`offload: warning: ${warning.message}`);
      const decision = await decider.decide(machines, request, daemonGone.signal);
      if (options.verbose) explain(decision, request, say);
      if (decision.reply !== "accept") {
        io.reply(formatHookReply(decision.reply));
        continue;
      }
      io.reply(formatHookReply("accept"));
      let job: HookJob;
      try {
        job = await readJob(lines, request);
      } catch (error) {
        decision.slot.release();
        throw error;
      }
      return await offload(job, request, machines, decision, decider, options, io, say);
    }
  } catch (error) {
    say(`offload: error: ${error instanceof Error ? error.message : String(error)}`);
    return exitStatusOf(error);
  } finally {
    decider.close();
    options.links.closeAll();
  }
}

/** The two lines after `# accept`. */
async function readJob(lines: LineReader, request: HookRequest): Promise<HookJob> {
  const inputs = await lines.next();
  const outputs = inputs === null ? null : await lines.next();
  if (inputs === null || outputs === null)
    throw new HookError("daemon-protocol", `the daemon closed the pipe before sending the inputs and outputs of '${request.drvPath}'`);
  return { drvPath: request.drvPath, inputs: parsePathList(inputs, "inputs"), outputs: parsePathList(outputs, "outputs") };
}

/** Build the accepted job, moving to another machine when one fails (bounded). */
async function offload(
  job: HookJob,
  request: HookRequest,
  machines: readonly BuildMachine[],
  first: Extract<Decision, { reply: "accept" }>,
  decider: HookDecider,
  options: HookOptions,
  io: HookIo,
  say: (line: string) => void,
): Promise<HookExitStatus> {
  const local: { connection: Promise<StoreConnection> | null } = { connection: null };
  const localStore = (): Promise<StoreConnection> =>
    (local.connection ??= StoreConnection.connect(options.config.daemonSocket, { storeDir: options.config.storeDir }));
  const timeout = new AbortController();
  const timer =
    options.args.buildTimeout > 0
      ? setTimeout(() => timeout.abort(new HookError("timed-out", `timeout expired while offloading '${job.drvPath}'`)), options.args.buildTimeout * 1000)
      : undefined;
  const failed = new Set<string>();
  let choice: Extract<Decision, { reply: "accept" }> = first;
  try {
    // Bounded by MAX_ATTEMPTS.
    for (let attempt = 1; ; attempt++) {
      if (options.verbose) say(`process ${process.pid} acquired build slot ${choice.slot.index} on '${machineKey(choice.machine)}'`);
      const forget = recordRunningBuild(options.stateDir, choice.machine, job.drvPath);
      try {
        await remoteBuild(job, choice.machine, {
          args: options.args,
          config: options.config,
          links: options.links,
          localStore,
          buildLog: io.buildLog,
          onInfo: say,
          verbose: options.verbose,
          daemonSocket: options.daemonSocket,
          compressBulk: options.compressBulk,
          signal: timeout.signal,
        }).finally(forget);
        recordSuccess(choice.machine, options.stateDir);
        return HOOK_EXIT.success;
      } catch (error) {
        const machineAtFault = error instanceof HookError && error.code === "remote" && error.machine !== undefined;
        if (!machineAtFault || attempt >= MAX_ATTEMPTS || timeout.signal.aborted) throw error;
        recordFailure(choice.machine, options.stateDir, (error as Error).message.split("\n")[0]!);
        failed.add(machineKey(choice.machine));
        await release(choice, options.stateDir);
        const next = await decider.decide(machines, request, undefined, failed);
        if (next.reply !== "accept") throw error;
        say(`offload: warning: ${(error as Error).message}; trying '${next.machine.name}' instead`);
        choice = next;
      }
    }
  } finally {
    clearTimeout(timer);
    await release(choice, options.stateDir);
    void local.connection?.then(
      (store) => store.close(),
      () => undefined,
    );
  }
}

/** Free the slot (once) and tell waiting hooks at once. */
async function release(choice: Extract<Decision, { reply: "accept" }>, stateDir: string): Promise<void> {
  if (released.has(choice.slot)) return;
  released.add(choice.slot);
  choice.slot.release();
  await wakeSlotWaiters(stateDir);
}

const released = new WeakSet<object>();

/** With --verbose: why the request got its answer. */
function explain(decision: Decision, request: HookRequest, say: (line: string) => void): void {
  if (decision.reply === "accept") {
    say(`choosing '${machineKey(decision.machine)}' for '${request.drvPath}' (${Math.round(performance.now())} ms after the hook started)`);
    return;
  }
  const verb = decision.reply === "decline" ? "declining" : "postponing";
  say(`${verb} '${request.drvPath}' (${request.system}${request.features.length > 0 ? ` with ${request.features.join(", ")}` : ""}):`);
  if (decision.exclusions.length === 0) say("  no build machines");
  for (const exclusion of decision.exclusions) say(`  ${exclusion.machine}:${exclusion.port}: ${exclusionText(exclusion)}`);
}
