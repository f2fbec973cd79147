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

const PATTERNS: Array<[RegExp, string]> = [
  [/\$\([^)]*\)?/, "a shell command substitution $(...)"],
  [/\$\{[^}]*\}?/, "a shell variable ${...}"],
  [/<[^<>]+>/, "a template field <...>"],
  [/(?:^|\/)path\/to(?:\/|$)/i, "a documentation path /path/to/..."],
  [/(?<![\w@.-])(?:FIXME|TODO|CHANGEME|CHANGE-ME)(?![\w.-])/i, "a FIXME/TODO marker"],
  [/(?<![A-Za-z0-9+/])x{4,}(?:…|\.\.\.)?(?![A-Za-z0-9+/=])/i, "xxxx"],
  [/\S*…/, "an elided value (…)"],
  [/(?<![./\w])\S*\.\.\.(?!\S)/, "an elided value (...)"],
];

/**
 * The first placeholder in `text`, or undefined.
 *
 * @example
 * placeholderIn("<host name>"); // { index: 0, length: 11, what: "a template field <...>" }
 */
export function placeholderIn(text: string): PlaceholderMatch | undefined {
  if (text.trim() === "") return { index: 0, length: text.length, what: "an empty string" };
  for (const [pattern, what] of PATTERNS) {
    const m = pattern.exec(text);
    if (m) return { index: m.index, length: m[0].length, what };
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
