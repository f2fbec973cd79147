/**
 * A seeded generator of random Scheme programs for the generative
 * differential test: `(ice-9 match)` patterns abstracted from random data,
 * `syntax-rules` macros with nested ellipses used on matching input,
 * `let-values` / `receive` with random formals, and `(ice-9 format)` strings
 * with random directives and parameters. Each program is one expression that
 * Guile evaluates in a fresh module; most succeed, some fail on purpose (a
 * match with no clause left, too few format arguments), and then both sides
 * must fail with the same error code.
 *
 * @example
 * const random = new SeededRandom(7);
 * generateProgram(random); // "(begin (use-modules (ice-9 match)) (match '(1 (a \"s\")) ...))"
 */
import type { SeededRandom } from "../helpers/seeded-random.ts";

/** A random datum as source text, with the shape the pattern generator abstracts from. */
type Data = { kind: "atom"; text: string } | { kind: "list"; items: Data[] } | { kind: "vector"; items: Data[] };

const SYMBOLS = ["a", "b", "x86_64", "linux", "kvm", "build", "host", "port"];
const STRINGS = ['"x86_64-linux"', '"aarch64-linux"', '"build1"', '""', '"a b"', '"λ"'];

function atom(random: SeededRandom): Data {
  switch (random.int(0, 4)) {
    case 0:
      return { kind: "atom", text: String(random.int(-5, 30)) };
    case 1:
      return { kind: "atom", text: random.pick(SYMBOLS) };
    case 2:
      return { kind: "atom", text: random.pick(STRINGS) };
    case 3:
      return { kind: "atom", text: random.pick(["#t", "#f", "#\\a", "2.5"]) };
    default:
      return { kind: "atom", text: String(random.int(0, 9)) };
  }
}

function data(random: SeededRandom, depth: number): Data {
  if (depth <= 0 || random.chance(0.4)) return atom(random);
  const length = random.int(0, 4);
  const items = Array.from({ length }, () => data(random, depth - 1));
  return random.chance(0.15) ? { kind: "vector", items } : { kind: "list", items };
}

function text(d: Data): string {
  if (d.kind === "atom") return d.text;
  const inner = d.items.map(text).join(" ");
  return d.kind === "vector" ? `#(${inner})` : `(${inner})`;
}

/** A pattern that matches `d` (and binds fresh variables, collected in `vars`). */
function patternFor(random: SeededRandom, d: Data, vars: string[]): string {
  const fresh = () => {
    const name = `v${vars.length}`;
    vars.push(name);
    return name;
  };
  const roll = random.int(0, 9);
  if (roll === 0) return "_";
  if (roll === 1) return fresh();
  if (roll === 2) return `'${text(d)}`;
  if (roll === 3) return `(and ${fresh()} ${patternFor(random, d, vars)})`;
  if (roll === 4 && d.kind === "atom") {
    const predicate = /^-?\d+$/.test(d.text) ? "number?" : d.text.startsWith('"') ? "string?" : /^[a-z]/.test(d.text) ? "symbol?" : "(const #t)";
    return `(? ${predicate} ${fresh()})`;
  }
  if (roll === 5 && d.kind === "list") return `(= length ${d.items.length})`;
  if (roll === 6 && d.kind === "list" && d.items.length > 0) {
    // An ellipsis over the tail: every remaining element binds the same variable.
    const head = d.items.slice(0, random.int(0, d.items.length - 1)).map((item) => patternFor(random, item, vars));
    return `(${[...head, fresh(), "..."].join(" ")})`;
  }
  if (roll === 7 && d.kind === "list" && d.items.length > 0) {
    const [first, ...rest] = d.items;
    return `(${patternFor(random, first!, vars)} . ${patternFor(random, { kind: "list", items: rest }, vars)})`;
  }
  if (d.kind === "atom") {
    // Literals match by equal?, except symbols, which a pattern would bind.
    return /^[a-z]/.test(d.text) ? `'${d.text}` : d.text;
  }
  const items = d.items.map((item) => patternFor(random, item, vars));
  return d.kind === "vector" ? `#(${items.join(" ")})` : `(${items.join(" ")})`;
}

/** A pattern that most likely does not match `d`. */
function mismatchFor(random: SeededRandom, d: Data): string {
  if (d.kind === "list") return `(${[...d.items.map(() => "_"), "_"].join(" ")})`;
  return random.pick(["(_ . _)", "#(_)", "'no-such-symbol", "999"]);
}

function matchProgram(random: SeededRandom): string {
  const subject = data(random, 3);
  const vars: string[] = [];
  const pattern = patternFor(random, subject, vars);
  const clauses = [];
  if (random.chance(0.4)) clauses.push(`(${mismatchFor(random, subject)} 'decoy)`);
  clauses.push(`(${pattern} (list 'matched ${vars.join(" ")}))`);
  // Sometimes no fallback: a mismatch must then be Guile's match-error on both sides.
  if (random.chance(0.8)) clauses.push("(_ 'fallback)");
  return `(begin (use-modules (ice-9 match)) (match '${text(subject)} ${clauses.join(" ")}))`;
}

