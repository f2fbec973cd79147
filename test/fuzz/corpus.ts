/**
 * The seed corpus the fuzzer mutates: every Scheme file of the machines, eval
 * and lint fixtures, with where it sits, so that a mutated copy can be put
 * where its relative loads and includes still find their files.
 *
 * @example
 * const corpus = loadCorpus("/work/main");
 * corpus.length > 200; // true
 * corpus[0]!.path; // e.g. "fixtures/eval/errors.scm"
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** The fixture directories whose Scheme files seed the fuzzer. */
const CORPUS_DIRECTORIES: readonly string[] = ["fixtures/machines", "fixtures/eval", "fixtures/lint"];

/** One seed file. */
export interface CorpusFile {
  /** Relative to the repository root, e.g. fixtures/machines/valid/a.scm. */
  path: string;
  bytes: Uint8Array;
}

function schemeFiles(root: string, directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, directory)).sort()) {
    const path = join(directory, entry);
    if (statSync(join(root, path)).isDirectory()) found.push(...schemeFiles(root, path));
    else if (entry.endsWith(".scm")) found.push(path);
  }
  return found;
}

/**
 * Every seed file under {@link CORPUS_DIRECTORIES}, in a fixed order (the same
 * seed then gives the same cases).
 *
 * @example
 * loadCorpus(repoRoot).every((file) => file.path.endsWith(".scm")); // true
 */
export function loadCorpus(root: string): CorpusFile[] {
  return CORPUS_DIRECTORIES.flatMap((directory) => schemeFiles(root, directory)).map((path) => ({
    path: relative(root, join(root, path)),
    bytes: readFileSync(join(root, path)),
  }));
}
