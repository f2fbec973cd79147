/**
 * The worker protocol's numbers (nix/libstore/worker-protocol.hh in Guix):
 * handshake magic, the protocol version this client speaks, operation codes
 * and the codes of the messages a daemon sends while it works.
 *
 * @example
 * import { Op, PROTOCOL_VERSION, protocolMinor } from "./protocol.ts";
 * protocolMinor(PROTOCOL_VERSION); // 0x64
 */

/** What the client sends first ("nixc"). */
export const WORKER_MAGIC_1 = 0x6e697863;
/** What the daemon answers ("dxio"). */
export const WORKER_MAGIC_2 = 0x6478696f;
/** The protocol version of Guix's daemon and client since 2019 (major 1, minor 0x64). */
export const PROTOCOL_VERSION = 0x164;

/**
 * The major part of a protocol version.
 *
 * @example
 * protocolMajor(0x164); // 0x100
 */
export function protocolMajor(version: number): number {
  return version & 0xff00;
}

/**
 * The minor part of a protocol version.
 *
 * @example
 * protocolMinor(0x164); // 0x64
 */
export function protocolMinor(version: number): number {
  return version & 0x00ff;
}

/** Operation codes. */
export const Op = {
  IsValidPath: 1,
  HasSubstitutes: 3,
  QueryPathHash: 4,
  QueryReferences: 5,
  QueryReferrers: 6,
  AddToStore: 7,
  AddTextToStore: 8,
  BuildPaths: 9,
  EnsurePath: 10,
  AddTempRoot: 11,
  AddIndirectRoot: 12,
  SyncWithGC: 13,
  FindRoots: 14,
  ExportPath: 16,
  QueryDeriver: 18,
  SetOptions: 19,
  CollectGarbage: 20,
  QuerySubstitutablePathInfo: 21,
  QueryDerivationOutputs: 22,
  QueryAllValidPaths: 23,
  QueryFailedPaths: 24,
  ClearFailedPaths: 25,
  QueryPathInfo: 26,
  ImportPaths: 27,
  QueryDerivationOutputNames: 28,
  QueryPathFromHashPart: 29,
  QuerySubstitutablePathInfos: 30,
  QueryValidPaths: 31,
  QuerySubstitutablePaths: 32,
  QueryValidDerivers: 33,
  OptimiseStore: 34,
  VerifyStore: 35,
  BuiltinBuilders: 80,
  SubstituteURLs: 81,
} as const;

/** An operation code. */
export type OpCode = (typeof Op)[keyof typeof Op];

/** Messages the daemon sends while an operation runs. */
export const Stderr = {
  /** Log text follows. */
  Next: 0x6f6c6d67,
  /** The daemon wants up to N bytes of the stream the client sends. */
  Read: 0x64617461,
  /** A chunk of the stream the daemon sends follows. */
  Write: 0x64617416,
  /** The operation is done; its result follows. */
  Last: 0x616c7473,
  /** The operation failed: message and status follow. */
  Error: 0x63787470,
} as const;

/** Build modes of BuildPaths (store-api.hh). */
export const BuildMode = {
  Normal: 0,
  Repair: 1,
  Check: 2,
} as const;

/** A build mode. */
export type BuildModeCode = (typeof BuildMode)[keyof typeof BuildMode];
