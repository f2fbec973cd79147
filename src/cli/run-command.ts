/**
 * `offload run [options] [--] COMMAND [ARGS...]`: run a command on the best
 * build machine in a fresh remote directory holding the inputs, stream its
 * output live, bring the outputs back. Exits with the remote command's
 * status; 124 when --timeout or --max-silent-time ended it, 130 when
 * interrupted, 255 when offloading itself failed (no machine, transfer error).
 *
 * @example
 * // offload run --input src --output out -- make -C src
 */
import { InvalidArgumentError, type Command } from "commander";
import { addEngineOptions, addRequirementOptions, featureList, offloaderFor, type EngineOptions, type RequirementOptions } from "./engine-options.ts";
import type { Phase } from "../offload/attempt.ts";
import { forwardableStdin } from "../offload/local-stdin.ts";
import { reachedPhaseTimes } from "../offload/phase-clock.ts";
import { ProgressLine } from "../offload/progress-line.ts";
import { exitStatusOf } from "./exit-status.ts";
import { onInterrupt } from "./interrupt.ts";
import { addLimitOptions, type LimitOptions } from "./limit-options.ts";
import { loadMachineList, machinesOption } from "./machines-file.ts";
import { repeatableOption, secondsOption } from "./option-kinds.ts";
import { colorsFor, errorLine } from "./output.ts";
import { stateDirOption } from "./state-dir-option.ts";

interface RunOptions extends EngineOptions, RequirementOptions, LimitOptions {
  machines: string;
  input?: string[];
  output?: string[];
  env?: Record<string, string>;
  /** Milliseconds. */
  timeout?: number;
  /** Milliseconds. */
  maxSilentTime?: number;
  verbose?: boolean;
}

/**
 * One `--env NAME=VALUE`, added to the ones before it.
 *
 * @example
 * // offload run --env LANG=C --env X=a=b -- env  → the remote command sees LANG=C and X=a=b
 * // offload run --env 1X=a -- env  → offload: error: option '--env <name=value>' argument '1X=a' is invalid: expected NAME=VALUE. See offload run --help
 */
function parseEnvAssignment(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const equals = text.indexOf("=");
  const name = equals < 0 ? text : text.slice(0, equals);
  if (equals < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InvalidArgumentError("expected NAME=VALUE");
  return { ...previous, [name]: text.slice(equals + 1) };
}

/** Register `offload run`. */
export function registerRunCommand(program: Command): void {
  // Everything after the command's first word belongs to the remote command.
  program.enablePositionalOptions();
  const command = program
    .command("run")
    .description("run a command on the best build machine: inputs sent, output streamed, outputs brought back")
    .argument("<command...>", "the command and its arguments (put -- before it)")
    .passThroughOptions()
    .addOption(repeatableOption("--input <path>", "file or directory to send (repeatable; relative paths are kept)"))
    .addOption(repeatableOption("--output <path>", "file or directory to bring back (repeatable; relative to the job directory)"))
    .option("--env <name=value>", "environment variable for the command (repeatable)", parseEnvAssignment)
    .addOption(secondsOption("--timeout <seconds>", "end the command after this long"))
    .addOption(secondsOption("--max-silent-time <seconds>", "end the command after this long without output"))
    .option("-v, --verbose", "say which machine runs the job and how long each phase took")
    .addOption(machinesOption())
    .addOption(stateDirOption());
  addRequirementOptions(command);
  addEngineOptions(command);
  addLimitOptions(command).action(async (argv: string[], options: RunOptions) => {
    process.exitCode = await runAction(argv, options);
  });
}

async function runAction(argv: string[], options: RunOptions): Promise<number> {
  const spec = {
    system: options.system,
    features: featureList(options.features),
    command: argv,
    env: options.env ?? {},
    inputs: options.input ?? [],
    outputs: options.output ?? [],
    dir: process.cwd(),
    timeoutMs: options.timeout,
    maxSilentMs: options.maxSilentTime,
    // Like ssh: a pipe or file is forwarded; a terminal or /dev/null gives end of file at once.
    stdin: forwardableStdin(),
  };
  const machines = await loadMachineList(options.machines, options.stateDir, options);
  const offloader = offloaderFor(options, machines);
  const colors = colorsFor(process.stderr);
  // Transfers over a second show bytes, rate and time left on a terminal.
  const progress = new ProgressLine(process.stderr);
  const say = (message: string): void => {
    progress.clear();
    process.stderr.write(`${colors.dim(`offload: ${message}`)}\n`);
  };
  const interrupt = onInterrupt(() => say("interrupted; stopping the remote command (Ctrl-C again to quit at once)"));
  try {
    const report = await offloader.run(spec, {
      stdout: process.stdout,
      stderr: process.stderr,
      signal: interrupt.signal,
      onNotice: say,
      onProgress: (step) => progress.update(step),
      onStarted: (machine) => {
        if (options.verbose) say(`running on ${machine.name}:${machine.port}`);
      },
    });
    progress.clear();
    if (options.verbose) {
      const bytes: Partial<Record<Phase, string>> = { upload: ` (${report.bytesUp} bytes)`, download: ` (${report.bytesDown} bytes)` };
      say(
        `phases: ${reachedPhaseTimes(report)
          .map(([phase, ms]) => `${phase} ${ms.toFixed(0)} ms${bytes[phase] ?? ""}`)
          .join(", ")}`,
      );
    }
    if (report.status === "timed-out") {
      const limit =
        report.killedFor === "silence" ? `no output for ${seconds(options.maxSilentTime)} s (--max-silent-time)` : `${seconds(options.timeout)} s (--timeout)`;
      process.stderr.write(`${colors.red(errorLine(`the command was ended after ${limit}`))}\n`);
    } else if (report.status === "error") {
      process.stderr.write(`${colors.red(errorLine(report.error?.message ?? "offloading failed"))}\n`);
    } else if (report.status === "cancelled") {
      say("cancelled");
    }
    return exitStatusOf(report);
  } finally {
    interrupt.dispose();
    offloader.close();
  }
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? "?" : String(ms / 1000);
}
