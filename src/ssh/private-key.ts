/**
 * The client credential for a machine's `private-key` file: the parsed key,
 * or — for a passphrase-protected key whose passphrase we were not given —
 * the ssh-agent holding that key. Every failure becomes an {@link SshError}
 * with code `key-unreadable`, `key-encrypted` or `key-format` and a message
 * that says what to do.
 *
 * Parsed keys are cached per process (keyed on the file's path, mtime and
 * size), because decrypting a bcrypt-protected OpenSSH key costs tens of
 * milliseconds and twenty machines usually share one key.
 *
 * The SSH layer never reads the environment: where a passphrase or an agent
 * comes from is the caller's choice ({@link credentialsFromEnvironment} is
 * what the CLI uses).
 *
 * @example
 * import { credentialsFromEnvironment } from "./credentials.ts";
 * import { loadClientCredential } from "./private-key.ts";
 * const credential = loadClientCredential("/root/.ssh/id_ed25519", "build1", credentialsFromEnvironment(process.env));
 */
import { readFileSync, statSync } from "node:fs";
import ssh2 from "ssh2";
import type { IdentityCallback, ParsedKey } from "ssh2";
import type { CredentialSources } from "./credentials.ts";
import { SshError } from "./errors.ts";

const { utils, OpenSSHAgent } = ssh2;

/** How to authenticate: a private key in memory, or an agent restricted to one key. */
export type ClientCredential = { kind: "key"; file: string; key: ParsedKey } | { kind: "agent"; file: string; socket: string; publicKey: Buffer | null };

const cache = new Map<string, ParsedKey>();

/**
 * Load the credential for `file`. Throws {@link SshError}.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import ssh from "ssh2";
 * import type { SshError } from "./errors.ts";
 * const dir = mkdtempSync(join(tmpdir(), "offload-key-"));
 * const plain = join(dir, "id_plain");
 * const locked = join(dir, "id_locked");
 * writeFileSync(plain, ssh.utils.generateKeyPairSync("ed25519").private);
 * writeFileSync(locked, ssh.utils.generateKeyPairSync("ed25519", { passphrase: "s3cret", cipher: "aes256-ctr" }).private);
 * const key = loadClientCredential(plain, "build1", {});
 * const unlocked = loadClientCredential(locked, "build1", { passphrase: "s3cret" });
 * // without the passphrase, the agent that should hold the key, and the public half to pick it there
 * const viaAgent = loadClientCredential(locked, "build1", { agentSocket: "/run/user/0/agent.sock" });
 * let refused = "";
 * try {
 *   loadClientCredential(locked, "build1", {});
 * } catch (error) {
 *   refused = (error as SshError).code;
 * }
 * rmSync(dir, { recursive: true });
 * key; // { kind: "key", key: { type: "ssh-ed25519" } }
 * unlocked.kind; // "key"
 * viaAgent; // { kind: "agent", socket: "/run/user/0/agent.sock" }
 * viaAgent.kind === "agent" && viaAgent.publicKey !== null; // true
 * refused; // "key-encrypted"
 */
export function loadClientCredential(file: string | null, machineName: string, sources: CredentialSources): ClientCredential {
  const fail = (code: "key-unreadable" | "key-encrypted" | "key-format", message: string, cause?: unknown): SshError =>
    new SshError(code, machineName, message, { stage: "auth", cause });
  if (file === null) {
    throw fail("key-unreadable", `no private key for ${machineName}: HOME was unset when machines.scm was read; set the private-key field`);
  }
  let text: string;
  let cacheKey: string;
  try {
    const stat = statSync(file);
    text = readFileSync(file, "latin1");
    cacheKey = `${file}\0${stat.mtimeMs}\0${stat.size}\0${sources.passphrase ?? ""}`;
  } catch (error) {
    throw fail("key-unreadable", `cannot read private key ${file}: ${systemReason(error)}`, error);
  }
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return { kind: "key", file, key: cached };

  if (/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(text)) {
    throw fail(
      "key-format",
      `private key ${file} is in PKCS#8 format, which ssh2 cannot read; convert it to the OpenSSH format with: ssh-keygen -p -f ${file}`,
    );
  }
  const parsed = utils.parseKey(text, sources.passphrase);
  if (parsed instanceof Error) {
    if (/no passphrase given/i.test(parsed.message)) return agentCredential(file, text, sources.agentSocket, fail);
    if (sources.passphrase !== undefined && /bad passphrase|integrity check failed|bad decrypt|decrypt/i.test(parsed.message)) {
      throw fail("key-encrypted", `wrong passphrase for private key ${file}`, parsed);
    }
    throw fail("key-format", `cannot use private key ${file}: ${parsed.message} (supported: OpenSSH or PEM ed25519, rsa and ecdsa keys)`, parsed);
  }
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (key === undefined || !key.isPrivateKey()) {
    throw fail("key-format", `${file} holds a public key, not a private key`);
  }
  cache.set(cacheKey, key);
  return { kind: "key", file, key };
}

