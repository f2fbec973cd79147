import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkOutputPath, cleanSegments, inputRemotePath, isInside, normalizeOutputs, resolveLinkTarget } from "./job-paths.ts";

describe("job paths", () => {
  it("keeps relative input paths and places others by base name", () => {
    assert.equal(inputRemotePath("src/a.c"), "src/a.c");
    assert.equal(inputRemotePath("./src//a.c"), "src/a.c");
    assert.equal(inputRemotePath("dir/"), "dir");
    assert.equal(inputRemotePath("/etc/hosts"), "hosts");
    assert.equal(inputRemotePath("../lib/x.c"), "x.c");
    assert.throws(() => inputRemotePath("."), /inside it/);
    assert.throws(() => inputRemotePath("/"), /inside it/);
  });

  it("accepts only clean relative output paths", () => {
    assert.equal(checkOutputPath("out//x"), "out/x");
    assert.equal(checkOutputPath("out/"), "out");
    for (const bad of ["../x", "/abs", "a/../b", "..", ".", ""]) assert.throws(() => checkOutputPath(bad), /relative path/, bad);
  });

  it("splits clean paths", () => {
    assert.deepEqual(cleanSegments("a/b"), ["a", "b"]);
    assert.equal(cleanSegments("a/./b"), null);
    assert.equal(cleanSegments("/a"), null);
  });

  it("knows what is inside", () => {
    assert.ok(isInside("out", "out"));
    assert.ok(isInside("out/a/b", "out"));
    assert.ok(!isInside("outer", "out"));
  });

  it("resolves symlink targets and refuses those that leave", () => {
    assert.equal(resolveLinkTarget("out/sub/l", "../f"), "out/f");
    assert.equal(resolveLinkTarget("out/l", "./x/../y"), "out/y");
    assert.equal(resolveLinkTarget("out/l", "../../x"), null);
    assert.equal(resolveLinkTarget("out/l", "/etc/passwd"), null);
    assert.equal(resolveLinkTarget("out/l", "../outside"), "outside");
  });

  it("normalizes an output list, refusing duplicates and outputs inside others", () => {
    assert.deepEqual(normalizeOutputs(["out/", "log.txt"]), ["out", "log.txt"]);
    assert.throws(() => normalizeOutputs(["out", "out/"]), /listed twice/);
    assert.throws(() => normalizeOutputs(["out", "out/sub"]), /inside output "out"/);
    assert.throws(() => normalizeOutputs(["../x"]), /relative path/);
  });
});