/** A macro with a random pattern shape, used once on input of that shape. */
function macroProgram(random: SeededRandom): string {
  const shapes: Array<[pattern: string, template: string, use: () => string]> = [
    ["(_ a ...)", "(list 'a ...)", () => Array.from({ length: random.int(0, 4) }, () => text(atom(random))).join(" ")],
    [
      "(_ (a b ...) ...)",
      "'((a ...) (b ... ...))",
      () => Array.from({ length: random.int(0, 3) }, () => `(${Array.from({ length: random.int(1, 3) }, () => text(atom(random))).join(" ")})`).join(" "),
    ],
    ["(_ (k v) ...)", "(list (cons 'k v) ...)", () => Array.from({ length: random.int(0, 3) }, (_, i) => `(k${i} ${random.int(0, 9)})`).join(" ")],
    ["(_ a ... z)", "'(z a ...)", () => Array.from({ length: random.int(1, 4) }, () => text(atom(random))).join(" ")],
    ["(_ #(a ...))", "(vector 'a ... 'end)", () => `#(${Array.from({ length: random.int(0, 3) }, () => random.int(0, 9)).join(" ")})`],
    ["(_ a . rest)", "'(a rest)", () => Array.from({ length: random.int(1, 4) }, () => random.int(0, 9)).join(" ")],
  ];
  const [pattern, template, use] = random.pick(shapes);
  const literalRule = random.chance(0.3) ? `((_ marker) 'marker-rule) ` : "";
  const useText = random.chance(0.2) && literalRule ? "marker" : use();
  // A user variable named like the macro's internals must not be captured.
  return `(let ((tmp 'user)) (define-syntax m (syntax-rules (marker) ${literalRule}(${pattern} (let ((tmp 'macro)) ${template})))) (list tmp (m ${useText})))`;
}

function valuesProgram(random: SeededRandom): string {
  const count = random.int(0, 4);
  const values = Array.from({ length: count }, () => text(atom(random)));
  const quoted = values.map((v) => (/^[a-z]/.test(v) ? `'${v}` : v));
  const required = random.int(0, count);
  const names = Array.from({ length: required }, (_, i) => `x${i}`);
  const rest = required < count || random.chance(0.3) ? " . rest" : "";
  const formals = rest && names.length === 0 ? "rest" : `(${names.join(" ")}${rest})`;
  const bound = [...names, ...(rest ? ["rest"] : [])].join(" ");
  if (random.chance(0.5)) {
    return `(begin (use-modules (srfi srfi-11)) (let-values ((${formals} (values ${quoted.join(" ")}))) (list ${bound})))`;
  }
  return `(begin (use-modules (ice-9 receive)) (receive ${formals} (values ${quoted.join(" ")}) (list ${bound})))`;
}

/** A format directive with a matching argument. */
function directive(random: SeededRandom): [string, string] {
  const width = random.chance(0.5) ? String(random.int(1, 8)) : "";
  const pad = random.chance(0.3) ? `,'${random.pick(["0", "*", "-", "x"])}` : "";
  switch (random.int(0, 8)) {
    case 0:
      return [`~${width}${random.chance(0.3) ? "@" : ""}a`, random.pick(['"ab"', "'sym", "42", '"λ"'])];
    case 1:
      return [`~${width}s`, random.pick(['"q\\"uote"', "#\\a", '\'(1 "x")'])];
    case 2:
      return [`~${width}${pad}${random.chance(0.3) ? ":" : ""}${random.chance(0.3) ? "@" : ""}d`, String(random.int(-99999, 999999))];
    case 3:
      return [`~${width}${pad}${random.pick(["x", "o", "b"])}`, String(random.int(0, 4096))];
    case 4:
      return [`~${width ? `${Number(width) + 4}` : ""},${random.int(0, 3)}f`, random.pick(["3.14159", "2.675", "0.005", "-1.25", "100", "1/3", "12345.678"])];
    case 5:
      return ["~{~a~^, ~}", `'(${Array.from({ length: random.int(0, 3) }, () => random.int(0, 9)).join(" ")})`];
    case 6:
      return [`~[zero~;one~:;many~]`, String(random.int(0, 3))];
    case 7:
      return ["~:[no~;yes~]", random.pick(["#t", "#f", "'()"])];
    default:
      return [random.pick(["~%", "~~", "-"]), ""];
  }
}

function formatProgram(random: SeededRandom): string {
  const parts = Array.from({ length: random.int(1, 4) }, () => directive(random));
  const template = parts.map(([d]) => d).join("|");
  const args = parts.map(([, a]) => a).filter((a) => a !== "");
  // Sometimes one argument short: Guile's format fails, and so must ours.
  if (args.length > 0 && random.chance(0.1)) args.pop();
  return `(format #f ${JSON.stringify(template)} ${args.join(" ")})`;
}

/**
 * One random program (an expression). The same seed gives the same programs.
 *
 * @example
 * generateProgram(new SeededRandom(1)); // a match, macro, values or format program
 */
export function generateProgram(random: SeededRandom): string {
  switch (random.int(0, 3)) {
    case 0:
      return matchProgram(random);
    case 1:
      return macroProgram(random);
    case 2:
      return valuesProgram(random);
    default:
      return formatProgram(random);
  }
}
