/**
 * Where credentials come from besides the machines file: the passphrase of
 * encrypted private keys in `$OFFLOAD_KEY_PASSPHRASE` and an ssh-agent at
 * `$SSH_AUTH_SOCK`. A module of its own, without ssh2, so a command that
 * only reads them (and then goes through a connection holder) does not
 * load the SSH library.
 *
 * @example
 * import { credentialsFromEnvironment } from "./credentials.ts";
 * credentialsFromEnvironment({ HOME: "/root", OFFLOAD_KEY_PASSPHRASE: "s3cret", SSH_AUTH_SOCK: "/run/user/0/ssh-agent" });
 * // { passphrase: "s3cret", agentSocket: "/run/user/0/ssh-agent" }
 */

/** Where a passphrase or agent may come from. */
export interface CredentialSources {
  passphrase?: string | undefined;
  agentSocket?: string | undefined;
}

/** The environment variable holding the passphrase of encrypted private keys. */
const PASSPHRASE_ENV = "OFFLOAD_KEY_PASSPHRASE";

/**
 * The credentials an environment offers: the passphrase in
 * `$OFFLOAD_KEY_PASSPHRASE` and the agent at `$SSH_AUTH_SOCK` (an empty value
 * counts as unset, as OpenSSH treats `SSH_AUTH_SOCK`).
 *
 * @example
 * const sources = credentialsFromEnvironment({ SSH_AUTH_SOCK: "/tmp/agent.sock", OFFLOAD_KEY_PASSPHRASE: "" });
 * Object.keys(sources); // ["agentSocket"]
 * Object.keys(credentialsFromEnvironment({ SSH_AUTH_SOCK: "" })); // []
 */
export function credentialsFromEnvironment(env: Readonly<Record<string, string | undefined>>): CredentialSources {
  const sources: CredentialSources = {};
  const passphrase = env[PASSPHRASE_ENV];
  const agentSocket = env["SSH_AUTH_SOCK"];
  if (passphrase !== undefined && passphrase !== "") sources.passphrase = passphrase;
  if (agentSocket !== undefined && agentSocket !== "") sources.agentSocket = agentSocket;
  return sources;
}
