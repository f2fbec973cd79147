/**
 * A seeded generator of random, well-formed machines files for the
 * generative differential test: varied field orders and value syntaxes,
 * comments of every kind (`;`, `#;`, `#| |#`), quoted and listed systems,
 * `inherit`, top-level definitions and templates, floats like `2.`, strings
 * with escapes, parentheses and UTF-8, the one-line format Guix System
 * writes, and the occasional file whose value is not a list.
 *
 * Every file it produces loads in Guile without error (the generative test
 * checks that too). Tabs are never used outside strings: Guile counts a tab
 * as up to 8 columns, a known difference covered by a fixture of its own.
 *
 * @example
 * import { SeededRandom } from "../helpers/seeded-random.ts";
 * const random = new SeededRandom(42);
 * const text = generateMachinesFile(random, 0);
 */

import { SeededRandom } from "../helpers/seeded-random.ts";

const HOST_KEYS = [
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHm9jeq8d7j2hU2m6aVyJHmGRu5Ibu40dtb13ag8UyP7 root@build1",
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF root@(none)",
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIkqSLni8KQqtAS6lMphPW3Nlpi0wf2bwizs590BDzAe",
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDaLsofcflobnYfpLhBt4HEdNm2zl0eUN349TwUbavEHomhbVpDTmIEc5YDwVswmkyIup4eXrdnblBVQg9UF4sbcFWJnKWH9YRcMVa4Y55kOz7dcFamcvGPOutUpiwaRW07FZJJMEGzcOgvdsSeaSmPi4fRdmsC03ycnBYSwMD8IWrFEPo02gJrj3rqcLlFTiMSSBrVW+ATJ9/gtONSP+pOCqDgoLdnaFZ/OnUZ7xjml6kUCl6967g6W3mozph9kGgTn0fBVlN6LwdGoyFp89KTyLxmkwICzB4w2A/d5uV3BLt10Lnde/n/SN5D2JCmO6C0eyAuPI1ec1nvif3tyI0d root@(none)",
  "ssh-ed25519 AAAAC3Nza…",
];

const SYSTEMS = ["x86_64-linux", "i686-linux", "aarch64-linux", "armhf-linux", "riscv64-linux", "i586-gnu", "powerpc64le-linux"];

const WORDS = ["build", "node", "farm", "berlin", "hydra", "arm", "x86", "big", "vm", "childhurd", "lyra", "nero"];

/** Pieces a generated string may contain, as Scheme source and as they read. */
const STRING_PIECES: readonly string[] = [
  "plain",
  "with space",
  "(parens)",
  "root@(none)",
  "; not a comment",
  "#| not a comment |#",
  "$(cat key.pub)",
  '\\"quoted\\"',
  "back\\\\slash",
  "line\\nbreak",
  "tab\\tstop",
  "\\x41;",
  "\\x7e-",
  "\\u00e9",
  "\\U01F680",
  "é",
  "…",
  "日本",
  "😀",
  "continued \\\n   line",
  "raw\nnewline",
];

function schemeString(random: SeededRandom, base: string): string {
  let text = base;
  if (random.chance(0.35)) {
    const pieces = random.int(1, 3);
    for (let i = 0; i < pieces; i++) text += random.pick([" ", "-", "/", ""]) + random.pick(STRING_PIECES);
  }
  return `"${text}"`;
}

function hostKey(random: SeededRandom): string {
  const key = random.pick(HOST_KEYS);
  // A Nix readFile leaves a raw newline before the closing quote.
  return random.chance(0.1) ? `"${key}\n"` : `"${key}"`;
}

function systemsList(random: SeededRandom): string[] {
  return random.shuffle(SYSTEMS).slice(0, random.int(1, 3));
}

function systemsExpression(random: SeededRandom, systems: readonly string[]): string {
  const quoted = systems.map((s) => `"${s}"`).join(" ");
  switch (random.int(0, 4)) {
    case 0:
      return `(list ${quoted})`;
    case 1:
      return `'(${quoted})`;
    case 2:
      return `(quote (${quoted}))`;
    case 3:
      return `\`(${systems.map((s, i) => (i === 0 ? `,(string-append "${s}")` : `"${s}"`)).join(" ")})`;
    default:
      return `(append '(${quoted}) '())`;
  }
}

function float(random: SeededRandom): string {
  return random.pick(["2.", "1.", "4.", ".5", "0.5", "1.0", "2.0", "1.25", "1e0", "15e-1", "0.75", "3/2", "2", "1", "-0.5", "#i3", "#e1.5"]);
}

function threshold(random: SeededRandom): string {
  return random.pick(["0.8", ".9", "0.6", "1.8", "#f", "3/4", "1", "#false"]);
}

function integer(random: SeededRandom, low: number, high: number): string {
  const n = random.int(low, high);
  switch (random.int(0, 5)) {
    case 0:
      return `#x${n.toString(16)}`;
    case 1:
      return `(+ ${n - 1} 1)`;
    default:
      return String(n);
  }
}