function agentCredential(file: string, text: string, socket: string | undefined, fail: (code: "key-encrypted", message: string) => SshError): ClientCredential {
  if (socket === undefined || socket === "") {
    throw fail(
      "key-encrypted",
      `private key ${file} is passphrase-protected: load it into ssh-agent (ssh-add ${file}) and set SSH_AUTH_SOCK, ` +
        `or give the passphrase in OFFLOAD_KEY_PASSPHRASE or with --passphrase-file`,
    );
  }
  const publicKey = publicKeyOf(file, text);
  return { kind: "agent", file, socket, publicKey };
}

/**
 * An ssh-agent client that offers only the identity matching `publicKey` (all
 * of them when the public half is unknown), so the machine is reached with
 * its configured key and not with whatever else the agent holds.
 *
 * @example
 * const credential = loadClientCredential(machine.privateKey, machine.name, { agentSocket: process.env.SSH_AUTH_SOCK });
 * if (credential.kind === "agent") {
 *   const agent = new RestrictedAgent(credential.socket, credential.publicKey, (why) => console.error(why));
 *   client.connect({ host: machine.name, username: machine.user, agent });
 * }
 * // why: "the agent does not hold this key", or "cannot talk to ssh-agent: " and the reason
 */
export class RestrictedAgent extends OpenSSHAgent {
  constructor(
    socket: string,
    private readonly publicKey: Buffer | null,
    private readonly onMissing: (reason: string) => void,
  ) {
    super(socket);
  }

  override getIdentities(callback: IdentityCallback<ParsedKey>): void {
    super.getIdentities((error, keys) => {
      if (error !== undefined && error !== null) {
        this.onMissing(`cannot talk to ssh-agent: ${error.message}`);
        callback(error);
        return;
      }
      // OpenSSHAgent always yields parsed keys; anything else cannot be matched.
      const parsed = (keys ?? []).filter((key): key is ParsedKey => typeof key === "object" && "getPublicSSH" in key);
      const matching = parsed.filter((key) => this.publicKey === null || key.getPublicSSH().equals(this.publicKey));
      if (matching.length === 0) this.onMissing("the agent does not hold this key");
      callback(undefined, matching);
    });
  }
}

/** The public half of an encrypted key: from the OpenSSH container's clear header, else from FILE.pub. */
function publicKeyOf(file: string, text: string): Buffer | null {
  const fromContainer = openSshContainerPublicKey(text);
  if (fromContainer !== null) return fromContainer;
  try {
    const parsed = utils.parseKey(readFileSync(`${file}.pub`, "latin1"));
    if (parsed instanceof Error) return null;
    const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
    return key?.getPublicSSH() ?? null;
  } catch {
    return null;
  }
}

/** The OpenSSH private-key container stores the public key unencrypted after the KDF options. */
function openSshContainerPublicKey(text: string): Buffer | null {
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (match === null) return null;
  const data = Buffer.from(match[1]!.replace(/\s+/g, ""), "base64");
  const magic = "openssh-key-v1\0";
  if (data.subarray(0, magic.length).toString("latin1") !== magic) return null;
  let offset = magic.length;
  const readString = (): Buffer | null => {
    if (offset + 4 > data.length) return null;
    const length = data.readUInt32BE(offset);
    if (offset + 4 + length > data.length) return null;
    const value = data.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
  for (let field = 0; field < 3; field++) if (readString() === null) return null; // cipher, kdf, kdf options
  if (offset + 4 > data.length || data.readUInt32BE(offset) < 1) return null;
  offset += 4;
  return readString();
}

function systemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}
