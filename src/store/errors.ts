/**
 * Errors of the store layer. Every failure carries a stable `code`; errors the
 * daemon reported also carry its message and status, and signature failures
 * say which check failed, so the build hook can map them to Guix's messages
 * without parsing text.
 *
 * @example
 * import { StoreError, DaemonError } from "./errors.ts";
 * try { await connection.queryPathInfo(path); }
 * catch (error) { if (error instanceof DaemonError && error.status === 1) console.error(error.daemonMessage); }
 */

/** Stable failure codes. */
export type StoreErrorCode =
  /** The daemon's socket could not be reached. */
  | "connection-failed"
  /** The stream ended or failed in the middle of an operation; the connection is unusable. */
  | "connection-broken"
  /** The peer sent bytes that do not follow the worker protocol (bad magic, unknown message). */
  | "protocol"
  /** The daemon answered an operation with an error (STDERR_ERROR). */
  | "daemon"
  /** A NAR that is malformed or truncated. */
  | "nar-format"
  /** A NAR that would write outside its target or with an invalid name. */
  | "nar-unsafe"
  /** An export stream (`guix archive --export` format) that is malformed. */
  | "export-format"
  /** A store item whose signature is missing, unauthorized, invalid or for other contents. */
  | "signature"
  /** A key of a kind this implementation cannot use (e.g. RSA from an old installation). */
  | "unsupported-key"
  /** A key, ACL or signature file that does not have the expected structure. */
  | "key-format"
  /** Text that is not a valid S-expression. */
  | "sexp-syntax"
  /** A string that is not a store path of the given store directory, or an invalid store name. */
  | "store-path"
  /** A derivation file (`Derive(...)`) that cannot be parsed or is inconsistent. */
  | "derivation-format"
  /** A file-system operation failed while dumping or restoring. */
  | "file-system"
  /** The operation was given arguments it cannot use. */
  | "invalid-argument";

/** A failure of the store layer. */
export class StoreError extends Error {
  override readonly name: string = "StoreError";

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * An error the daemon reported for an operation: its message and status, as
 * Guix's `&store-protocol-error` (status 100: permanent build failure, 101:
 * timeout, 1: anything else).
 *
 * @example
 * const error = new DaemonError("path `/gnu/store/0000-x' is not valid", 1);
 * [error.code, error.status, error.message]; // ["daemon", 1, "path `/gnu/store/0000-x' is not valid"]
 */
export class DaemonError extends StoreError {
  override readonly name: string = "DaemonError";

  constructor(
    /** The daemon's message, exactly as sent. */
    readonly daemonMessage: string,
    /** The daemon's status (1 when it sent none). */
    readonly status: number,
  ) {
    super("daemon", daemonMessage);
  }
}

/** Which check a signature failed, in the order Guix checks them. */
export type SignatureFailure = "unsigned" | "corrupt-signature" | "unauthorized-key" | "invalid-signature" | "hash-mismatch";

/**
 * A store item refused for its signature. `message` is the daemon's wording
 * (what `guix authenticate` and `importPath` say); `guixMessage` is the
 * wording of Guix's own Scheme restorer (guix/nar.scm), used by `guix offload`.
 *
 * @example
 * import { generateSigningKeyPair, parseAcl } from "./keys.ts";
 * import { checkSignature, signHash } from "./signature.ts";
 * const hash = Buffer.alloc(32, 7);
 * let refused: unknown;
 * try {
 *   checkSignature(signHash(hash, generateSigningKeyPair().secretKey), hash, parseAcl("(acl)"));
 * } catch (error) {
 *   refused = error;
 * }
 * refused instanceof SignatureError && [refused.code, refused.failure, refused.guixMessage]; // ["signature", "unauthorized-key", "unauthorized public key"]
 */
export class SignatureError extends StoreError {
  override readonly name: string = "SignatureError";

  constructor(
    readonly failure: SignatureFailure,
    message: string,
    /** Guix's Scheme wording: "imported file lacks a signature", "unauthorized public key", … */
    readonly guixMessage: string,
  ) {
    super("signature", message);
  }
}
