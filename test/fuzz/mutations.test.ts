import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRandom } from "../helpers/seeded-random.ts";
import { MUTATION_KINDS, MUTATIONS } from "./mutations.ts";

const seed = Buffer.from('(list (build-machine (name "build1") (port 22) (systems (list "x86_64-linux"))))\n');
const others = [Buffer.from('(define x "other file") (load "y.scm")')];
const mutate = (kind: string, n: number) => Buffer.from(MUTATIONS[kind]!(new SeededRandom(n), seed, others));

test("each mutation changes the file, the same way for the same seed", () => {
  for (const kind of MUTATION_KINDS) {
    for (let n = 1; n <= 20; n++) {
      assert.ok(!mutate(kind, n).equals(seed) || kind === "name-swap" || kind === "splice", `${kind} #${n} left the file as it was`);
      assert.ok(mutate(kind, n).equals(mutate(kind, n)), `${kind} #${n} is not repeatable`);
    }
  }
});

test("each mutation does the damage it is named for", () => {
  const count = (bytes: Buffer, byte: number) => bytes.filter((b) => b === byte).length;
  for (let n = 1; n <= 20; n++) {
    assert.ok(mutate("truncate", n).length < seed.length);
    assert.ok(count(mutate("paren-delete", n), 0x28) + count(mutate("paren-delete", n), 0x29) < count(seed, 0x28) + count(seed, 0x29));
    assert.ok(count(mutate("paren-duplicate", n), 0x28) + count(mutate("paren-duplicate", n), 0x29) > count(seed, 0x28) + count(seed, 0x29));
    assert.ok(count(mutate("nul", n), 0) > 0);
    assert.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(mutate("invalid-utf8", n)), TypeError);
    assert.ok(mutate("huge-number", n).length > seed.length);
    assert.ok(mutate("huge-string", n).length >= seed.length + 500);
    assert.ok(mutate("deep-nesting", n).length >= seed.length + 50);
  }
});
