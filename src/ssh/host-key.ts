/**
 * The pinned host key of a build machine: parsing the record's `host-key`
 * string, fingerprints, and the host-key algorithms to offer so the server
 * presents exactly the pinned key type.
 *
 * @example
 * import { parsePinnedHostKey } from "./host-key.ts";
 * const pin = parsePinnedHostKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMgnBAc6jC5pGTCOsyS/fsZ2ea/du7tWvXbuzawmlB7A root@build1", "build1");
 * // as `ssh-keygen -l` prints it
 * pin.fingerprint; // "SHA256:MLPMgDBEOna7O8swZiOeruE73FiU4cjWHmB71djYfZE"
 * pin.algorithms; // ["ssh-ed25519"]
 */
import { createHash } from "node:crypto";
import type { ServerHostKeyAlgorithm } from "ssh2";
import { SshError, type HostKeyDescription } from "./errors.ts";

/** A host key from machines.scm, decoded and checked. */
export interface PinnedHostKey extends HostKeyDescription {
  /** The raw SSH wire-format public-key blob (what the server sends). */
  blob: Buffer;
  /** Host-key algorithms to offer in the key exchange, best first. */
  algorithms: ServerHostKeyAlgorithm[];
}

/** Host-key algorithm names that can carry each key type. RSA keys sign with SHA-2 (OpenSSH ≥ 8.8 refuses SHA-1). */
const ALGORITHMS_BY_KEY_TYPE: Readonly<Record<string, readonly ServerHostKeyAlgorithm[]>> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-dss": ["ssh-dss"],
};

/** Every host-key algorithm ssh2 can verify; used only to learn what a server offers. */
export const ALL_HOST_KEY_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [...new Set(Object.values(ALGORITHMS_BY_KEY_TYPE).flat())];

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decode and check a `host-key` value (`TYPE BASE64 [COMMENT]`). The type word
 * must be one ssh2 can verify and must agree with the type inside the blob.
 * Throws an {@link SshError} with code `host-key-invalid` otherwise.
 *
 * @example
 * // AAAAB3NzaC1yc2E= is a blob holding only the type "ssh-rsa": the type is all this checks of the data
 * parsePinnedHostKey("ssh-rsa AAAAB3NzaC1yc2E=", "build1").algorithms; // ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
 * let message = "";
 * try {
 *   parsePinnedHostKey("ssh-ed25519 AAAAB3NzaC1yc2E=", "build1");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // 'invalid host-key for build1: the key says "ssh-ed25519" but its data is a ssh-rsa key'
 */
export function parsePinnedHostKey(hostKey: string, machineName: string): PinnedHostKey {
  const invalid = (why: string): SshError =>
    new SshError("host-key-invalid", machineName, `invalid host-key for ${machineName}: ${why}`, { stage: "host-key" });
  const words = hostKey.trim().split(/\s+/);
  const [type, base64] = words;
  if (type === undefined || base64 === undefined || type === "") {
    throw invalid(`expected "TYPE BASE64 [COMMENT]", got ${JSON.stringify(hostKey)}`);
  }
  const algorithms = ALGORITHMS_BY_KEY_TYPE[type];
  if (algorithms === undefined) {
    throw invalid(`unsupported key type ${JSON.stringify(type)} (supported: ${Object.keys(ALGORITHMS_BY_KEY_TYPE).join(", ")})`);
  }
  const blob = Buffer.from(base64, "base64");
  if (!BASE64.test(base64) || blob.length === 0 || blob.toString("base64") !== base64) {
    throw invalid("the key is not valid base64");
  }
  const innerType = blobKeyType(blob);
  if (innerType !== type) {
    throw invalid(`the key says ${JSON.stringify(type)} but its data is ${innerType === null ? "not an SSH public key" : `a ${innerType} key`}`);
  }
  return { type, base64, blob, fingerprint: fingerprint(blob), algorithms: [...algorithms] };
}

/**
 * Just the printable description of a pinned key.
 *
 * @example
 * const pin = parsePinnedHostKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMgnBAc6jC5pGTCOsyS/fsZ2ea/du7tWvXbuzawmlB7A root@build1", "build1");
 * // without the blob and the algorithms
 * Object.keys(describePin(pin)); // ["type", "base64", "fingerprint"]
 */
export function describePin(pin: PinnedHostKey): HostKeyDescription {
  return { type: pin.type, base64: pin.base64, fingerprint: pin.fingerprint };
}

/**
 * OpenSSH's SHA256 fingerprint of a public-key blob (as `ssh-keygen -l` prints it).
 *
 * @example
 * fingerprint(Buffer.from("AAAAC3NzaC1lZDI1NTE5AAAAIMgnBAc6jC5pGTCOsyS/fsZ2ea/du7tWvXbuzawmlB7A", "base64"));
 * // "SHA256:MLPMgDBEOna7O8swZiOeruE73FiU4cjWHmB71djYfZE"
 */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * Describe a key blob as received from a server.
 *
 * @example
 * describeHostKey(Buffer.from("AAAAC3NzaC1lZDI1NTE5AAAAIMgnBAc6jC5pGTCOsyS/fsZ2ea/du7tWvXbuzawmlB7A", "base64"));
 * // { type: "ssh-ed25519", base64: "AAAAC3NzaC1lZDI1NTE5AAAAIMgnBAc6jC5pGTCOsyS/fsZ2ea/du7tWvXbuzawmlB7A",
 * //   fingerprint: "SHA256:MLPMgDBEOna7O8swZiOeruE73FiU4cjWHmB71djYfZE" }
 * describeHostKey(Buffer.from("not a key")).type; // "unknown"
 */
export function describeHostKey(blob: Buffer): HostKeyDescription {
  return { type: blobKeyType(blob) ?? "unknown", base64: blob.toString("base64"), fingerprint: fingerprint(blob) };
}

/** The key type named at the start of an SSH public-key blob, or null if malformed. */
function blobKeyType(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) return null;
  return blob.subarray(4, 4 + length).toString("latin1");
}
