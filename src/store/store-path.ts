/**
 * Store paths as Guix computes them (nix/libstore/store-api.cc), for any
 * store directory: `<store>/<hash>-<name>`, where the hash is the first 160
 * bits (folded) of a SHA-256 over a string naming the kind of item, a content
 * hash, the store directory and the name. Tests run stores in temporary
 * directories, so every function takes the store directory (default
 * `/gnu/store`).
 *
 * @example
 * import { textPath } from "./store-path.ts";
 * textPath("hello", "Hello, world!\n", [], "/gnu/store"); // "/gnu/store/…-hello"
 */
import { createHash } from "node:crypto";
import { toNixBase32 } from "./base32.ts";
import { StoreError } from "./errors.ts";

/** Guix's store directory. */
export const DEFAULT_STORE_DIR = "/gnu/store";

/** Length of the hash part of a store path's base name. */
export const HASH_PART_LENGTH = 32;

const NAME_CHARACTERS = /^[A-Za-z0-9+\-._?=]*$/;

/**
 * Refuses names the daemon refuses (checkStoreName): empty is allowed by the
 * daemon, a leading dot or any character outside `A-Za-z0-9+-._?=` is not.
 *
 * @example
 * checkStoreName("hello-2.12"); // ok
 * checkStoreName(".hidden");    // throws
 */
export function checkStoreName(name: string): void {
  if (name.startsWith(".")) throw new StoreError("store-path", `invalid name: \`${name}'`);
  if (!NAME_CHARACTERS.test(name)) {
    const bad = [...name].find((c) => !NAME_CHARACTERS.test(c)) ?? "";
    throw new StoreError("store-path", `invalid character \`${bad}' in name \`${name}'`);
  }
}

/**
 * SHA-256 of a string (UTF-8) or bytes.
 *
 * @example
 * sha256("").toString("hex"); // "e3b0c442…"
 */
export function sha256(data: string | Uint8Array): Buffer {
  return createHash("sha256").update(data).digest();
}

/**
 * XOR-folds a hash into `size` bytes (the daemon's compressHash).
 *
 * @example
 * foldHash(sha256("x"), 20).length; // 20
 */
export function foldHash(hash: Uint8Array, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < hash.length; i++) out[i % size]! ^= hash[i]!;
  return out;
}

/**
 * `makeStorePath`: the path for an item of `type` ("text:…", "source",
 * "output:out", …) whose content hash is `hash` (SHA-256).
 *
 * @example
 * makeStorePath("source", narHash, "foo", "/gnu/store");
 */
export function makeStorePath(type: string, hash: Uint8Array, name: string, storeDir: string = DEFAULT_STORE_DIR): string {
  checkStoreName(name);
  const description = `${type}:sha256:${Buffer.from(hash).toString("hex")}:${storeDir}:${name}`;
  return `${storeDir}/${toNixBase32(foldHash(sha256(description), 20))}-${name}`;
}

/**
 * The path AddTextToStore gives `content` named `name` with `references`
 * (sorted as the daemon's set sorts them).
 *
 * @example
 * textPath("builder.sh", "echo hi > $out", [], "/tmp/store");
 */
export function textPath(name: string, content: string | Uint8Array, references: readonly string[] = [], storeDir: string = DEFAULT_STORE_DIR): string {
  const type = ["text", ...sortedUnique(references)].join(":");
  return makeStorePath(type, sha256(content), name, storeDir);
}

/**
 * The path of a fixed-output item (AddToStore, fixed-output derivations):
 * recursive SHA-256 items are "source" paths, everything else goes through
 * the `fixed:out:` indirection.
 *
 * @example
 * fixedOutputPath(true, "sha256", narHash, "tree", "/gnu/store");
 */
export function fixedOutputPath(recursive: boolean, hashAlgorithm: string, hash: Uint8Array, name: string, storeDir: string = DEFAULT_STORE_DIR): string {
  if (recursive && hashAlgorithm === "sha256") return makeStorePath("source", hash, name, storeDir);
  const inner = `fixed:out:${recursive ? "r:" : ""}${hashAlgorithm}:${Buffer.from(hash).toString("hex")}:`;
  return makeStorePath("output:out", sha256(inner), name, storeDir);
}

/**
 * The path of a derivation's output `id`, from the derivation's hash modulo
 * fixed-output inputs; outputs other than `out` get `-<id>` appended to the name.
 *
 * @example
 * outputPath("out", drvHash, "hello", "/gnu/store");
 */
export function outputPath(id: string, derivationHash: Uint8Array, name: string, storeDir: string = DEFAULT_STORE_DIR): string {
  return makeStorePath(`output:${id}`, derivationHash, id === "out" ? name : `${name}-${id}`, storeDir);
}

/**
 * True if `path` is directly inside `storeDir` (isStorePath: no further slash).
 *
 * @example
 * isStorePath("/gnu/store/abc-x/bin", "/gnu/store"); // false
 */
export function isStorePath(path: string, storeDir: string = DEFAULT_STORE_DIR): boolean {
  if (!path.startsWith(`${storeDir}/`)) return false;
  const rest = path.slice(storeDir.length + 1);
  return rest.length > 0 && !rest.includes("/");
}

/**
 * Throws the daemon's "path `…' is not in the store" unless `path` is a store path.
 *
 * @example
 * assertStorePath(path, storeDir);
 */
export function assertStorePath(path: string, storeDir: string = DEFAULT_STORE_DIR): void {
  if (!isStorePath(path, storeDir)) throw new StoreError("store-path", `path \`${path}' is not in the store`);
}

/**
 * The 32-character hash part of a store path.
 *
 * @example
 * hashPart("/gnu/store/0123…-hello", "/gnu/store");
 */
export function hashPart(path: string, storeDir: string = DEFAULT_STORE_DIR): string {
  assertStorePath(path, storeDir);
  return path.slice(storeDir.length + 1, storeDir.length + 1 + HASH_PART_LENGTH);
}

/**
 * The name part of a store path (after `<hash>-`).
 *
 * @example
 * storePathName("/gnu/store/0123…-hello-2.12", "/gnu/store"); // "hello-2.12"
 */
export function storePathName(path: string, storeDir: string = DEFAULT_STORE_DIR): string {
  assertStorePath(path, storeDir);
  return path.slice(storeDir.length + 1 + HASH_PART_LENGTH + 1);
}

/**
 * Sorted in the daemon's order (std::set of std::string: bytewise), duplicates removed.
 *
 * @example
 * sortedUnique(["b", "a", "b"]); // ["a", "b"]
 */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareBytes);
}

/**
 * Bytewise comparison of the UTF-8 forms, as C++ compares std::string.
 *
 * @example
 * ["é", "z"].sort(compareBytes); // ["z", "é"]
 */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
