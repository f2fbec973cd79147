/**
 * The options of the commands that probe machines themselves (`test`,
 * `status`): one timeout for connecting and for each remote command, the
 * passphrase of encrypted keys, and the remote work directory.
 *
 * @example
 * import { OffloadCommand } from "./command.ts";
 * const status = addConnectionOptions(new OffloadCommand("status").exitOverride(), 10).action(() => {});
 * status.parse(["--timeout", "2.5"], { from: "user" });
 * status.opts(); // { timeout: 2500, workDir: ".cache/offload" }
 */
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { REMOTE_WORK_DIR } from "../ssh/remote-shell.ts";
import { credentialsFromEnvironment } from "../ssh/credentials.ts";
import type { ConnectOptions } from "../ssh/session.ts";
import { secondsOption } from "./option-kinds.ts";
import { CliError } from "./output.ts";

/** The parsed connection options (the timeout in milliseconds). */
export interface ConnectionOptions {
  timeout: number;
  passphraseFile?: string;
  workDir: string;
}

/** Add --timeout, --passphrase-file and --work-dir. */
export function addConnectionOptions(command: Command, defaultTimeoutSeconds: number): Command {
  return command
    .addOption(secondsOption("--timeout <seconds>", "connect and command timeout", { defaultSeconds: defaultTimeoutSeconds }))
    .addOption(new Option("--passphrase-file <file>", "file holding the passphrase of encrypted private keys (or set OFFLOAD_KEY_PASSPHRASE)"))
    .addOption(new Option("--work-dir <dir>", "remote work directory, relative to $HOME").default(REMOTE_WORK_DIR));
}

/**
 * Connect options from the parsed options: credentials from the environment
 * ($OFFLOAD_KEY_PASSPHRASE, $SSH_AUTH_SOCK), a passphrase from --passphrase-file.
 *
 * @example
 * connectOptionsFrom({ timeout: 5000, workDir: ".cache/offload" }); // { timeoutMs: 5000 }
 * let message = "";
 * try {
 *   connectOptionsFrom({ timeout: 5000, workDir: ".cache/offload", passphraseFile: "/nonexistent" });
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "cannot read passphrase file /nonexistent: ENOENT"
 */
export function connectOptionsFrom(options: ConnectionOptions): ConnectOptions {
  const connect: ConnectOptions = { timeoutMs: options.timeout, ...credentialsFromEnvironment(process.env) };
  if (options.passphraseFile !== undefined) {
    try {
      connect.passphrase = readFileSync(options.passphraseFile, "utf8").split(/\r?\n/)[0] ?? "";
    } catch (error) {
      throw new CliError(`cannot read passphrase file ${options.passphraseFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  return connect;
}
