/**
 * Hand-made NARs and export streams for tests of hostile input: each token a
 * padded string, except bigints, which are raw integers (lengths, marks).
 *
 * @example
 * import { narFrom } from "../../test/store/nar-bytes.ts";
 * narFrom("nix-archive-1", "(", "type", "symlink", "target", "x", ")");
 */
import { WireWriter } from "../../src/store/wire.ts";

/**
 * Bytes from tokens: strings and buffers as padded strings, bigints as integers.
 *
 * @example
 * narFrom("nix-archive-1", "(", "type", "regular", "contents", 2n); // then the contents
 */
export function narFrom(...tokens: Array<string | Buffer | bigint>): Buffer {
  const w = new WireWriter();
  for (const token of tokens) {
    if (typeof token === "bigint") w.int(token);
    else w.string(token);
  }
  return w.toBuffer();
}

/**
 * A one-file NAR whose file holds `contents`.
 *
 * @example
 * fileNar("hello");
 */
export function fileNar(contents: string, executable = false): Buffer {
  const head = executable ? ["executable", ""] : [];
  return Buffer.concat([narFrom("nix-archive-1", "(", "type", "regular", ...head, "contents"), new WireWriter().string(contents).toBuffer(), narFrom(")")]);
}

/**
 * A directory entry named `name` holding a symlink to `target`: the entry hostile-name tests vary.
 *
 * @example
 * narFrom("nix-archive-1", "(", "type", "directory", ...symlinkEntry(".."), ")"); // a NAR that names ".."
 */
export function symlinkEntry(name: string | Buffer, target = "x"): Array<string | Buffer> {
  return ["entry", "(", "name", name, "node", "(", "type", "symlink", "target", target, ")", ")"];
}
