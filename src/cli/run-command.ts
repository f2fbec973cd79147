/**
 * `offload run [options] [--] COMMAND [ARGS...]`: run a command on the best
 * build machine in a fresh remote directory holding the inputs, stream its
 * output live, bring the outputs back. Exits with the remote command's
 * status; 124 when --timeout or --max-silent-time ended it, 130 when
 * interrupted, 255 when offloading itself failed (no machine, transfer error).
 *
 * Also exports the option plumbing `offload select` and `offload build` share.
 *
 * @example
 * // offload run --input src --output out -- make -C src
 */
import { Option, type Command } from "commander";
import { loadMachinesCached } from "../machines/cache.ts";
import { DEFAULT_MACHINES_FILE } from "../machines/default-file.ts";
import type { BuildMachine } from "../machines/types.ts";
import { localSystem } from "../offload/local-system.ts";
import { Offloader, type JobReport } from "../offload/offloader.ts";
import { defaultStateDir } from "../offload/state-dir.ts";
import { credentialsFromEnvironment } from "../ssh/private-key.ts";
import { CliError, colorsFor, printLoadWarnings } from "./output.ts";

/** Exit status when --timeout or --max-silent-time ended the command (as GNU timeout). */
export const EXIT_TIMED_OUT = 124;
/** Exit status after Ctrl-C. */
export const EXIT_INTERRUPTED = 130;
/** Exit status when offloading failed before or around the command (as ssh). */
export const EXIT_OFFLOAD_FAILED = 255;

/** Options every offloading command takes. */
export interface EngineCliOptions {
  machines: string;
  stateDir?: string;
  wait?: string;
  retries?: string;
  connectTimeout?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Add --machines, --state-dir, --wait, --retries and --connect-timeout.
 *
 * @example
 * addEngineOptions(program.command("run"));
 */
export function addEngineOptions(command: Command): Command {
  return command
    .option("--machines <file>", "machines file", DEFAULT_MACHINES_FILE)
    .option("--state-dir <dir>", `slots, back-off and probe cache (default ${defaultStateDir()})`)
    .option("--wait <seconds>", "longest wait for a free machine", "3600")
    .option("--retries <n>", "other machines to try after a connection failure", "2")
    .option("--connect-timeout <seconds>", "SSH connect timeout", "30");
}

/**
 * Add --system and --features.
 *
 * @example
 * addRequirementOptions(command);
 */
export function addRequirementOptions(command: Command): Command {
  return command
    .option("--system <system>", "system type the job needs", localSystem())
    .option("--features <list>", "required features, comma-separated (repeatable)", collect, [] as string[]);
}

/**
 * Parse a number-of-seconds option (or throw a usage error).
 *
 * @example
 * secondsOption("--timeout", "1.5"); // 1500
 */
export function secondsOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0) throw new CliError(`${name} must be a number of seconds, got '${text}'`, 2);
  return value * 1000;
}

/**
 * Parse a count option (or throw a usage error).
 *
 * @example
 * countOption("--retries", "2"); // 2
 */
export function countOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new CliError(`${name} must be a whole number, got '${text}'`, 2);
  return value;
}

/**
 * Split repeated, comma-separated --features values.
 *
 * @example
 * featureList(["kvm,big-mem", "gpu"]); // ["kvm", "big-mem", "gpu"]
 */
export function featureList(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(",")).map((feature) => feature.trim()).filter((feature) => feature !== "");
}

/**
 * Load the machines file (through the cache in the state directory),
 * printing its warnings on stderr.
 *
 * @example
 * const machines = await loadMachineList("/etc/guix/machines.scm", defaultStateDir());
 */
export async function loadMachineList(file: string, stateDir: string): Promise<BuildMachine[]> {
  const { machines, warnings } = await loadMachinesCached(file, stateDir);
  printLoadWarnings(file, warnings);
  return machines;
}

/**
 * An engine for the parsed engine options.
 *
 * @example
 * const offloader = offloaderFor(options, machines);
 */
export function offloaderFor(options: EngineCliOptions, machines: readonly BuildMachine[]): Offloader {
  return new Offloader({
    machines,
    stateDir: options.stateDir ?? defaultStateDir(),
    waitMs: secondsOption("--wait", options.wait),
    retries: countOption("--retries", options.retries),
    connect: { timeoutMs: secondsOption("--connect-timeout", options.connectTimeout), ...credentialsFromEnvironment(process.env) },
  });
}

/**
 * Parse `--env K=V` values.
 *
 * @example
 * envOption(["LANG=C", "X=a=b"]); // { LANG: "C", X: "a=b" }
 */
