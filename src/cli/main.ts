/**
 * The `offload` command line: one commander program, a command per module.
 *
 * @example
 * // offload show --json /etc/guix/machines.scm
 */
import { Command, CommanderError } from "commander";
import { registerEvalCommand } from "./eval-command.ts";
import { registerLintCommand } from "./lint-command.ts";
import { reportError } from "./output.ts";
import { registerShowCommand } from "./show-command.ts";

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command()
    .name("offload")
    .description("Read, lint and use GNU Guix build machines (machines.scm) to offload work over SSH")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerShowCommand(program);
  registerEvalCommand(program);
  registerLintCommand(program);
  return program;
}

/** Runs the command line; resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
      return 2;
    }
    return reportError(error);
  }
}

const isEntryPoint = process.argv[1] !== undefined && /(?:main\.ts|offload\.mjs|offload)$/.test(process.argv[1]);
if (isEntryPoint) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
