import { test } from "node:test";
import assert from "node:assert/strict";
import { unifiedDiff } from "./unified-diff.ts";

test("equal texts give no diff", () => assert.equal(unifiedDiff("a", "x\n", "x\n"), ""));

test("a changed line with context, removals before additions", () => {
  const before = "1\n2\n3\n4\n5\n6\n7\n8\n";
  const after = "1\n2\n3\n4\nfive\n6\n7\n8\n";
  assert.equal(unifiedDiff("m.scm", before, after), "--- m.scm\n+++ m.scm\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
});

test("far-apart changes make two hunks", () => {
  const lines = Array.from({ length: 20 }, (_, i) => `${i}`);
  const after = [...lines];
  after[1] = "one";
  after[18] = "eighteen";
  const diff = unifiedDiff("m", `${lines.join("\n")}\n`, `${after.join("\n")}\n`);
  assert.equal(diff.match(/^@@/gm)?.length, 2);
});
