/**
 * Building derivations the way guix-daemon does without a chroot or build
 * users (nix/libstore/build.cc): inputs must be valid (input derivations are
 * built first), the builder runs with the daemon's environment (PATH and HOME
 * set to non-existent places, NIX_STORE, NIX_BUILD_CORES, the derivation's
 * variables, NIX_BUILD_TOP/TMPDIR/… pointing at a fresh build directory),
 * stdin from /dev/null and stdout and stderr on one pipe whose text goes to
 * the client; max-silent-time and timeout kill it; outputs are checked,
 * canonicalised (0444/0555, mtime 1), scanned for references and registered
 * with the derivation as deriver. Messages and error statuses are the
 * daemon's: "builder for `…' failed with exit code N" and "build of … failed"
 * with status 100, 101 on timeouts, 1 otherwise.
 *
 * @example
 * import { buildPaths } from "./builder.ts";
 * await buildPaths(context, ["/tmp/s/gnu/store/…-x.drv"], 0);
 */
import { spawn } from "node:child_process";
import {
  chmodSync,
  createWriteStream,
  existsSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
} from "node:fs";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { removeTree } from "../../../src/store/nar-restorer.ts";
import { basename, join } from "node:path";
import { topologicalOrder } from "../../../src/store/closure.ts";
import { isFixedOutput, parseDerivation, type Derivation } from "../../../src/store/derivation.ts";
import { narChunks } from "../../../src/store/nar-writer.ts";
import { createHash } from "node:crypto";
import { HASH_PART_LENGTH, storePathName } from "../../../src/store/store-path.ts";
import type { PathDatabase } from "./database.ts";
import { DaemonFailure } from "./failure.ts";

/** The daemon's verbosity levels (nix/libutil/types.hh). */
export const Verbosity = { Error: 0, Info: 1, Talkative: 2, Chatty: 3, Debug: 4, Vomit: 5 } as const;

/** The build-related settings of a session (from SetOptions). */
export interface BuildSettings {
  keepGoing: boolean;
  verbosity: number;
  buildVerbosity: number;
  printBuildTrace: boolean;
  multiplexedBuildOutput: boolean;
  /** Seconds; 0 means none. */
  maxSilentTime: number;
  /** Seconds; 0 means none. */
  buildTimeout: number;
  buildCores: number;
}

/** What a build needs from the daemon. */
export interface BuildContext {
  storeDir: string;
  /** Where a store path's file really is (the server may keep its files elsewhere). */
  physical(path: string): string;
  /** If set, builders run in a private mount namespace with this directory bind-mounted at the store directory. */
  mountStore: string | null;
  db: PathDatabase;
  settings: BuildSettings;
  /** The system type this daemon builds for (e.g. x86_64-linux). */
  system: string;
  /** Where build directories are created. */
  buildDir: string;
  /** Where build logs are kept (the daemon's log directory, `drvs/XX/…drv.gz` below it). */
  logDir: string;
  /** Sends a message at a verbosity level (dropped when above the session's verbosity). */
  log(level: number, message: string): void;
  /**
   * Sends a message that opens a nesting level (the daemon's startNest):
   * messages until `close` are indented with "|   " if it was shown.
   */
  nest(level: number, message: string): { close(): void };
  /** Sends builder output (already filtered by verbosity). */
  output(data: Buffer): void;
}

/** Why a derivation's goal failed, as the daemon's BuildResult status. */
type Failure = "permanent" | "timed-out" | "misc";

/** A signal's description as strsignal(3) gives it (the common ones). */
const SIGNAL_NAMES: Record<string, [number, string]> = {
  SIGHUP: [1, "Hangup"],
  SIGINT: [2, "Interrupt"],
  SIGQUIT: [3, "Quit"],
  SIGABRT: [6, "Aborted"],
  SIGKILL: [9, "Killed"],
  SIGSEGV: [11, "Segmentation fault"],
  SIGPIPE: [13, "Broken pipe"],
  SIGTERM: [15, "Terminated"],
};

function statusText(code: number | null, signal: NodeJS.Signals | null): string {
  if (code !== null) return `failed with exit code ${code}`;
  const known = signal === null ? undefined : SIGNAL_NAMES[signal];
  return known === undefined ? "died abnormally" : `failed due to signal ${known[0]} (${known[1]})`;
}

/**
 * Builds the given paths (`drv` or `drv!out1,out2`); throws the daemon's
 * "build of … failed" with the worker's status if any fails.
 *
 * @example
 * await buildPaths(context, [drvPath], 0);
 */
