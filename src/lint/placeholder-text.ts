/**
 * Recognises values left unfilled from a template or a copied example:
 * "", FIXME/TODO/CHANGEME, xxxx…, an ellipsis, shell `$(...)`/`${...}`,
 * `<...>`, and documentation paths such as `/path/to/private-key`.
 *
 * @example
 * placeholderIn("ssh-ed25519 AAAAC3Nza…"); // { index: 12, length: 10, what: "an elided value (…)" }
 * placeholderIn("build1.example.org");    // undefined
 */

/** Where a placeholder sits in a string and what kind it is. */
export interface PlaceholderMatch {
  index: number;
  length: number;
  what: string;
}

/** Where a pattern matched: the start and the length of the match. */
type Finder = (text: string) => { index: number; length: number } | undefined;

/** A regular expression as a finder; each one here is linear in the text's length. */
function matching(pattern: RegExp): Finder {
  return (text) => {
    const m = pattern.exec(text);
    return m ? { index: m.index, length: m[0].length } : undefined;
  };
}

/**
 * The first word (a run of non-space characters) that `hit` accepts, from
 * the word's start to the end `hit` gives. The ellipsis patterns look at
 * whole words this way: a regex like `\S*\.\.\.` restarts at every
 * position of a long word and takes time in proportion to its length squared
 * (34 s on a 200 KB name).
 */
function firstWord(hit: (word: string) => number | undefined): Finder {
  return (text) => {
    for (const m of text.matchAll(/\S+/g)) {
      const end = hit(m[0]);
      if (end !== undefined) return { index: m.index, length: end };
    }
    return undefined;
  };
}

const PATTERNS: Array<[Finder, string]> = [
  [matching(/\$\([^)]*\)?/), "a shell command substitution $(...)"],
  [matching(/\$\{[^}]*\}?/), "a shell variable ${...}"],
  [matching(/<[^<>]+>/), "a template field <...>"],
  [matching(/(?:^|\/)path\/to(?:\/|$)/i), "a documentation path /path/to/..."],
  [matching(/(?<![\w@.-])(?:FIXME|TODO|CHANGEME|CHANGE-ME)(?![\w.-])/i), "a FIXME/TODO marker"],
  [matching(/(?<![A-Za-z0-9+/])x{4,}(?:…|\.\.\.)?(?![A-Za-z0-9+/=])/i), "xxxx"],
  // A word with "…" in it, up to its last "…".
  [firstWord((word) => (word.includes("…") ? word.lastIndexOf("…") + 1 : undefined)), "an elided value (…)"],
  // A word that ends with "...".
  [firstWord((word) => (word.endsWith("...") ? word.length : undefined)), "an elided value (...)"],
];

/**
 * The first placeholder in `text`, or undefined.
 *
 * @example
 * placeholderIn("<host name>"); // { index: 0, length: 11, what: "a template field <...>" }
 */
export function placeholderIn(text: string): PlaceholderMatch | undefined {
  if (text.trim() === "") return { index: 0, length: text.length, what: "an empty string" };
  for (const [find, what] of PATTERNS) {
    const found = find(text);
    if (found) return { ...found, what };
  }
  return undefined;
}

/**
 * True for a symbol name that is a template placeholder (`${SYSTEMS}`, `$(cat x)`, `<name>`).
 *
 * @example
 * isPlaceholderSymbol("${SYSTEMS}"); // true
 * isPlaceholderSymbol("%user");      // false
 */
export function isPlaceholderSymbol(name: string): boolean {
  return /^\$[({]|^<.+>$/.test(name);
}