export function envOption(values: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf("=");
    const name = equals < 0 ? value : value.slice(0, equals);
    if (equals < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new CliError(`--env wants NAME=VALUE, got '${value}'`, 2);
    env[name] = value.slice(equals + 1);
  }
  return env;
}

/**
 * Stop on Ctrl-C (or SIGTERM): the first one cancels cleanly (the remote
 * command is ended, scratch space removed, slots released); a second one
 * exits at once (slots are freed by the kernel anyway).
 *
 * @example
 * const interrupt = onInterrupt(() => console.error("stopping…"));
 * // … interrupt.signal …
 * interrupt.dispose();
 */
export function onInterrupt(notice: () => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (): void => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    notice();
    controller.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}

/**
 * The exit status of `offload run` for a job report.
 *
 * @example
 * exitStatusOf(report); // 0 when the remote command succeeded
 */
export function exitStatusOf(report: JobReport): number {
  switch (report.status) {
    case "succeeded":
    case "failed":
      return report.exitCode ?? EXIT_OFFLOAD_FAILED;
    case "timed-out":
      return EXIT_TIMED_OUT;
    case "cancelled":
      return EXIT_INTERRUPTED;
    default:
      return EXIT_OFFLOAD_FAILED;
  }
}

interface RunOptions extends EngineCliOptions {
  system: string;
  features: string[];
  input: string[];
  output: string[];
  env: string[];
  timeout?: string;
  maxSilentTime?: string;
  verbose?: boolean;
}

/**
 * Register `offload run`.
 *
 * @example
 * registerRunCommand(program);
 */
export function registerRunCommand(program: Command): void {
  // Everything after the command's first word belongs to the remote command.
  program.enablePositionalOptions();
  const command = program
    .command("run")
    .description("run a command on the best build machine: inputs sent, output streamed, outputs brought back")
    .argument("<command...>", "the command and its arguments (put -- before it)")
    .passThroughOptions()
    .option("--input <path>", "file or directory to send (repeatable; relative paths are kept)", collect, [] as string[])
    .option("--output <path>", "file or directory to bring back (repeatable; relative to the job directory)", collect, [] as string[])
    .option("--env <name=value>", "environment variable for the command (repeatable)", collect, [] as string[])
    .addOption(new Option("--timeout <seconds>", "end the command after this long"))
    .addOption(new Option("--max-silent-time <seconds>", "end the command after this long without output"))
    .option("-v, --verbose", "say which machine runs the job and how long each phase took");
  addRequirementOptions(command);
  addEngineOptions(command);
  command.action(async (argv: string[], options: RunOptions) => {
    process.exitCode = await runAction(argv, options);
  });
}

async function runAction(argv: string[], options: RunOptions): Promise<number> {
  const spec = {
    system: options.system,
    features: featureList(options.features),
    command: argv,
    env: envOption(options.env),
    inputs: options.input,
    outputs: options.output,
    dir: process.cwd(),
    timeoutMs: secondsOption("--timeout", options.timeout),
    maxSilentMs: secondsOption("--max-silent-time", options.maxSilentTime),
  };
  const machines = await loadMachineList(options.machines, options.stateDir ?? defaultStateDir());
  const offloader = offloaderFor(options, machines);
  const colors = colorsFor(process.stderr);
  const say = (message: string): void => void process.stderr.write(`${colors.dim(`offload: ${message}`)}\n`);
  const interrupt = onInterrupt(() => say("interrupted; stopping the remote command (Ctrl-C again to quit at once)"));
  try {
    const report = await offloader.run(spec, {
      stdout: process.stdout,
      stderr: process.stderr,
      signal: interrupt.signal,
      onNotice: say,
      onStarted: (machine) => {
        if (options.verbose) say(`running on ${machine.name}:${machine.port}`);
      },
    });
    if (options.verbose) {
      const ms = report.phaseMs;
      say(`phases: queued ${ms.queued.toFixed(0)} ms, upload ${ms.upload.toFixed(0)} ms (${report.bytesUp} bytes), run ${ms.run.toFixed(0)} ms, download ${ms.download.toFixed(0)} ms (${report.bytesDown} bytes)`);
    }
    if (report.status === "timed-out") {
      const limit = report.killedFor === "silence" ? `no output for ${options.maxSilentTime} s (--max-silent-time)` : `${options.timeout} s (--timeout)`;
      process.stderr.write(`${colors.red(`offload: error: the command was ended after ${limit}`)}\n`);
    } else if (report.status === "error") {
      process.stderr.write(`${colors.red(`offload: error: ${report.error?.message ?? "offloading failed"}`)}\n`);
    } else if (report.status === "cancelled") {
      say("cancelled");
    }
    return exitStatusOf(report);
  } finally {
    interrupt.dispose();
    offloader.close();
  }
}
