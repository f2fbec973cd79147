/**
 * Making the fuzz cases of a run: about half are mutations of the fixtures
 * corpus, some grammar-aware generated files (random well-formed machines
 * files and programs, sometimes mutated after), the rest hostile templates.
 * Case `index` of a run depends only on the run's seed and `index`, so any
 * case can be made again alone.
 *
 * @example
 * const corpus = loadCorpus(repoRoot);
 * makeCase(42, 7, corpus).kind; // e.g. "mutation:paren-delete"
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { generateMachinesFile } from "../differential/machines-generator.ts";
import { SeededRandom } from "../helpers/seeded-random.ts";
import { generateProgram } from "../differential/program-generator.ts";
import type { CorpusFile } from "./corpus.ts";
import type { FuzzCase } from "./fuzz-case.ts";
import { HOSTILE, HOSTILE_KINDS } from "./hostile.ts";
import { MUTATION_KINDS, MUTATIONS } from "./mutations.ts";

/** The random numbers of case `index` of the run seeded `seed`. */
function caseRandom(seed: number, index: number): SeededRandom {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return new SeededRandom((h ^ (h >>> 15)) >>> 0);
}

/** Apply one to three mutations; the kind names the one, or says they were stacked. */
function mutate(random: SeededRandom, bytes: Uint8Array, corpus: readonly CorpusFile[]): { bytes: Uint8Array; kind: string } {
  const count = random.chance(0.8) ? 1 : random.int(2, 3);
  const others = [random.pick(corpus).bytes, random.pick(corpus).bytes];
  let out = bytes;
  let kind = "";
  for (let i = 0; i < count; i++) {
    kind = random.pick(MUTATION_KINDS);
    out = MUTATIONS[kind]!(random, out, others);
  }
  return { bytes: out, kind: count === 1 ? kind : "stacked" };
}

/**
 * Links from the case directory to the fixtures a corpus file names (its
 * siblings, and its parent's siblings for `../` paths), so that its loads and
 * includes find what they found in place.
 */
function fixtureLinks(root: string, origin: string, text: string): FuzzCase["links"] {
  const here = dirname(join(root, origin));
  const up = dirname(here);
  const links: FuzzCase["links"] = [];
  const named = (entry: string) => entry.length > 1 && text.includes(entry);
  for (const entry of readdirSync(here)) {
    if (entry !== basename(origin) && named(entry)) links.push({ path: join(basename(here), entry), target: join(here, entry) });
  }
  if (existsSync(up)) {
    for (const entry of readdirSync(up)) {
      if (entry !== basename(here) && named(entry)) links.push({ path: entry, target: join(up, entry) });
    }
  }
  return links;
}

/**
 * Case `index` of the run seeded `seed` (`root`: the repository, for the fixtures' links).
 *
 * @example
 * const again = makeCase(42, 7, corpus, root);
 * again.kind === makeCase(42, 7, corpus, root).kind; // true
 */
export function makeCase(seed: number, index: number, corpus: readonly CorpusFile[], root: string): FuzzCase {
  const random = caseRandom(seed, index);
  const roll = random.next();
  if (roll < 0.5) {
    const origin = random.pick(corpus);
    const mutated = mutate(random, origin.bytes, corpus);
    const path = join(basename(dirname(origin.path)), basename(origin.path));
    const links = fixtureLinks(root, origin.path, Buffer.from(origin.bytes).toString("latin1"));
    return { index, kind: `mutation:${mutated.kind}`, files: [{ path, bytes: mutated.bytes }], links, fifos: [], main: path, origin: origin.path };
  }
  if (roll < 0.65) {
    const program = random.chance(0.6) ? generateMachinesFile(random, index) : `(define value ${generateProgram(random)})\n(list)\n`;
    const generated = Buffer.from(program, "utf8");
    const mutated = random.chance(0.4) ? mutate(random, generated, corpus) : undefined;
    const kind = mutated ? "generated+mutation" : "generated";
    return { index, kind, files: [{ path: "machines.scm", bytes: mutated?.bytes ?? generated }], links: [], fifos: [], main: "machines.scm" };
  }
  const template = random.pick(HOSTILE_KINDS);
  const made = HOSTILE[template]!(random);
  return { index, kind: `hostile:${template}`, files: made.files, links: [], fifos: made.fifos, main: made.main };
}
