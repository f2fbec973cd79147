/**
 * Errors of the SSH layer. Every failure carries a stable `code` so callers
 * (the CLI, the offload engine) can react without parsing messages, plus the
 * machine it concerns and, for connection failures, the stage that failed.
 *
 * @example
 * import { SshError } from "./errors.ts";
 * try { await SshSession.connect(machine); }
 * catch (error) { if (error instanceof SshError && error.code === "refused") skip(machine); }
 */
import { formatLocation } from "../../grammar/source.ts";

/** Stable failure codes. */
export type SshErrorCode =
  | "invalid-record"
  | "dns"
  | "refused"
  | "unreachable"
  | "timeout"
  | "host-key-invalid"
  | "host-key-mismatch"
  | "handshake-failed"
  | "auth-failed"
  | "key-unreadable"
  | "key-encrypted"
  | "key-format"
  | "channel-failed"
  | "remote-command-failed"
  | "connection-lost";

/** Where in connection set-up a failure happened (absent for failures after set-up). */
export type ConnectStage = "tcp" | "host-key" | "auth";

/**
 * A failure of the SSH layer concerning one machine.
 *
 * @example
 * const error = new SshError("refused", "build1", "connection to build1:22 refused", { stage: "tcp" });
 * [error.code, error.machine, error.stage]; // ["refused", "build1", "tcp"]
 * error instanceof Error; // true
 */
export class SshError extends Error {
  override readonly name: string = "SshError";
  /** The connection stage that failed, when the failure happened while connecting. */
  readonly stage: ConnectStage | undefined;

  constructor(
    readonly code: SshErrorCode,
    /** The machine's `name` as written in machines.scm. */
    readonly machine: string,
    message: string,
    options: { cause?: unknown; stage?: ConnectStage } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.stage = options.stage;
  }
}

/** One side of a host-key comparison. */
export interface HostKeyDescription {
  /** Key type as named on the wire, e.g. `ssh-ed25519`. */
  type: string;
  /** Base64 of the public-key blob, as in an OpenSSH `.pub` line. */
  base64: string;
  /** OpenSSH-style `SHA256:…` fingerprint. */
  fingerprint: string;
}

/** Where the pinned key was written, so the message can say which line to edit. */
export interface PinLocation {
  file: string;
  line: number;
  column: number;
}

/** What {@link HostKeyMismatchError} knows about the refused server. */
export interface HostKeyMismatch {
  machine: string;
  /** `host:port`. */
  address: string;
  expected: HostKeyDescription;
  /** The key the server presented (of another type when `pinnedTypeOffered` is false), if known. */
  presented: HostKeyDescription | null;
  /** False when the server has no host key of the pinned type at all. */
  pinnedTypeOffered: boolean;
  /** Host-key algorithms the server offers, when known. */
  offeredTypes: readonly string[];
  /** The `(build-machine` form whose host-key field to edit. */
  location: PinLocation | null;
}

/**
 * The server presented a host key other than the pinned one (or has none of
 * the pinned type). Raised before authentication: nothing was sent to the server.
 *
 * @example
 * const error = new HostKeyMismatchError({
 *   machine: "build1",
 *   address: "build1:22",
 *   expected: { type: "ssh-ed25519", base64: "AAAAC3NzaC1lZDI1NTE5AAAAIPin", fingerprint: "SHA256:pinned" },
 *   presented: { type: "ssh-ed25519", base64: "AAAAC3NzaC1lZDI1NTE5AAAAIOther", fingerprint: "SHA256:presented" },
 *   pinnedTypeOffered: true,
 *   offeredTypes: ["ssh-ed25519"],
 *   location: { file: "/etc/guix/machines.scm", line: 4, column: 3 },
 * });
 * [error.code, error.stage]; // ["host-key-mismatch", "host-key"]
 * error.message.split("\n");
 * // ["host key mismatch for build1:22: the server presented a different ssh-ed25519 key; refused before authentication",
 * //  "  expected:  ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPin (SHA256:pinned)",
 * //  "  presented: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther (SHA256:presented)",
 * //  "  if the machine's key really changed (check it out of band), edit the host-key field of the build-machine at /etc/guix/machines.scm:4:3"]
 */
export class HostKeyMismatchError extends SshError {
  override readonly name: string = "HostKeyMismatchError";

  constructor(readonly mismatch: HostKeyMismatch) {
    super("host-key-mismatch", mismatch.machine, describeMismatch(mismatch), { stage: "host-key" });
  }
}

function describeMismatch(m: HostKeyMismatch): string {
  const where = m.location === null ? "machines.scm" : formatLocation(m.location);
  const headline = m.pinnedTypeOffered
    ? `host key mismatch for ${m.address}: the server presented a different ${m.expected.type} key; refused before authentication`
    : `host key mismatch for ${m.address}: the server has no ${m.expected.type} host key` +
      (m.offeredTypes.length > 0 ? ` (it offers ${m.offeredTypes.join(", ")})` : "") +
      "; refused before authentication";
  const lines = [headline, `  expected:  ${m.expected.type} ${m.expected.base64} (${m.expected.fingerprint})`];
  if (m.presented !== null) lines.push(`  presented: ${m.presented.type} ${m.presented.base64} (${m.presented.fingerprint})`);
  lines.push(`  if the machine's key really changed (check it out of band), edit the host-key field of the build-machine at ${where}`);
  return lines.join("\n");
}

/**
 * The message of any thrown value.
 *
 * @example
 * errorMessage(new Error("boom")); // "boom"
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
