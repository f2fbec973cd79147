/**
 * `offload hold` (hidden): a connection holder (src/ssh/holder-server.ts),
 * started by offload itself — its configuration, credentials included,
 * arrives as one JSON line on standard input, never in its arguments. It
 * answers one line on standard output (ready, or why not) and serves until
 * it has been idle for its persist time.
 *
 * @example
 * // started by src/ssh/holder.ts as [process.execPath, ...process.execArgv, process.argv[1], "hold"]
 */
import type { Command } from "commander";
import { readLine } from "../ssh/holder-protocol.ts";
import { runHolder, type HolderConfig } from "../ssh/holder-server.ts";

/**
 * Register the hidden `offload hold`.
 *
 * @example
 * registerHoldCommand(program);
 */
export function registerHoldCommand(program: Command): void {
  program
    .command("hold", { hidden: true })
    .description("keep SSH connections to one machine for other offload processes (started by offload itself)")
    .action(async () => {
      const { line } = await readLine(process.stdin, 1 << 20, 10_000);
      process.stdin.destroy();
      const config = JSON.parse(line) as HolderConfig;
      await runHolder(config, (answer) => {
        process.stdout.write(answer);
        // The starter reads one line; nothing else is ever written.
        process.stdout.end();
      });
      process.exitCode = 0;
    });
}
