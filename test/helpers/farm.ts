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
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BuildMachine } from "../../src/machines/types.ts";
import { startFarm, tempDir, writeMachinesFile, type SshdOptions, type TestSshd } from "./sshd.ts";

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

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The command that runs the offload CLI from source (test/helpers/offload-driver.ts:
 * the real program, plus the offload commands if main.ts does not register them yet).
 *
 * @example
 * const [command, ...args] = offloadCommand();
 */
export function offloadCommand(): string[] {
  // tsx by absolute URL: the CLI runs in job directories outside the checkout.
  const tsx = pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
  return [process.execPath, "--import", tsx, join(repoRoot, "test", "helpers", "offload-driver.ts")];
}

/** The outcome of a CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Start the CLI with `args` (in `cwd`, with extra `env`).
 *
 * @example
 * const child = startCli(["run", "--", "true"], { cwd: farm.workDir });
 */
export function startCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const [command, ...prefix] = offloadCommand();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...options.env };
  delete env.FORCE_COLOR;
  return spawn(command!, [...prefix, ...args], {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * Run the CLI to completion (killed after `timeoutMs`).
 *
 * @example
 * const { code, stdout } = await runCli(["select", "--system", "x86_64-linux"], { cwd });
 */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = startCli(args, options);
  return collect(child, options.timeoutMs ?? 60_000);
}

/**
 * Collect a started CLI's output and status.
 *
 * @example
 * const result = await collect(startCli(["run", "--", "true"]), 30_000);
 */
export function collect(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
