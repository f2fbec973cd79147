import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ByteReader } from "./byte-reader.ts";
import { StoreError } from "./errors.ts";
import { describeName, discardingSink, parseNar, type NarSink } from "./nar-parser.ts";
import { WireWriter } from "./wire.ts";
import { narFrom, symlinkEntry } from "../../test/store/nar-bytes.ts";

/** Records what the parser reports. */
function recorder(): NarSink & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    directory: (path) => void events.push(`dir ${path.map((p) => p.toString()).join("/")}`),
    directoryEnd: (path) => void events.push(`end ${path.map((p) => p.toString()).join("/")}`),
    fileStart: (path, executable, size) => void events.push(`file ${path.map((p) => p.toString()).join("/")} ${executable ? "x" : "-"} ${size}`),
    fileChunk: (chunk) => void events.push(`data ${chunk.toString()}`),
    fileEnd: () => void events.push("eof"),
    symlink: (path, target) => void events.push(`link ${path.map((p) => p.toString()).join("/")} -> ${target.toString()}`),
  };
}

async function parse(bytes: Buffer, sink: NarSink = discardingSink()): Promise<void> {
  await parseNar(ByteReader.fromBuffer(bytes), sink);
}

function fails(code: "nar-format" | "nar-unsafe", pattern: RegExp) {
  return (error: unknown): boolean => error instanceof StoreError && error.code === code && pattern.test(error.message);
}

describe("NAR parser", () => {
  const regular = (contents: string): Array<string | bigint> => ["(", "type", "regular", "contents", BigInt(contents.length)];

  it("reports a tree in archive order", async () => {
    const bytes = Buffer.concat([
      narFrom("nix-archive-1", "(", "type", "directory", "entry", "(", "name", "a", "node", ...regular("hi")),
      Buffer.from("hi\0\0\0\0\0\0"),
      narFrom(
        ")",
        ")",
        "entry",
        "(",
        "name",
        "b",
        "node",
        "(",
        "type",
        "symlink",
        "target",
        "a",
        ")",
        ")",
        "entry",
        "(",
        "name",
        "c",
        "node",
        "(",
        "type",
        "directory",
        ")",
        ")",
        ")",
      ),
    ]);
    const sink = recorder();
    await parse(bytes, sink);
    assert.deepEqual(sink.events, ["dir ", "file a - 2", "data hi", "eof", "link b -> a", "dir c", "end c", "end "]);
  });

  it("refuses names that could escape or collide", async () => {
    for (const name of ["", ".", "..", "a/b", "/", "a\0b"]) {
      const bytes = narFrom("nix-archive-1", "(", "type", "directory", ...symlinkEntry(name), ")");
      await assert.rejects(parse(bytes), fails("nar-unsafe", /invalid file name/), JSON.stringify(name));
    }
  });

  it("refuses unsorted and duplicate entries", async () => {
    await assert.rejects(
      parse(narFrom("nix-archive-1", "(", "type", "directory", ...symlinkEntry("b"), ...symlinkEntry("a"), ")")),
      fails("nar-unsafe", /not sorted/),
    );
    await assert.rejects(
      parse(narFrom("nix-archive-1", "(", "type", "directory", ...symlinkEntry("a"), ...symlinkEntry("a"), ")")),
      fails("nar-unsafe", /contains `a' twice/),
    );
    // Bytewise order: "B" (0x42) sorts before "a" (0x61), and 0xff after everything.
    await parse(narFrom("nix-archive-1", "(", "type", "directory", ...symlinkEntry("B"), ...symlinkEntry("a"), ...symlinkEntry(Buffer.from([0xff])), ")"));
  });

  it("refuses unknown types, fields, markers and magic", async () => {
    await assert.rejects(
      parse(narFrom("nix-archive-2", "(", "type", "symlink", "target", "x", ")")),
      fails("nar-format", /doesn't look like a normalized archive/),
    );
    await assert.rejects(parse(narFrom("nix-archive-1", "(", "type", "fifo", ")")), fails("nar-format", /unknown file type fifo/));
    await assert.rejects(parse(narFrom("nix-archive-1", "(", "type", "regular", "contentz", 0n, ")")), fails("nar-format", /unknown field contentz/));
    await assert.rejects(
      parse(narFrom("nix-archive-1", "(", "type", "regular", "executable", "yes", "contents", 0n, ")")),
      fails("nar-format", /executable file marker/),
    );
    await assert.rejects(parse(narFrom("nix-archive-1", "(", "type", "directory", "entry", "(", "nome", "a")), fails("nar-format", /expected entry name/));
    await assert.rejects(parse(narFrom("nix-archive-1", "(", "kind", "regular")), fails("nar-format", /expected type field/));
    await assert.rejects(parse(narFrom("nix-archive-1", "(", "type", "symlink", "target", "", ")")), fails("nar-unsafe", /empty target/));
    await assert.rejects(parse(narFrom("nix-archive-1", "(", "type", "symlink", "target", "a\0b", ")")), fails("nar-unsafe", /NUL/));
    await assert.rejects(parse(narFrom("nix-archive-1", "(", "type", "symlink", "target", "x", "extra")), fails("nar-format", /expected close tag/));
  });

  it("refuses oversized tokens, names and targets before reading them", async () => {
    const huge = Buffer.concat([narFrom("nix-archive-1", "("), new WireWriter().int(2n ** 40n).toBuffer()]);
    await assert.rejects(parse(huge), fails("nar-format", /longer than the 64 allowed/));
    const longName = narFrom("nix-archive-1", "(", "type", "directory", "entry", "(", "name", "n".repeat(256), "node");
    await assert.rejects(parse(longName), fails("nar-format", /longer than the 255 allowed/));
  });

  it("refuses nesting deeper than the limit", async () => {
    const depth = 5;
    const tokens: string[] = ["nix-archive-1", "(", "type", "directory"];
    for (let i = 0; i < depth; i++) tokens.push("entry", "(", "name", "d", "node", "(", "type", "directory");
    await assert.rejects(
      parseNar(ByteReader.fromBuffer(narFrom(...tokens)), discardingSink(), { maxDepth: 3, maxNameLength: 255, maxTargetLength: 4095 }),
      fails("nar-unsafe", /deeper than 3/),
    );
  });

  it("fails cleanly when truncated anywhere", async () => {
    const bytes = Buffer.concat([
      narFrom("nix-archive-1", "(", "type", "directory", "entry", "(", "name", "a", "node", ...regular("hello")),
      Buffer.from("hello\0\0\0"),
      narFrom(")", ")", ")"),
    ]);
    await parse(bytes);
    for (let cut = 0; cut < bytes.length; cut++) {
      await assert.rejects(parse(bytes.subarray(0, cut)), (error: unknown) => error instanceof StoreError, `cut at ${cut}`);
    }
  });

  it("shows names in messages without decoding them", () => {
    assert.equal(describeName(Buffer.from([0x61, 0xff, 0x0a, 0x5c])), "a\\xff\\x0a\\x5c");
  });
});
