/**
 * Client authentication for a build machine: one credential, offered once —
 * the record's private key, or, for a passphrase-protected key whose
 * passphrase we were not given, the ssh-agent holding that key
 * (private-key.ts). What goes wrong before anything reaches the server (an
 * unreadable key, an agent without it) is handed to the caller, so the
 * connection fails with that reason rather than ssh2's generic "All
 * configured authentication methods failed".
 *
 * @example
 * import { authHandlerFor } from "./authentication.ts";
 * client.connect({ …, authHandler: authHandlerFor(machine, { passphrase }, (error) => (keyError = error)) });
 */
import type { AnyAuthMethod, AuthenticationType, NextAuthHandler } from "ssh2";
import type { BuildMachine } from "../machines/types.ts";
import { errorMessage, SshError } from "./errors.ts";
import type { CredentialSources } from "./credentials.ts";
import { loadClientCredential, RestrictedAgent } from "./private-key.ts";

/** ssh2's `authHandler` callback. */
export type AuthHandler = (methodsLeft: AuthenticationType[] | null, partialSuccess: boolean | null, next: NextAuthHandler) => void;

/**
 * The authentication handler for `machine`: the first call offers its
 * credential, every later one gives up (our one credential was refused).
 * `onKeyError` learns why the credential could not be offered.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import ssh from "ssh2";
 * import type { BuildMachine } from "../machines/types.ts";
 * const dir = mkdtempSync(join(tmpdir(), "offload-auth-"));
 * writeFileSync(join(dir, "id_ed25519"), ssh.utils.generateKeyPairSync("ed25519").private);
 * const machine = { name: "build1", user: "builder", privateKey: join(dir, "id_ed25519") } as BuildMachine;
 * const offered: unknown[] = [];
 * const handler = authHandlerFor(machine, {}, (error) => offered.push(error.code));
 * handler(null, null, (method) => offered.push(method));
 * // the key was refused: no second credential
 * handler(null, null, (method) => offered.push(method));
 * const unreadable = authHandlerFor({ ...machine, privateKey: join(dir, "missing") }, {}, (error) => offered.push(error.code));
 * unreadable(null, null, (method) => offered.push(method));
 * rmSync(dir, { recursive: true });
 * offered;
 * // [{ type: "publickey", username: "builder", key: { type: "ssh-ed25519" } }, false, "key-unreadable", false]
 */
export function authHandlerFor(machine: BuildMachine, credentials: CredentialSources, onKeyError: (error: SshError) => void): AuthHandler {
  let attempts = 0;
  return (_methodsLeft, _partialSuccess, next) => {
    // ssh2 takes `false` for "no more methods"; @types/ssh2 leaves it out.
    const giveUp = next as unknown as (done: false) => void;
    if (attempts++ > 0) {
      giveUp(false);
      return;
    }
    try {
      next(offer(machine, credentials, onKeyError));
    } catch (error) {
      onKeyError(error instanceof SshError ? error : new SshError("key-format", machine.name, errorMessage(error), { stage: "auth" }));
      giveUp(false);
    }
  };
}

/** The one method to try: the key itself, or an agent restricted to it. Throws {@link SshError}. */
function offer(machine: BuildMachine, credentials: CredentialSources, onKeyError: (error: SshError) => void): AnyAuthMethod {
  const credential = loadClientCredential(machine.privateKey, machine.name, credentials);
  if (credential.kind === "key") return { type: "publickey", username: machine.user, key: credential.key };
  const agent = new RestrictedAgent(credential.socket, credential.publicKey, (reason) =>
    onKeyError(
      new SshError(
        "key-encrypted",
        machine.name,
        `private key ${credential.file} is passphrase-protected and ${reason} (ssh-agent at ${credential.socket}): run ssh-add ${credential.file}`,
        { stage: "auth" },
      ),
    ),
  );
  return { type: "agent", username: machine.user, agent };
}
