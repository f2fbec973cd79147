/**
 * `offload hook SYSTEM MAX-SILENT-TIME PRINT-BUILD-TRACE BUILD-TIMEOUT`:
 * guix-daemon's build hook, a drop-in for `guix offload`. The daemon runs it
 * through bin/offload-guix, given to the daemon as `$GUIX`. Requests come on
 * stdin, replies go on stderr, the remote build log on fd 4; the exit status
 * is the daemon's (0, 100 build failure, 101 timeout, else transient).
 *
 * @example
 * // printf '1 x86_64-linux /gnu/store/…-hello.drv \n' | offload hook x86_64-linux 3600 1 86400 4>&2
 */
import { fstatSync } from "node:fs";
import net from "node:net";
import type { Writable } from "node:stream";
import { Option, type Command } from "commander";
import { parseHookArguments } from "../offload/hook/arguments.ts";
import { defaultHookMachinesFile } from "../offload/hook/config.ts";
import { exitStatusOf } from "../offload/hook/errors.ts";
import { runHook } from "../offload/hook/hook.ts";
import { hookOptions } from "../offload/hook/setup.ts";
import { ensureStateDir } from "../offload/state-dir.ts";
import { credentialsFromEnvironment } from "../ssh/credentials.ts";
import { MACHINES_ENV } from "./machines-file.ts";
import { parseSeconds } from "./option-kinds.ts";
import { holderSettingsFor, persistOption } from "./persist-option.ts";
import { stateDirOption } from "./state-dir-option.ts";

interface HookCommandOptions {
  machines: string;
  stateDir: string;
  verbose?: boolean;
  hold: number;
  /** How long a connection holder stays idle (0: none), in milliseconds. */
  persist: number;
}

/** Sets --persist from the daemon's environment (the daemon passes the hook no options): 0 turns holders off. */
const PERSIST_ENV = "OFFLOAD_HOOK_PERSIST";

/** Default hold of a reply while every matching machine is busy: the daemon's poll interval. */
const DEFAULT_HOLD_SECONDS = 5;

const HOOK_HELP = `
guix-daemon runs its build hook as \`$GUIX offload ...\`. To make offload the
hook, give the daemon GUIX=/path/to/offload/bin/offload-guix: with \`offload\`
as first argument it runs this command; anything else (authenticate,
substitute, gc) runs the real guix, found through $OFFLOAD_GUIX, else PATH,
else Guix's usual profiles.

  Guix System:  (guix-configuration (environment
                  '("GUIX=/path/to/offload/bin/offload-guix")))
  systemd:      systemctl edit guix-daemon  →  [Service]
                  Environment=GUIX=/path/to/offload/bin/offload-guix
  check:        offload test /etc/guix/machines.scm
  go back:      remove the setting and restart guix-daemon.

Machines come from /etc/guix/machines.scm (or $GUIX_CONFIGURATION_DIRECTORY,
--machines, $OFFLOAD_MACHINES), reread at every request as Guix does.
Verbose messages: --verbose or OFFLOAD_VERBOSE=1. Each machine's SSH
connection is kept open for the next hook (a connection holder) for
--persist seconds, or $OFFLOAD_HOOK_PERSIST; 0 turns that off. See README,
"Use it as guix-daemon's build hook".
`;

/** Register `offload hook`. */
export function registerHookCommand(program: Command): void {
  program
    .command("hook")
    .description("guix-daemon's build hook (a drop-in for `guix offload`; run by bin/offload-guix)")
    .argument("[arguments...]", "SYSTEM MAX-SILENT-TIME PRINT-BUILD-TRACE BUILD-TIMEOUT, as the daemon passes them")
    .addOption(new Option("--machines <file>", "machines file").env(MACHINES_ENV).default(defaultHookMachinesFile(process.env)))
    .addOption(stateDirOption())
    .option("--verbose", "say why each request gets its answer (or set OFFLOAD_VERBOSE=1)")
    .addOption(
      new Option("--hold <seconds>", "longest wait for a slot before answering `# postpone` while every machine is busy")
        .env("OFFLOAD_HOOK_HOLD")
        .argParser((text: string) => parseSeconds(text, true))
        .default(DEFAULT_HOLD_SECONDS * 1000, String(DEFAULT_HOLD_SECONDS)),
    )
    // The daemon starts a hook per build: only a holder kept across them saves each one the SSH handshake.
    .addOption(persistOption().env(PERSIST_ENV))
    .addHelpText("after", HOOK_HELP)
    .action(async (args: string[], options: HookCommandOptions) => {
      const status = await hookAction(args, options);
      // Every descriptor the daemon watches must close now: exit rather than wait for stray handles.
      process.exit(status);
    });
}

async function hookAction(args: string[], options: HookCommandOptions): Promise<number> {
  const buildLog = openBuildLog();
  let status: number;
  try {
    const parsed = parseHookArguments(args);
    const fromEnv = process.env["OFFLOAD_VERBOSE"];
    const verbose = options.verbose === true || (fromEnv !== undefined && fromEnv !== "" && fromEnv !== "0");
    const stateDir = ensureStateDir(options.stateDir);
    status = await runHook(
      hookOptions({
        args: parsed,
        env: process.env,
        machinesFile: options.machines,
        stateDir,
        verbose,
        holdMs: options.hold,
        connect: credentialsFromEnvironment(process.env),
        holder: holderSettingsFor(stateDir, options.persist),
      }),
      { requests: process.stdin, reply: (text) => process.stderr.write(text), buildLog },
    );
  } catch (error) {
    process.stderr.write(`offload: error: ${error instanceof Error ? error.message : String(error)}\n`);
    status = exitStatusOf(error);
  }
  await flush(buildLog);
  return status;
}

/** fd 4, where the daemon reads the build log; stderr when the hook runs without it. */
function openBuildLog(): Writable {
  try {
    fstatSync(4);
  } catch {
    return process.stderr;
  }
  const socket = new net.Socket({ fd: 4, readable: false, writable: true });
  socket.on("error", () => undefined);
  return socket;
}

/** Wait (bounded) until the build log is written out. */
function flush(log: Writable): Promise<void> {
  if (log === process.stderr) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 30_000);
    log.end(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