export async function buildPaths(context: BuildContext, paths: readonly string[], _mode: number): Promise<void> {
  const builder = new Worker(context);
  const failed: string[] = [];
  for (const request of paths) {
    const drvPath = request.split("!")[0]!;
    if (!drvPath.endsWith(".drv")) {
      // Not a derivation: only substitution could make it valid, and there are no substituters.
      if (!context.db.isValid(drvPath)) failed.push(drvPath);
      continue;
    }
    const ok = await builder.realise(drvPath);
    if (!ok) {
      failed.push(drvPath);
      if (!context.settings.keepGoing) break;
    }
  }
  if (failed.length > 0) {
    throw new DaemonFailure(`build of ${failed.map((p) => `\`${p}'`).join(", ")} failed`, builder.exitStatus());
  }
}

class Worker {
  private timedOut = false;
  private permanentFailure = false;
  private readonly results = new Map<string, boolean>();

  constructor(private readonly context: BuildContext) {}

  exitStatus(): number {
    return this.timedOut ? 101 : this.permanentFailure ? 100 : 1;
  }

  private readDerivation(path: string): Derivation {
    return parseDerivation(readFileSync(this.context.physical(path), "utf8"));
  }

  /** Builds `drvPath` (after its inputs) unless its outputs are valid; false on failure. */
  async realise(drvPath: string): Promise<boolean> {
    const known = this.results.get(drvPath);
    if (known !== undefined) return known;
    const ok = await this.realiseUncached(drvPath);
    this.results.set(drvPath, ok);
    return ok;
  }

  private async realiseUncached(drvPath: string): Promise<boolean> {
    const { db } = this.context;
    if (!db.isValid(drvPath)) {
      this.context.log(0, `cannot build missing derivation ‘${drvPath}’`);
      return false;
    }
    const drv = this.readDerivation(drvPath);
    if ([...drv.outputs.values()].every((output) => db.isValid(output.path))) return true;
    let failedInputs = 0;
    for (const input of drv.inputDrvs.keys()) {
      if (!(await this.realise(input))) failedInputs++;
    }
    if (failedInputs > 0) {
      this.context.log(0, `cannot build derivation \`${drvPath}': ${failedInputs} dependencies couldn't be built`);
      return false;
    }
    for (const source of drv.inputSrcs) db.info(source);
    const failure = await this.runBuilder(drvPath, drv);
    if (failure === null) return true;
    if (failure === "timed-out") this.timedOut = true;
    if (failure === "permanent") this.permanentFailure = true;
    return false;
  }

  /** The input closure: input sources and the wanted outputs of input derivations, with everything they refer to. */
  private inputClosure(drv: Derivation): string[] {
    const roots: string[] = [...drv.inputSrcs];
    for (const [input, wanted] of drv.inputDrvs) {
      const inputDrv = this.readDerivation(input);
      for (const id of wanted) {
        const output = inputDrv.outputs.get(id);
        if (output !== undefined) roots.push(output.path);
      }
    }
    return topologicalOrder(roots, (path) => this.context.db.info(path).references);
  }

  private environment(drv: Derivation, buildTop: string): Record<string, string> {
    const env: Record<string, string> = {
      PATH: "/path-not-set",
      HOME: "/homeless-shelter",
      NIX_STORE: this.context.storeDir,
      NIX_BUILD_CORES: String(this.context.settings.buildCores),
    };
    for (const [name, value] of drv.env) env[name] = value;
    env["NIX_BUILD_TOP"] = buildTop;
    env["TMPDIR"] = env["TEMPDIR"] = env["TMP"] = env["TEMP"] = buildTop;
    env["PWD"] = buildTop;
    return env;
  }

  /** Runs the builder; null on success, else the kind of failure. */
  private async runBuilder(drvPath: string, drv: Derivation): Promise<Failure | null> {
    const { context } = this;
    const { settings } = context;
    const drvName = storePathName(drvPath, context.storeDir);
    const buildTop = mkdtempSync(join(context.buildDir, `guix-build-${drvName}-`));
    const inputs = this.inputClosure(drv);
    const missing = [...drv.outputs.values()]
      .map((output) => output.path)
      .filter((path) => !context.db.isValid(path))
      .sort();
    // startBuilder's nest: "building path(s) …" at lvlInfo, what it prints indented under it.
    const nest = context.nest(Verbosity.Info, `building path(s) ${missing.map((path) => `\`${path}'`).join(", ")}`);
    context.log(Verbosity.Chatty, `executing builder \`${drv.builder}'`);
    for (const output of drv.outputs.values()) {
      // A leftover invalid output would be mistaken for the build's result.
      const file = this.context.physical(output.path);
      if (existsSync(file)) removeTree(file);
    }
    // `umask 022; exec "$@" 2>&1`: the daemon's umask, and one pipe for stdout and stderr, as the daemon's builderOut.
    const command =
      context.mountStore === null
        ? ["/bin/sh", "-c", 'umask 022; exec "$@" 2>&1', "sh", drv.builder, ...drv.args]
        : [
            "/usr/bin/unshare",
            "-m",
            "--propagation",
            "private",
            "/bin/sh",
            "-c",
            '/bin/mount --bind "$1" "$2" || exit 1; shift 2; umask 022; exec "$@" 2>&1',
            "sh",
            context.mountStore,
            context.storeDir,
            drv.builder,
            ...drv.args,
          ];
    const child = spawn(command[0]!, command.slice(1), {
      cwd: buildTop,
      env: this.environment(drv, buildTop),
      stdio: ["ignore", "pipe", "ignore"],
      detached: true,
    });
    const log = openLog(context.logDir, drvPath);
    if (settings.printBuildTrace) context.log(0, `@ build-started ${drvPath} - ${drv.platform} ${log.path} ${child.pid ?? 0}`);
    nest.close();
    const outcome = await this.watch(child, drvPath, log.stream);
    await log.close();
    rmSync(buildTop, { recursive: true, force: true });
    if (outcome.kind === "timeout") return "timed-out";
    try {
      if (outcome.code !== 0) throw new BuildError(`builder for \`${drvPath}' ${statusText(outcome.code, outcome.signal)}`, "permanent");
      await this.registerOutputs(drvPath, drv, inputs);
    } catch (error) {
      if (!(error instanceof BuildError)) throw error;
      context.log(0, error.message);
      if (settings.printBuildTrace) context.log(0, `@ build-failed ${drvPath} - 1 ${error.message}`);
      return isFixedOutput(drv) && error.failure === "permanent" ? "misc" : error.failure;
    }
    if (settings.printBuildTrace) context.log(0, `@ build-succeeded ${drvPath} -`);
    return null;
  }

  /** Forwards output and enforces the time limits; resolves when the builder is gone. */
  private watch(
    child: ReturnType<typeof spawn>,
    drvPath: string,
    log: Writable,
  ): Promise<{ kind: "exit"; code: number | null; signal: NodeJS.Signals | null } | { kind: "timeout" }> {
    const { context } = this;
    const { settings } = context;
    return new Promise((resolve) => {
      let silence: NodeJS.Timeout | undefined;
      let overall: NodeJS.Timeout | undefined;
      let timedOut = false;
      // The daemon's order: the worker reports the timeout, the goal traces it, then Pid::kill announces the kill.
      const kill = (message: string): void => {
        if (timedOut) return;
        timedOut = true;
        context.log(0, message);
        if (settings.printBuildTrace) context.log(0, `@ build-failed ${drvPath} - timeout`);
        context.log(0, `killing process ${child.pid}`);
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // Already gone.
        }
      };
      const armSilence = (): void => {
        if (settings.maxSilentTime <= 0) return;
        clearTimeout(silence);
        silence = setTimeout(
          () => kill(`building of \`${drvPath}' timed out after ${settings.maxSilentTime} seconds of silence`),
          settings.maxSilentTime * 1000,
        );
      };
      armSilence();
      if (settings.buildTimeout > 0) {
        overall = setTimeout(() => kill(`building of \`${drvPath}' timed out after ${settings.buildTimeout} seconds`), settings.buildTimeout * 1000);
      }
      child.stdout!.on("data", (data: Buffer) => {
        if (timedOut) return;
        armSilence();
        log.write(data);
        if (settings.verbosity >= settings.buildVerbosity) {
          const prefix = settings.multiplexedBuildOutput ? `@ build-log ${child.pid} ${data.length}\n` : "";
          context.output(prefix === "" ? data : Buffer.concat([Buffer.from(prefix), data]));
        }
      });
      child.on("close", (code, signal) => {
        clearTimeout(silence);
        clearTimeout(overall);
        resolve(timedOut ? { kind: "timeout" } : { kind: "exit", code, signal });
      });
    });
  }

  /** Checks, canonicalises, scans and registers the outputs (registerOutputs). */
  private async registerOutputs(drvPath: string, drv: Derivation, inputs: readonly string[]): Promise<void> {
    const outputs = [...drv.outputs.values()].map((output) => output.path);
    const candidates = [...inputs, ...outputs];
    const registrations = [];
    for (const path of outputs) {
      const file = this.context.physical(path);
      let stats;
      try {
        stats = lstatSync(file);
      } catch {
        throw new BuildError(`builder for \`${drvPath}' failed to produce output path \`${path}'`, "misc");
      }
      if (!stats.isSymbolicLink() && (stats.mode & 0o022) !== 0) {
        throw new BuildError(`suspicious ownership or permission on \`${path}'; rejecting this build output`, "misc");
      }
      canonicalise(file);
      const nest = this.context.nest(Verbosity.Talkative, `scanning for references inside \`${path}'`);
      const { hash, size, references } = await scanForReferences(file, candidates, this.context.storeDir);
      nest.close();
      registrations.push({ path, narHash: hash, narSize: size, references, deriver: drvPath });
    }
    this.context.db.register(registrations);
  }
}

