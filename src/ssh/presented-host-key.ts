/**
 * Which host key an SSH server presents to a client that offers some
 * host-key algorithms, and which key types it has: a connection that ends
 * as soon as the key arrives (nothing is authenticated). connect.ts asks
 * it when the server has no key of the pinned type (for the mismatch
 * message); `offload test` asks it which key Guix's libssh would be offered.
 *
 * @example
 * import { presentedHostKey } from "./presented-host-key.ts";
 * const { key, offered } = await presentedHostKey(machine, ["ssh-ed25519", "rsa-sha2-512"], 5000);
 * // key: the server's Ed25519 key if it has one, else its RSA key; offered: every host-key algorithm it announced
 */
import type { ServerHostKeyAlgorithm } from "ssh2";
import type { BuildMachine } from "../machines/types.ts";

/** What the server presented. */
export interface PresentedHostKey {
  /** The host key's blob, or null when none came within the time. */
  key: Buffer | null;
  /** The host-key algorithms the server announced (empty when it announced none in time). */
  offered: string[];
}

/**
 * Connect to `machine` offering `algorithms` in that order and take the
 * host key the server presents; never rejects (a failure is no key).
 *
 * @example
 * // nothing listens on port 1: no key, and no rejection
 * await presentedHostKey({ name: "127.0.0.1", port: 1, user: "builder" }, ["ssh-ed25519"], 5000); // { key: null, offered: [] }
 * // the key is null too when the server has no Ed25519 key, or does not answer within the 5 s
 */
export async function presentedHostKey(
  machine: Pick<BuildMachine, "name" | "port" | "user">,
  algorithms: readonly ServerHostKeyAlgorithm[],
  timeoutMs: number,
): Promise<PresentedHostKey> {
  // Loaded here, not at the top: a process that only goes through connection holders never loads ssh2.
  const { Client } = (await import("ssh2")).default;
  return new Promise((resolve) => {
    const client = new Client();
    let offered: string[] = [];
    let key: Buffer | null = null;
    const finish = (): void => {
      clearTimeout(timer);
      client.removeAllListeners();
      client.on("error", () => undefined);
      client.end();
      resolve({ key, offered });
    };
    const timer = setTimeout(finish, timeoutMs);
    client.on("error", finish);
    client.on("close", finish);
    try {
      client.connect({
        host: machine.name,
        port: machine.port,
        username: machine.user,
        readyTimeout: timeoutMs,
        algorithms: { serverHostKey: [...algorithms] },
        // ssh2 tells the server's algorithm lists only through its debug trace.
        debug: (line: string) => {
          const match = /\(remote\) Host key format: (.*)$/.exec(line);
          if (match !== null) offered = match[1]!.split(",").filter((name) => name !== "");
        },
        hostVerifier: (presented: Buffer): boolean => {
          key = Buffer.from(presented);
          return false;
        },
      });
    } catch {
      finish();
    }
  });
}
