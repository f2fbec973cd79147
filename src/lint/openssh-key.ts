/**
 * Checks an OpenSSH public key line (`TYPE BASE64 [COMMENT]`) the way the
 * host-key rules need: tokens as Guix splits them, strict base64, the type
 * inside the blob, and the key length for each key type.
 *
 * @example
 * const blob = "AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * checkPublicKeyLine(`ssh-ed25519 ${blob} root@build1`).problems; // []
 * checkPublicKeyLine(`ssh-rsa ${blob}`).problems;
 * // [{ token: 1, message: 'the key inside is of type "ssh-ed25519", not "ssh-rsa": the type word and the key do not belong together' }]
 */
import { abbreviate } from "../scheme/abbreviate.ts";

/** A problem with part of the line: which token (0 type, 1 base64, 2+ comment) and why. */
export interface KeyProblem {
  token: number;
  message: string;
}

/** A whitespace-separated token and where it starts in the line. */
export interface KeyToken {
  text: string;
  index: number;
}

export interface KeyCheck {
  tokens: KeyToken[];
  problems: KeyProblem[];
}

/** Key types OpenSSH writes in public key lines. */
const KNOWN_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ssh-dss",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
];

const ECDSA_POINT_BYTES: Record<string, number> = { nistp256: 65, nistp384: 97, nistp521: 133 };

/**
 * Splits like Guile's `string-tokenize` (runs of non-whitespace).
 *
 * @example
 * keyTokens("ssh-ed25519  AAAA\n"); // [{ text: "ssh-ed25519", index: 0 }, { text: "AAAA", index: 13 }]
 */
export function keyTokens(line: string): KeyToken[] {
  const tokens: KeyToken[] = [];
  for (const m of line.matchAll(/\S+/g)) tokens.push({ text: m[0], index: m.index });
  return tokens;
}

/**
 * Checks `line`; an empty problem list means a well-formed key.
 *
 * @example
 * checkPublicKeyLine("ssh-ed25519").problems;
 * // [{ token: 0, message: 'expected "TYPE BASE64 [COMMENT]" (e.g. the contents of /etc/ssh/ssh_host_ed25519_key.pub), got 1 word' }]
 * checkPublicKeyLine("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH").problems;
 * // [{ token: 1, message: "the key is not valid base64 (truncated or mistyped when copied?)" }]
 */
export function checkPublicKeyLine(line: string): KeyCheck {
  const tokens = keyTokens(line);
  const problems: KeyProblem[] = [];
  if (tokens.length < 2) {
    problems.push({
      token: 0,
      message: `expected "TYPE BASE64 [COMMENT]" (e.g. the contents of /etc/ssh/ssh_host_ed25519_key.pub), got ${tokens.length} word${tokens.length === 1 ? "" : "s"}`,
    });
    return { tokens, problems };
  }
  const type = tokens[0]!.text;
  const base64 = tokens[1]!.text;
  if (!KNOWN_KEY_TYPES.includes(type)) {
    problems.push({ token: 0, message: `"${abbreviate(type)}" is not an OpenSSH key type (expected ssh-ed25519, ssh-rsa, ...)` });
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    problems.push({ token: 1, message: "the key is not valid base64 (truncated or mistyped when copied?)" });
    return { tokens, problems };
  }
  const blob = Buffer.from(base64, "base64");
  const blobProblem = checkBlob(blob, type);
  if (blobProblem) problems.push({ token: 1, message: blobProblem });
  return { tokens, problems };
}

class BlobReader {
  offset = 0;
  constructor(private readonly blob: Buffer) {}
  bytes(): Buffer | undefined {
    if (this.offset + 4 > this.blob.length) return undefined;
    const length = this.blob.readUInt32BE(this.offset);
    if (this.offset + 4 + length > this.blob.length) return undefined;
    const value = this.blob.subarray(this.offset + 4, this.offset + 4 + length);
    this.offset += 4 + length;
    return value;
  }
  get done(): boolean {
    return this.offset === this.blob.length;
  }
}

function checkBlob(blob: Buffer, type: string): string | undefined {
  const reader = new BlobReader(blob);
  const inner = reader.bytes()?.toString("latin1");
  if (inner === undefined) return "the decoded key is truncated";
  if (inner !== type) return `the key inside is of type "${abbreviate(inner)}", not "${abbreviate(type)}": the type word and the key do not belong together`;
  const lengthProblem = checkKeyLength(reader, type);
  if (lengthProblem) return lengthProblem;
  if (!reader.done) return "the decoded key has extra bytes at the end (two keys pasted together?)";
  return undefined;
}

function mpintBits(value: Buffer): number {
  let i = 0;
  while (i < value.length && value[i] === 0) i++;
  if (i === value.length) return 0;
  return (value.length - i - 1) * 8 + (32 - Math.clz32(value[i]!));
}

function checkKeyLength(reader: BlobReader, type: string): string | undefined {
  if (type === "ssh-ed25519" || type === "sk-ssh-ed25519@openssh.com") {
    const key = reader.bytes();
    // A cut-off copy and paste leaves fewer bytes than the length the key announces.
    if (!key) return "the Ed25519 key is truncated (an incomplete copy?)";
    if (key.length !== 32) return `an Ed25519 key is 32 bytes, this one is ${key.length}`;
    if (type.startsWith("sk-") && !reader.bytes()) return "the security-key application string is missing";
    return undefined;
  }
  if (type === "ssh-rsa") {
    const e = reader.bytes();
    const n = reader.bytes();
    if (!e || !n) return "the RSA key is truncated";
    const bits = mpintBits(n);
    if (bits < 1024) return `the RSA modulus has ${bits} bits; OpenSSH refuses RSA keys shorter than 1024 bits`;
    return undefined;
  }
  if (type === "ssh-dss") {
    for (const part of ["p", "q", "g", "y"]) if (!reader.bytes()) return `the DSA key is truncated (no ${part})`;
    return undefined;
  }
  const curve = type.match(/nistp(256|384|521)/)?.[0];
  if (curve) {
    const name = reader.bytes()?.toString("latin1");
    if (name !== curve) return `the ECDSA curve inside is "${name ?? ""}", not ${curve}`;
    const point = reader.bytes();
    if (!point || point.length !== ECDSA_POINT_BYTES[curve])
      return `an ECDSA ${curve} point is ${ECDSA_POINT_BYTES[curve]} bytes, this one is ${point?.length ?? 0}`;
    if (type.startsWith("sk-") && !reader.bytes()) return "the security-key application string is missing";
  }
  return undefined;
}