/**
 * The build log, gzip-compressed where the daemon keeps it:
 * `LOGDIR/drvs/XX//REST.gz` for a derivation whose base name is XXREST (the
 * doubled slash is the daemon's too).
 */
function openLog(logDir: string, drvPath: string): { path: string; stream: Writable; close: () => Promise<void> } {
  const base = basename(drvPath);
  const dir = join(logDir, "drvs", base.slice(0, 2));
  mkdirSync(dir, { recursive: true });
  const path = `${dir}//${base.slice(2)}.gz`;
  const gzip = createGzip({ level: 9 });
  const file = createWriteStream(path);
  gzip.pipe(file);
  // As the daemon closes the log before reporting the build's end, so a client can read it right away.
  const close = async (): Promise<void> => {
    gzip.end();
    await finished(file);
  };
  return { path, stream: gzip, close };
}

/** A failure inside a build, reported as the daemon's BuildError. */
class BuildError extends Error {
  constructor(
    message: string,
    readonly failure: Failure,
  ) {
    super(message);
  }
}

/**
 * Gives a tree the store's canonical metadata: 0444 or 0555 (from the owner's
 * x bit), mtime 1 (canonicalisePathMetaData, as the daemon's own user).
 *
 * @example
 * canonicalise(outputPath);
 */
