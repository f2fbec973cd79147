/**
 * Store paths as Guix computes them (nix/libstore/store-api.cc), for any
 * store directory: `<store>/<hash>-<name>`, where the hash is the first 160
 * bits (folded) of a SHA-256 over a string naming the kind of item, a content
 * hash, the store directory and the name. Tests run stores in temporary
 * directories, so every function takes the store directory (default
 * `/gnu/store`).
 *
 * @example
 * // what (add-text-to-store store "hello" "Hello, world!\n") gives
 * textPath("hello", "Hello, world!\n", [], "/gnu/store"); // "/gnu/store/lw3jzkacwmmflr12yb0g9nc4qfmzvg5f-hello"
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
 * checkStoreName("hello-2.12"); // undefined
 * let message = "";
 * try {
 *   checkStoreName(".hidden");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "invalid name: `.hidden'"
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
 * sha256("").toString("hex"); // "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
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
 * import { fromNixBase32 } from "./base32.ts";
 * // a file holding "hi\n", added recursively: `nix-store --add` gives the same path in /nix/store
 * const narHash = fromNixBase32("1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h", 32);
 * makeStorePath("source", narHash, "hello", "/nix/store"); // "/nix/store/a5izqk5bgpxcrrnrm1m8n1fvyq2jlc52-hello"
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
 * // the same text in another store directory, or with references, is another path
 * textPath("builder.sh", "echo hi > $out", [], "/tmp/store"); // "/tmp/store/17njg600jslkbi7kbpb26c318ri74a69-builder.sh"
 * textPath("builder.sh", "echo hi > $out", ["/tmp/store/00000000000000000000000000000000-x"], "/tmp/store");
 * // "/tmp/store/5yz19h3h7p2ni90h2hxqqpliacdv6f0p-builder.sh"
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
 * import { fromNixBase32 } from "./base32.ts";
 * // a file holding "hi\n": by the hash of its NAR (recursive) or of its contents (flat),
 * // as `NIX_STORE_DIR=/gnu/store nix-store --print-fixed-path [--recursive] sha256 HASH hello` prints them
 * fixedOutputPath(true, "sha256", fromNixBase32("1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h", 32), "hello"); // "/gnu/store/miyanajxdfjai7ca7jh3ywslbjxsy4kw-hello"
 * fixedOutputPath(false, "sha256", sha256("hi\n"), "hello"); // "/gnu/store/c9r3pfv0kp9lyq04yymakc57gpi36qkg-hello"
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
 * const drvHash = sha256("a derivation's text");
 * outputPath("out", drvHash, "hello"); // "/gnu/store/sz868vp4yp4gi0jc6l3gqgl0x6g54za0-hello"
 * outputPath("doc", drvHash, "hello"); // "/gnu/store/y9d1zvc1ixfijx6cwcfy973skgy79x92-hello-doc"
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
 * let message = "";
 * try {
 *   assertStorePath("/gnu/store/00000000000000000000000000000000-hello/bin/hello");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "path `/gnu/store/00000000000000000000000000000000-hello/bin/hello' is not in the store"
 */
export function assertStorePath(path: string, storeDir: string = DEFAULT_STORE_DIR): void {
  if (!isStorePath(path, storeDir)) throw new StoreError("store-path", `path \`${path}' is not in the store`);
}

/**
 * The 32-character hash part of a store path.
 *
 * @example
 * hashPart("/gnu/store/lw3jzkacwmmflr12yb0g9nc4qfmzvg5f-hello"); // "lw3jzkacwmmflr12yb0g9nc4qfmzvg5f"
 */
export function hashPart(path: string, storeDir: string = DEFAULT_STORE_DIR): string {
  assertStorePath(path, storeDir);
  return path.slice(storeDir.length + 1, storeDir.length + 1 + HASH_PART_LENGTH);
}

/**
 * The name part of a store path (after `<hash>-`).
 *
 * @example
 * storePathName("/gnu/store/lw3jzkacwmmflr12yb0g9nc4qfmzvg5f-hello-2.12"); // "hello-2.12"
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
