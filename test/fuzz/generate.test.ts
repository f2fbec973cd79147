import { test } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, readlinkSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "../helpers/temp-dir.ts";
import { loadCorpus } from "./corpus.ts";
import { materializeCase } from "./fuzz-case.ts";
import { makeCase } from "./generate.ts";
import { HOSTILE_KINDS } from "./hostile.ts";
import { MUTATION_KINDS } from "./mutations.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const corpus = loadCorpus(root);

test("the corpus is the machines, eval and lint fixtures", () => {
  assert.ok(corpus.length > 200, `${corpus.length} files`);
  for (const prefix of ["fixtures/machines/", "fixtures/eval/", "fixtures/lint/"])
    assert.ok(
      corpus.some((file) => file.path.startsWith(prefix)),
      prefix,
    );
});

test("a case depends only on the seed and its index", () => {
  for (const index of [0, 1, 17, 999]) assert.deepEqual(makeCase(7, index, corpus, root), makeCase(7, index, corpus, root));
  assert.notDeepEqual(makeCase(7, 3, corpus, root), makeCase(8, 3, corpus, root));
});

test("a run of 2,000 cases has every kind", () => {
  const kinds = new Set(Array.from({ length: 2_000 }, (_, index) => makeCase(1, index, corpus, root).kind));
  for (const kind of [
    ...MUTATION_KINDS.map((k) => `mutation:${k}`),
    "mutation:stacked",
    "generated",
    "generated+mutation",
    ...HOSTILE_KINDS.map((k) => `hostile:${k}`),
  ]) {
    assert.ok(kinds.has(kind), `no ${kind}`);
  }
});

test("a case is written with its links to the fixtures it names and its FIFOs", () => {
  let linked = undefined;
  let fifo = undefined;
  for (let index = 0; (linked === undefined || fifo === undefined) && index < 5_000; index++) {
    const made = makeCase(3, index, corpus, root);
    if (linked === undefined && made.links.length > 0) linked = made;
    if (fifo === undefined && made.fifos.length > 0) fifo = made;
  }
  assert.ok(linked && fifo);
  const dir = tempDir("fuzz-case-");
  const main = materializeCase(linked, join(dir, "linked"));
  assert.deepEqual(readFileSync(main), Buffer.from(linked.files[0]!.bytes));
  for (const link of linked.links) assert.equal(readlinkSync(join(dir, "linked", link.path)), link.target);
  materializeCase(fifo, join(dir, "fifo"));
  for (const path of fifo.fifos) assert.ok(lstatSync(join(dir, "fifo", path)).isFIFO(), path);
});
