import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { fileNar, narFrom } from "../../test/store/nar-bytes.ts";
import { randomTree } from "../../test/store/trees.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { ByteReader } from "./byte-reader.ts";
import { StoreError } from "./errors.ts";
import { narChunks } from "./nar-writer.ts";
import { removeTree, restoreNar } from "./nar-restorer.ts";
import { WireWriter } from "./wire.ts";

async function dump(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of narChunks(path)) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A reader over `bytes` in pieces of `size`, so restores cross chunk boundaries. */
function pieces(bytes: Buffer, size: number): ByteReader {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return new ByteReader(Readable.from(parts), () => new StoreError("nar-format", "bad archive: truncated"));
}

describe("NAR restorer", () => {
  const dir = tempDir("offload-nar-restore-");

  it("write → restore → write is the identity on random trees (byte names, empty files, symlinks, executables, deep nesting)", async () => {
    for (let seed = 100; seed < 130; seed++) {
      const tree = join(dir, `src-${seed}`);
      randomTree(tree, seed, { deepChain: seed === 100 ? 200 : 0 });
      const nar = await dump(tree);
      const copy = join(dir, `copy-${seed}`);
      const digest = await restoreNar(pieces(nar, 1 + (seed % 7) * 1000), copy);
      assert.equal(digest.size, nar.length);
      assert.ok((await dump(copy)).equals(nar), `seed ${seed}`);
    }
  });

  it("restores what `nix-store --dump` wrote as `nix-store --restore` does", async () => {
    const tree = join(dir, "nix-src");
    randomTree(tree, 7);
    const nar = execFileSync("nix-store", ["--dump", tree]);
    const ours = join(dir, "ours");
    const theirs = join(dir, "theirs");
    await restoreNar(ByteReader.fromBuffer(nar), ours);
    execFileSync("nix-store", ["--restore", theirs], { input: nar });
    assert.ok(execFileSync("nix-store", ["--dump", ours]).equals(execFileSync("nix-store", ["--dump", theirs])));
    // Same permissions as nix-store --restore (umask style).
    const modes = (root: string): string[] => execFileSync("find", [root, "-printf", "%P %m %y\\n"], { encoding: "latin1" }).split("\n").sort();
    assert.deepEqual(modes(ours), modes(theirs));
  });

  it("gives store items the canonical permissions and timestamps", async () => {
    const tree = join(dir, "canon-src");
    mkdirSync(join(tree, "bin"), { recursive: true });
    writeFileSync(join(tree, "bin", "tool"), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(join(tree, "data"), "d", { mode: 0o600 });
    symlinkSync("data", join(tree, "link"));
    const target = join(dir, "canon");
    await restoreNar(ByteReader.fromBuffer(await dump(tree)), target, { permissions: "store" });
    for (const [path, mode] of [
      ["", 0o555],
      ["bin", 0o555],
      ["bin/tool", 0o555],
      ["data", 0o444],
    ] as const) {
      const stats = lstatSync(join(target, path));
      assert.equal(stats.mode & 0o7777, mode, path);
      assert.equal(stats.mtimeMs, 1000, path);
    }
    assert.equal(lstatSync(join(target, "link")).mtimeMs, 1000);
    removeTree(target);
    assert.throws(() => lstatSync(target));
  });

  /** Restores `bytes` into a fresh directory and checks it failed with `code` and left only what was there. */
  async function refused(bytes: Buffer, code: string, message: RegExp): Promise<void> {
    const parent = join(dir, `hostile-${Math.random().toString(16).slice(2)}`);
    mkdirSync(parent);
    writeFileSync(join(parent, "outside"), "untouched");
    await assert.rejects(
      restoreNar(ByteReader.fromBuffer(bytes), join(parent, "out")),
      (error: unknown) => error instanceof StoreError && error.code === code && message.test(error.message),
    );
    assert.deepEqual(readdirSync(parent), ["outside"]);
    assert.equal(readFileSync(join(parent, "outside"), "utf8"), "untouched");
  }

  const entry = (name: string | Buffer, ...node: Array<string | Buffer | bigint>): Array<string | Buffer | bigint> => [
    "entry",
    "(",
    "name",
    name,
    "node",
    ...node,
    ")",
  ];
  const link = (target: string): string[] => ["(", "type", "symlink", "target", target, ")"];
  const emptyFile: Array<string | bigint> = ["(", "type", "regular", "contents", 0n, ")"];

  it("refuses traversal and leaves nothing behind", async () => {
    for (const name of ["..", ".", "", "../outside", "x/../../outside", "a\0b"]) {
      await refused(narFrom("nix-archive-1", "(", "type", "directory", ...entry(name, ...emptyFile), ")"), "nar-unsafe", /invalid file name/);
    }
  });

  it("refuses to write through a symlink written earlier in the same NAR", async () => {
    // "l" → "..": a second "l" (as a directory holding "outside") would write into the parent.
    const twice = narFrom(
      "nix-archive-1",
      "(",
      "type",
      "directory",
      ...entry("l", ...link("..")),
      ...entry("l", "(", "type", "directory", ...entry("outside", ...emptyFile), ")"),
      ")",
    );
    await refused(twice, "nar-unsafe", /twice/);
    const through = narFrom("nix-archive-1", "(", "type", "directory", ...entry("l", ...link("..")), ...entry("l/outside", ...emptyFile), ")");
    await refused(through, "nar-unsafe", /invalid file name/);
  });

  it("refuses out-of-order entries, unknown types, huge lengths and trailing garbage", async () => {
    await refused(
      narFrom("nix-archive-1", "(", "type", "directory", ...entry("b", ...emptyFile), ...entry("a", ...emptyFile), ")"),
      "nar-unsafe",
      /not sorted/,
    );
    await refused(narFrom("nix-archive-1", "(", "type", "directory", ...entry("a", "(", "type", "socket", ")"), ")"), "nar-format", /unknown file type socket/);
    await refused(
      Buffer.concat([narFrom("nix-archive-1", "(", "type", "regular", "contents"), new WireWriter().int(2n ** 40n).toBuffer(), Buffer.alloc(100)]),
      "nar-format",
      /truncated|unexpected end/,
    );
    const parent = join(dir, "trailing");
    mkdirSync(parent);
    await assert.rejects(
      restoreNar(ByteReader.fromBuffer(Buffer.concat([fileNar("x"), Buffer.from("junk")])), join(parent, "out"), { expectEnd: true }),
      /unexpected data after the end/,
    );
    assert.deepEqual(readdirSync(parent), []);
  });

  it("refuses truncation at every byte of a small sample, leaving nothing", async () => {
    const sample = narFrom(
      "nix-archive-1",
      "(",
      "type",
      "directory",
      ...entry("a", ...link("b")),
      ...entry("c", "(", "type", "directory", ...entry("d", ...emptyFile), ")"),
      ")",
    );
    const parent = join(dir, "cuts");
    mkdirSync(parent);
    for (let cut = 0; cut < sample.length; cut++) {
      await assert.rejects(restoreNar(ByteReader.fromBuffer(sample.subarray(0, cut)), join(parent, "out")), StoreError, `cut ${cut}`);
      assert.deepEqual(readdirSync(parent), [], `cut ${cut}`);
    }
    await restoreNar(ByteReader.fromBuffer(sample), join(parent, "out"));
    assert.equal(readlinkSync(join(parent, "out", "a")), "b");
  });

  it("never replaces an existing target", async () => {
    const target = join(dir, "existing");
    writeFileSync(target, "mine");
    await assert.rejects(restoreNar(ByteReader.fromBuffer(fileNar("theirs")), target), /already exists/);
    assert.equal(readFileSync(target, "utf8"), "mine");
  });

  it("lets the caller refuse the tree before it is committed", async () => {
    const target = join(dir, "vetoed");
    await assert.rejects(
      restoreNar(ByteReader.fromBuffer(fileNar("x")), target, {
        beforeCommit: () => {
          throw new Error("bad signature");
        },
      }),
      /bad signature/,
    );
    assert.throws(() => lstatSync(target));
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.includes("vetoed")),
      [],
    );
  });
});
