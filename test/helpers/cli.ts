/**
 * Running the offload CLI from source in tests (src/cli/main.ts through tsx),
 * isolated from the caller's colour, agent and passphrase settings.
 *
 * @example
 * const { code, stdout } = await runCli(["status", file, "--json"]);
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tempDir } from "./temp-dir.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The default state directory of CLI runs in tests, so they never touch the real one (a test's --state-dir or env wins). */
let isolatedStateDir: string | undefined;

/**
 * The command that runs the offload CLI from source.
 *
 * @example
 * const [command, ...args] = offloadCommand();
 */
export function offloadCommand(): string[] {
  // tsx by absolute URL: the CLI runs in job directories outside the checkout.
  const tsx = pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
  return [process.execPath, "--import", tsx, join(repoRoot, "src", "cli", "main.ts")];
}

/** The outcome of a CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Extra environment (applied after the isolation defaults). */
  env?: NodeJS.ProcessEnv;
  /** Killed after this long (default 60 s). */
  timeoutMs?: number;
  /** Called with all stdout so far on every chunk (e.g. to stop a --watch). */
  onStdout?: (stdout: string, child: ChildProcess) => void;
}

/**
 * Start the CLI with `args`: no colour, no ssh-agent, no passphrase from the
 * environment, and a throwaway default state directory.
 *
 * @example
 * const child = startCli(["run", "--", "true"], { cwd: farm.workDir });
 */
export function startCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  const [command, ...prefix] = offloadCommand();
  isolatedStateDir ??= tempDir("offload-cli-state-");
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", OFFLOAD_STATE_DIR: isolatedStateDir };
  for (const name of ["FORCE_COLOR", "SSH_AUTH_SOCK", "OFFLOAD_KEY_PASSPHRASE"]) delete env[name];
  return spawn(command!, [...prefix, ...args], { cwd: options.cwd ?? repoRoot, env: { ...env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Run the CLI to completion.
 *
 * @example
 * const { code, stdout } = await runCli(["select", "--system", "x86_64-linux"], { cwd });
 */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return collect(startCli(args, options), options.timeoutMs ?? 60_000, options.onStdout);
}

/**
 * Collect a started CLI's output and status.
 *
 * @example
 * const result = await collect(startCli(["run", "--", "true"]), 30_000);
 */
export function collect(child: ChildProcess, timeoutMs: number, onStdout?: CliOptions["onStdout"]): Promise<CliResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      onStdout?.(stdout, child);
    });
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
