/**
 * The commander `Command` every offload command is made of: a command line
 * that cannot be run gives one line — `offload: error: …`, commander's
 * did-you-mean hint folded in, and where the help is — and exit status 2,
 * never the whole help text.
 *
 * @example
 * const program = new OffloadCommand("offload").exitOverride().configureOutput({ writeErr: () => {} });
 * program.command("run").option("--machines <file>").action(() => {});
 * let error: { exitCode: number; message: string } | undefined;
 * try {
 *   program.parse(["run", "--machine", "m.scm"], { from: "user" });
 * } catch (caught) {
 *   error = caught as { exitCode: number; message: string };
 * }
 * [error?.exitCode, error?.message]; // [2, "offload: error: unknown option '--machine'; did you mean '--machines'? See offload run --help"]
 */
import { Command, type ErrorOptions } from "commander";
import { EXIT_USAGE } from "./exit-status.ts";

/**
 * A commander command whose usage errors are one line in offload's style;
 * its subcommands are OffloadCommands too.
 *
 * @example
 * new OffloadCommand("offload").command("lint") instanceof OffloadCommand; // true
 */
export class OffloadCommand extends Command {
  override createCommand(name?: string): OffloadCommand {
    return new OffloadCommand(name);
  }

  override error(message: string, errorOptions: ErrorOptions = {}): never {
    return super.error(usageLine(message, commandPath(this)), { ...errorOptions, exitCode: EXIT_USAGE });
  }
}

/**
 * `offload: error: WHAT[; did you mean 'X'?] See PATH --help` from one of
 * commander's messages (`error: WHAT` and an optional `(Did you mean X?)` line).
 *
 * @example
 * usageLine("error: unknown option '--machine'\n(Did you mean --machines?)", "offload run");
 * // "offload: error: unknown option '--machine'; did you mean '--machines'? See offload run --help"
 */
export function usageLine(message: string, path: string): string {
  // Commander says "argument 'x' is invalid. expected …": one sentence reads better.
  const [what = "", ...rest] = message
    .replace(/^error: /, "")
    .replace(/ is invalid\. /, " is invalid: ")
    .split("\n");
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(rest.join(" ").trim())?.[1];
  const hint = suggestion === undefined ? "" : `; did you mean '${suggestion}'?`;
  const sentence = hint !== "" || /[.?!]$/.test(what) ? `${what}${hint}` : `${what}.`;
  return `offload: error: ${sentence} See ${path} --help`;
}

/** `offload run` for the run command: the names from the program down. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) names.unshift(at.name());
  return names.join(" ");
}
