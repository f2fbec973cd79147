/**
 * The `offload` command line: one commander program, a command per module.
 * Only the module of the command being run is loaded, so `offload show` does
 * not pay for the SSH stack at start-up. `offload` alone prints the commands
 * and exits 1.
 *
 * @example
 * // offload show --json /etc/guix/machines.scm
 */
import { CommanderError, type Command } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { endQuietlyOnBrokenPipe } from "./broken-pipe.ts";
import { OffloadCommand } from "./command.ts";
import { reportError } from "./output.ts";

type Register = (program: Command) => void;

/** Each command's name and how to load its registration function. */
const COMMANDS: ReadonlyArray<[string, () => Promise<Register>]> = [
  ["show", () => import("./show-command.ts").then((module) => module.registerShowCommand)],
  ["eval", () => import("./eval-command.ts").then((module) => module.registerEvalCommand)],
  ["lint", () => import("./lint-command.ts").then((module) => module.registerLintCommand)],
  ["test", () => import("./test-command.ts").then((module) => module.registerTestCommand)],
  ["status", () => import("./status-command.ts").then((module) => module.registerStatusCommand)],
  ["select", () => import("./select-command.ts").then((module) => module.registerSelectCommand)],
  ["run", () => import("./run-command.ts").then((module) => module.registerRunCommand)],
  ["build", () => import("./build-command.ts").then((module) => module.registerBuildCommand)],
  ["gc", () => import("./gc-command.ts").then((module) => module.registerGcCommand)],
  ["hold", () => import("./hold-command.ts").then((module) => module.registerHoldCommand)],
  ["hook", () => import("./hook-command.ts").then((module) => module.registerHookCommand)],
  ["nar", () => import("./nar-command.ts").then((module) => module.registerNarCommand)],
];

/**
 * Builds the program with the commands `argv` may need (all of them for help).
 *
 * @example
 * // offload lint machines.scm  → only lint-command.ts is loaded; offload --help loads every command
 */
async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new OffloadCommand()
    .name("offload")
    .description("Read, lint and use GNU Guix build machines (machines.scm) to offload work over SSH")
    .version(packageJson.version)
    .exitOverride();
  const requested = argv.find((arg) => !arg.startsWith("-"));
  const known = COMMANDS.some(([name]) => name === requested);
  for (const [name, load] of COMMANDS) {
    if (!known || name === requested) (await load())(program);
  }
  return program;
}

/**
 * Runs the command line; resolves to the exit status.
 *
 * @example
 * // offload lint machines.scm; echo $?  → 0 when the file has no errors: main resolved to it
 */
async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    // Commander has printed help, the version or the usage error (see command.ts) already.
    if (error instanceof CommanderError) return error.exitCode;
    return reportError(error);
  }
}

const isEntryPoint = process.argv[1] !== undefined && /(?:main\.ts|offload\.mjs|offload)$/.test(process.argv[1]);
if (isEntryPoint) {
  // `offload select | head`: the reader going away ends us quietly, as it does cat.
  endQuietlyOnBrokenPipe(process.stdout);
  endQuietlyOnBrokenPipe(process.stderr);
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