/** The names and values of a top-level definition section, for later references. */
interface Definitions {
  key?: string;
  port?: string;
  systems?: string;
  user?: string;
}

interface Clause {
  field: string;
  value: string;
}

function machineClauses(random: SeededRandom, name: string, definitions: Definitions): Clause[] {
  const clauses: Clause[] = [
    { field: "name", value: schemeString(random, name) },
    {
      field: "user",
      value: definitions.user && random.chance(0.5) ? definitions.user : schemeString(random, random.pick(["guix", "offload", "root", "hydra"])),
    },
    { field: "host-key", value: definitions.key && random.chance(0.5) ? definitions.key : hostKey(random) },
  ];
  const systemsChoice = random.next();
  if (systemsChoice < 0.75) {
    clauses.push({ field: "systems", value: definitions.systems && random.chance(0.3) ? definitions.systems : systemsExpression(random, systemsList(random)) });
  } else if (systemsChoice < 0.88) {
    clauses.push({ field: "system", value: `"${random.pick(SYSTEMS)}"` });
  } else if (systemsChoice < 0.96) {
    clauses.push({ field: "systems", value: systemsExpression(random, systemsList(random)) });
    clauses.push({ field: "system", value: `"${random.pick(SYSTEMS)}"` });
  } // else: neither, a missing-systems warning
  const optional: Array<() => Clause> = [
    () => ({ field: "port", value: definitions.port && random.chance(0.4) ? definitions.port : integer(random, 1, 65535) }),
    () => ({ field: "private-key", value: schemeString(random, random.pick(["/root/.ssh/id_ed25519", "/etc/guix/offload key", "/run/secrets/k"])) }),
    () => ({ field: "compression", value: `"${random.pick(["zlib@openssh.com,zlib", "none", "zlib"])}"` }),
    () => ({ field: "compression-level", value: integer(random, 1, 9) }),
    () => ({ field: "daemon-socket", value: schemeString(random, "/var/guix/daemon-socket/socket") }),
    () => ({ field: "overload-threshold", value: threshold(random) }),
    () => ({ field: "parallel-builds", value: integer(random, 1, 32) }),
    () => ({ field: "speed", value: float(random) }),
    () => ({ field: "features", value: random.pick(["'()", "(list)", '(list "kvm")', '\'("kvm" "big-memory")', '(quote ("cuda"))']) }),
  ];
  for (const make of optional) if (random.chance(0.4)) clauses.push(make());
  const ordered = random.shuffle(clauses);
  // let* semantics: a clause may use a field bound by an earlier clause.
  const nameIndex = ordered.findIndex((c) => c.field === "name");
  const userIndex = ordered.findIndex((c) => c.field === "user");
  if (userIndex > nameIndex && random.chance(0.3)) ordered[userIndex] = { field: "user", value: '(string-append "u-" name)' };
  const portIndex = ordered.findIndex((c) => c.field === "port");
  const speedIndex = ordered.findIndex((c) => c.field === "speed");
  if (portIndex !== -1 && speedIndex > portIndex && random.chance(0.3)) ordered[speedIndex] = { field: "speed", value: "(/ port 1000.)" };
  return ordered;
}

/** Something harmless to put between two clauses or list elements. */
function separator(random: SeededRandom, indent: string): string {
  switch (random.int(0, 13)) {
    case 0:
      return ` ; ${random.pick(["trailing comment", "ça marche", "(unbalanced", "#| not a block"])}\n${indent}`;
    case 1:
      return `\n${indent};; (port 22)\n${indent}`;
    case 2:
      return ` #;(port ${random.int(1, 99)}) `;
    case 3:
      return ` #| block (comment) |# `;
    case 4:
      return `\n\n${indent}`;
    case 5:
      return ` #;\n${indent}(speed 9.) `;
    case 6:
      return " ";
    case 7:
      return ` #; #; (port 1) (speed 2.) `;
    case 8:
      return ` #! scsh-style (comment) !# `;
    default:
      return `\n${indent}`;
  }
}

/** `value` (Scheme source) or an expression computing the same kind of value. */
function computed(random: SeededRandom, value: string): string {
  if (!random.chance(0.15)) return value;
  if (value.startsWith('"')) {
    return random.pick([
      `(string-append ${value})`,
      `(string-append "" ${value} "")`,
      `(if #t ${value} "never")`,
      `(let ((v ${value})) v)`,
      `(car (list ${value} "second"))`,
      `(cond (#f "never") (else ${value}))`,
      `(symbol->string (string->symbol ${value}))`,
    ]);
  }
  if (/^[0-9.]+$/.test(value)) {
    return random.pick([`(+ 0 ${value})`, `(* 1 ${value})`, `(max ${value} 0)`, `(let* ((a ${value}) (b a)) b)`, `(apply + (list ${value}))`]);
  }
  return random.pick([`(begin ${value})`, `(let () ${value})`, `(when #t ${value})`]);
}

function clauseText(random: SeededRandom, clause: Clause): string {
  const value = computed(random, clause.value);
  return random.chance(0.08) ? `[${clause.field} ${value}]` : `(${clause.field} ${value})`;
}