export function canonicalise(path: string | Buffer): void {
  // Names are bytes: a string round trip would mangle names that are not UTF-8.
  const file = typeof path === "string" ? Buffer.from(path) : path;
  const stats = lstatSync(file);
  if (stats.isDirectory()) {
    for (const name of readdirSync(file, { encoding: "buffer" })) canonicalise(Buffer.concat([file, Buffer.from("/"), name]));
  }
  if (!stats.isSymbolicLink()) {
    const mode = stats.mode & 0o7777;
    if (mode !== 0o444 && mode !== 0o555) chmodSync(file, 0o444 | (stats.mode & 0o100 ? 0o111 : 0));
    utimesSync(file, stats.atime, 1);
  } else {
    lutimesSync(file, stats.atime, 1);
  }
}

/**
 * The NAR hash and size of `path`, and which `candidates` it refers to: those
 * whose hash part appears in its NAR (scanForReferences).
 *
 * @example
 * scanForReferences(output, inputsAndOutputs, storeDir).references;
 */
export async function scanForReferences(
  path: string,
  candidates: readonly string[],
  storeDir: string,
): Promise<{ hash: Buffer; size: number; references: string[] }> {
  const byHash = new Map<string, string>();
  for (const candidate of candidates) byHash.set(candidate.slice(storeDir.length + 1, storeDir.length + 1 + HASH_PART_LENGTH), candidate);
  const found = new Set<string>();
  const hash = createHash("sha256");
  let size = 0;
  let tail = "";
  for await (const chunk of narChunks(path)) {
    hash.update(chunk);
    size += chunk.length;
    // Keep the last 31 bytes: a hash part may straddle two chunks.
    const text = tail + chunk.toString("latin1");
    for (const [part, candidate] of byHash) if (!found.has(candidate) && text.includes(part)) found.add(candidate);
    tail = text.slice(-(HASH_PART_LENGTH - 1));
  }
  return { hash: hash.digest(), size, references: [...found].sort() };
}
