/**
 * Inspects a private key file the way Guix's offload will use it (libssh's
 * `private-key-from-file`, no passphrase, no agent): existence, readability,
 * permissions, format, passphrase, and the `.pub` file older Guix needs.
 *
 * @example
 * import { generateKeyPairSync } from "node:crypto";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "offload-key-"));
 * const encoding = { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" } as const;
 * const { privateKey } = generateKeyPairSync("ed25519", { privateKeyEncoding: encoding, publicKeyEncoding: { type: "spki", format: "pem" } });
 * writeFileSync(join(dir, "id_ed25519"), privateKey, { mode: 0o600 });
 * const problems = inspectPrivateKey(join(dir, "id_ed25519"));
 * rmSync(dir, { recursive: true });
 * problems.map((problem) => [problem.severity, problem.message.replaceAll(`${dir}/`, "")]);
 * // [["error", "private key id_ed25519 is protected by a passphrase (PKCS#8): Guix cannot use it; use a key without passphrase"]]
 */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import type { Severity } from "./diagnostic.ts";

/** One problem with the key file. */
export interface KeyFileProblem {
  severity: Severity;
  message: string;
}

/**
 * Every problem with the private key at `path` (an empty list when it is usable).
 *
 * @example
 * inspectPrivateKey("/nonexistent/id_rsa");
 * // [{ severity: "error", message: "private key /nonexistent/id_rsa does not exist: Guix fails to load it and never uses this machine" }]
 */
export function inspectPrivateKey(path: string): KeyFileProblem[] {
  let mode: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return [{ severity: "error", message: `private key ${path} is not a regular file` }];
    mode = stat.mode;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [{ severity: "error", message: `private key ${path} does not exist: Guix fails to load it and never uses this machine` }];
    return [{ severity: "warning", message: `cannot inspect private key ${path}: ${(error as Error).message}` }];
  }
  const problems: KeyFileProblem[] = [];
  if (mode & 0o077) {
    problems.push({
      severity: "warning",
      message: `private key ${path} is readable or writable by group or others (mode ${(mode & 0o777).toString(8).padStart(3, "0")}): chmod 600 ${path}`,
    });
  }
  let text: string;
  try {
    accessSync(path, constants.R_OK);
    text = readFileSync(path, "latin1");
  } catch {
    const asRoot = process.getuid?.() === 0;
    problems.push({
      severity: asRoot ? "error" : "warning",
      message: `private key ${path} is not readable by the current user${asRoot ? "" : " (the daemon runs as root: run the lint as root to check it)"}`,
    });
    return problems;
  }
  problems.push(...formatProblems(path, text));
  if (problems.every((p) => p.severity !== "error")) {
    try {
      statSync(`${path}.pub`);
    } catch {
      problems.push({ severity: "info", message: `no ${path}.pub beside the private key: Guix before 2024 needs it (ssh-keygen -y -f ${path} > ${path}.pub)` });
    }
  }
  return problems;
}

function formatProblems(path: string, text: string): KeyFileProblem[] {
  const begin = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  if (!begin)
    return [
      {
        severity: "error",
        message: `${path} is not a private key (no "-----BEGIN ... PRIVATE KEY-----" line${text.startsWith("ssh-") ? "; it looks like a public key" : ""})`,
      },
    ];
  const label = begin[1]!;
  if (label === "ENCRYPTED PRIVATE KEY")
    return [{ severity: "error", message: `private key ${path} is protected by a passphrase (PKCS#8): Guix cannot use it; use a key without passphrase` }];
  if (label === "PRIVATE KEY") {
    return [
      {
        severity: "warning",
        message: `private key ${path} is in PKCS#8 format, which libssh often cannot load for Guix; convert it: ssh-keygen -p -N "" -f ${path}`,
      },
    ];
  }
  if (!label.endsWith("PRIVATE KEY")) return [{ severity: "error", message: `${path} is not a private key (it holds a ${label})` }];
  if (/Proc-Type:\s*4,ENCRYPTED/.test(text))
    return [{ severity: "error", message: `private key ${path} is protected by a passphrase: Guix cannot use it (no passphrase support, no agent)` }];
  if (label === "OPENSSH PRIVATE KEY") {
    const cipher = openSshCipher(text);
    if (cipher === undefined) return [{ severity: "error", message: `${path} is not a valid OpenSSH private key (corrupt contents)` }];
    if (cipher !== "none")
      return [
        {
          severity: "error",
          message: `private key ${path} is protected by a passphrase (${cipher}): Guix cannot use it; remove it with ssh-keygen -p -N "" -f ${path}`,
        },
      ];
  }
  return [];
}

function openSshCipher(text: string): string | undefined {
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)?.[1];
  if (!body) return undefined;
  const blob = Buffer.from(body.replace(/\s+/g, ""), "base64");
  const magic = "openssh-key-v1\0";
  if (blob.subarray(0, magic.length).toString("latin1") !== magic || blob.length < magic.length + 4) return undefined;
  const length = blob.readUInt32BE(magic.length);
  if (magic.length + 4 + length > blob.length) return undefined;
  return blob.subarray(magic.length + 4, magic.length + 4 + length).toString("latin1");
}
