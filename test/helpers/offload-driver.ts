/**
 * Runs the offload CLI from source for tests: the program of src/cli/main.ts,
 * plus `select`, `run` and `build` when main.ts does not register them (yet).
 * Exit statuses follow main.ts: usage errors 2, reported errors their code.
 *
 * @example
 * // node --import tsx test/helpers/offload-driver.ts run -- true
 */
import { CommanderError } from "commander";
import { buildProgram } from "../../src/cli/main.ts";
import { reportError } from "../../src/cli/output.ts";
import { registerBuildCommand } from "../../src/cli/build-command.ts";
import { registerRunCommand } from "../../src/cli/run-command.ts";
import { registerSelectCommand } from "../../src/cli/select-command.ts";

const argv = process.argv.slice(2);
const program = await buildProgram(argv);
const registered = new Set(program.commands.map((command) => command.name()));
if (!registered.has("select")) registerSelectCommand(program);
if (!registered.has("run")) registerRunCommand(program);
if (!registered.has("build")) registerBuildCommand(program);

try {
  await program.parseAsync(argv, { from: "user" });
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help" ? 0 : 2;
  } else process.exitCode = reportError(error);
}