function buildMachineForm(random: SeededRandom, clauses: readonly Clause[], indent: string, parent?: string): string {
  const inner = indent + " ".repeat(random.int(1, 4));
  let text = "(build-machine";
  text += parent ? ` (inherit ${parent})` : "";
  clauses.forEach((clause) => {
    text += separator(random, inner) + clauseText(random, clause);
  });
  return text + ")";
}

/** Writes `forms` as Guix System's one-line generated file. */
function generatedFormat(random: SeededRandom, machines: readonly string[]): string {
  const entries = machines.map((m) => (random.chance(0.3) ? `(list ${m})` : m));
  return `((@ (srfi srfi-1) append-map) (lambda (entry) (if (build-machine? entry) (list entry) entry)) (list ${entries.join(" ")}))`;
}

function oneLine(random: SeededRandom, name: string): string {
  // Guile's `write` puts everything on one line: newlines in strings become \n.
  const clauses = machineClauses(random, name, {}).map((c) => `(${c.field} ${c.value.replace(/\n/g, "\\n")})`);
  return `(build-machine ${clauses.join(" ")})`;
}

/** Clauses whose value uses an earlier field (let* semantics). */
function usesAnotherField(clause: Clause): boolean {
  return clause.value.startsWith("(") && /[ (](name|port)[ )]/.test(clause.value);
}

/** One random, well-formed machines file. */
export function generateMachinesFile(random: SeededRandom, index: number): string {
  const parts: string[] = [];
  if (random.chance(0.3)) parts.push(`;;; Generated machines file #${index} — ${random.pick(["offload", "ferme", "ビルド"])}\n`);
  if (random.chance(0.05)) parts.push("#!/usr/bin/env guile\n!#\n");

  const style = random.next();
  if (style < 0.1) {
    const count = random.int(1, 4);
    const machines = Array.from({ length: count }, (_, i) => oneLine(random, `gen${index}-${i}.example.org`));
    parts.push(generatedFormat(random, machines));
    return parts.join("");
  }

  if (random.chance(0.1)) parts.push(`(define-module (generated machines-${index})\n  #:use-module (guix scripts offload))\n\n`);
  if (random.chance(0.1)) parts.push("(use-modules (srfi srfi-1))\n");

  const definitions: Definitions = {};
  if (random.chance(0.3)) {
    definitions.key = "%host-key";
    parts.push(`(define %host-key${random.chance(0.3) ? " ; shared key\n " : ""} ${hostKey(random)})\n`);
  }
  if (random.chance(0.2)) {
    definitions.port = "*port*";
    parts.push(`(define *port* ${random.int(1000, 9999)})\n`);
  }
  if (random.chance(0.2)) {
    definitions.systems = "%systems";
    parts.push(`(define %systems ${systemsExpression(random, systemsList(random))})\n`);
  }
  if (random.chance(0.2)) {
    definitions.user = "offload-user";
    parts.push(`(define offload-user ${schemeString(random, "offload")})\n`);
  }

  const listed: string[] = [];
  const defined: string[] = [];
  const count = random.int(0, 5);
  for (let i = 0; i < count; i++) {
    const name = `${random.pick(WORDS)}${i}.${random.pick(["example.org", "local", "lan"])}`;
    const kind = random.next();
    if (kind < 0.45) {
      listed.push(buildMachineForm(random, machineClauses(random, name, definitions), "      "));
    } else if (kind < 0.75 || defined.length === 0) {
      const variable = `machine-${i}`;
      parts.push(`\n(define ${variable}\n  ${buildMachineForm(random, machineClauses(random, name, definitions), "  ")})\n`);
      defined.push(variable);
      if (random.chance(0.85)) listed.push(variable);
    } else {
      const parent = random.pick(defined);
      const variable = `machine-${i}`;
      const overrides = machineClauses(random, name, definitions)
        .filter((clause) => !usesAnotherField(clause))
        .slice(0, random.int(0, 3));
      parts.push(`\n(define ${variable} ${buildMachineForm(random, overrides, "  ", parent)})\n`);
      defined.push(variable);
      listed.push(variable);
    }
  }
  if (random.chance(0.15)) {
    parts.push(
      `\n(define (template host)\n  ${buildMachineForm(
        random,
        machineClauses(random, "placeholder", definitions).filter((c) => c.field !== "name"),
        "  ",
      ).replace("(build-machine", "(build-machine (name host)")})\n`,
    );
    listed.push(`(template "templated${index}.example.org")`);
  }

  const ending = random.next();
  if (ending < 0.05 && listed.length > 0) {
    parts.push(`\n${listed[0]}\n`); // a bare record: not a list
  } else if (ending < 0.08) {
    parts.push(`\n(vector ${listed.join(" ")})\n`);
  } else {
    const elements = listed.map((m) => separator(random, "      ") + m).join("");
    parts.push(`\n(list${elements}${random.chance(0.2) ? "\n)" : ")"}${random.chance(0.3) ? " ; the end" : ""}\n`);
  }
  return parts.join("");
}
