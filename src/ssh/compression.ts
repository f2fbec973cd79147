/**
 * The record's `compression` string (a libssh algorithm list such as Guix's
 * default `"zlib@openssh.com,zlib"`) turned into ssh2's compression offer.
 *
 * @example
 * import { compressionAlgorithms } from "./compression.ts";
 * compressionAlgorithms("zlib@openssh.com,zlib"); // ["zlib@openssh.com", "zlib", "none"]
 * compressionAlgorithms("none");                  // ["none"]
 */

/** Compression methods ssh2 implements. */
export type CompressionAlgorithm = "zlib@openssh.com" | "zlib" | "none";

const KNOWN: ReadonlySet<string> = new Set<CompressionAlgorithm>(["zlib@openssh.com", "zlib", "none"]);

/**
 * The algorithms to offer, in the record's order of preference. Unknown names
 * are dropped (the linter reports them); `yes`/`no` are accepted as libssh
 * does. `none` is always offered last as a fallback, because OpenSSH servers
 * with `Compression no` offer nothing else and libssh's refusal to connect
 * there helps nobody. Note OpenSSH servers only offer `zlib@openssh.com`
 * (delayed until after authentication), never plain `zlib`.
 *
 * The record's `compression-level` has no equivalent: ssh2 always uses
 * zlib's default level.
 *
 * @example
 * compressionAlgorithms("no"); // ["none"]
 */
export function compressionAlgorithms(setting: string): CompressionAlgorithm[] {
  const words = setting
    .toLowerCase()
    .split(/[\s,]+/)
    .filter((word) => word !== "");
  const wanted = words.flatMap((word): string[] => (word === "yes" ? ["zlib@openssh.com", "zlib"] : word === "no" ? ["none"] : [word]));
  const offer = [...new Set(wanted.filter((name): name is CompressionAlgorithm => KNOWN.has(name)))];
  if (offer[0] === "none") return ["none"];
  return [...offer.filter((name) => name !== "none"), "none"];
}
