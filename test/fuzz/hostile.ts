/**
 * Hostile machines files, written on purpose the way an attacker or an
 * unlucky operator would (issue 15): files that load themselves, read
 * devices and FIFOs, build cyclic data, allocate without bound, recurse or
 * loop forever, and carry megabyte names. Each template takes random
 * parameters, so every run tries new sizes and combinations.
 *
 * @example
 * const made = HOSTILE.cycle(new SeededRandom(3));
 * made.main; // "machines.scm"
 */
import type { SeededRandom } from "../helpers/seeded-random.ts";
import type { CaseFile } from "./fuzz-case.ts";

/** What a template makes: files, FIFOs, and the machines file to read. */
export interface HostileFiles {
  files: CaseFile[];
  fifos: string[];
  /** Relative to the case directory, or absolute (a device). */
  main: string;
}

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF root@build1";

/** A build-machine form with `extra` clauses, `systems` given as the Scheme expression. */
function machine(systems = '(list "x86_64-linux")', extra = "", name = '"build1.example.org"'): string {
  return `(build-machine (name ${name}) (systems ${systems}) (user "offload") (host-key "${HOST_KEY}")${extra ? ` ${extra}` : ""})`;
}

function text(path: string, content: string): CaseFile {
  return { path, bytes: Buffer.from(content, "utf8") };
}

function single(content: string, extra: Partial<HostileFiles> = {}): HostileFiles {
  return { files: [text("machines.scm", content), ...(extra.files ?? [])], fifos: extra.fifos ?? [], main: extra.main ?? "machines.scm" };
}

const DEVICES = ["/dev/zero", "/dev/urandom", "/dev/null", "/dev/full", "/dev/random", "/proc/self/status", "/proc/self/environ", "/dev/stdin", "/dev/tty"];

/** A way to read a file from Scheme, as an expression. */
function reading(random: SeededRandom, path: string): string {
  return random.pick([
    `(load "${path}")`,
    `(primitive-load "${path}")`,
    `(include "${path}")`,
    `(call-with-input-file "${path}" read-line)`,
    `(call-with-input-file "${path}" get-string-all)`,
    `(call-with-input-file "${path}" read)`,
    `(with-input-from-file "${path}" read)`,
    `(read-line (open-input-file "${path}"))`,
    `(get-string-all (open-input-file "${path}"))`,
    `(file-exists? "${path}")`,
  ]);
}

/** Modules the readers above need. */
const READING_MODULES = "(use-modules (ice-9 rdelim) (ice-9 textual-ports))\n";

/** A cyclic list or vector and what is done with it. */
function cycleProgram(random: SeededRandom): string {
  const make = random.pick([
    '(define l (list "x86_64-linux" "aarch64-linux")) (set-cdr! (cdr l) l)',
    '(define l (list "x86_64-linux")) (set-cdr! l l)',
    "(define l (list 1 2 3)) (set-car! l l)",
    '(define l (list "kvm")) (set-car! l l) (set-cdr! l l)',
    "(define l (make-vector 2 0)) (vector-set! l 0 l)",
    "(define l (list (vector 1))) (vector-set! (car l) 0 l)",
    "(define l (list 1 2)) (set-cdr! (cdr l) (list (vector l)))",
  ]);
  const use = random.pick([
    `(list ${machine("l")})`,
    `(list ${machine(undefined, "(features l)")})`,
    `(list ${machine(undefined, "(private-key l)")})`,
    "l",
    "(length l)",
    "(map (lambda (x) x) l)",
    "(apply + l)",
    "(apply list l)",
    "(display l)",
    '(format #f "~a" l)',
    "(object->string l)",
    "(equal? l l)",
    "(equal? l (list-copy l))",
    "(list-copy l)",
    "(reverse l)",
    "(append l '(1))",
    "(list->vector l)",
    "(vector->list l)",
    "(member 99 l)",
    "(assoc 99 l)",
    "(sort l <)",
    "(last-pair l)",
    "(string-join l)",
    "(list-tail l 5)",
    "(length+ l)",
    "(hash l 100)",
    "(let loop ((x l) (n 0)) (if (pair? x) (loop (cdr x) (+ n 1)) n))",
  ]);
  const modules = random.chance(0.5) ? "(use-modules (srfi srfi-1))\n" : "";
  return `${modules}${make}\n${use}\n`;
}

/** A program that allocates without bound (or a lot at once). */
function allocationProgram(random: SeededRandom): string {
  const big = random.pick([1e6, 1e7, 1e8, 1e9, 4294967295, 1e15]);
  return random.pick([
    "(let loop ((l (iota 1000))) (loop (append l l)))",
    '(let loop ((s "xx")) (loop (string-append s s)))',
    "(let loop ((s 'ab)) (loop (symbol-append s s)))",
    "(let loop ((v (make-vector 10 0)) (all '())) (loop (make-vector 100000 0) (cons v all)))",
    `(make-string ${big} #\\x)`,
    `(make-vector ${big} 0)`,
    `(make-list ${big} 0)`,
    `(iota ${big})`,
    `(length (iota ${big}))`,
    "(let loop ((n 2)) (loop (* n n)))",
    `(expt 7 ${big})`,
    `(number->string (expt 3 ${random.int(100_000, 10_000_000)}))`,
    '(let loop ((l (list "a" "b"))) (loop (append l l (list (string-join l)))))',
    `(string-pad "x" ${big})`,
    "(let ((t (make-hash-table))) (let loop ((i 0)) (hash-set! t i (make-string 100 #\\a)) (loop (+ i 1))))",
    '(call-with-output-string (lambda (port) (let loop () (display "xxxxxxxxxxxxxxxx" port) (loop))))',
    "(let loop ((l '())) (loop (cons (make-string 1000 #\\z) l)))",
    '(let loop ((s "x") (i 0)) (if (< i 64) (loop (string-append s s) (+ i 1)) (string-length s)))',
    `(list->string (make-list ${big} #\\a))`,
    `(apply string-append (make-list ${big} "ab"))`,
    `(vector-fill! (make-vector ${big}) 1)`,
    "(let loop ((l (list 1))) (loop (map (lambda (x) (list x x)) (append l l))))",
    `(format #f "~v,'xa" ${big} "")`,
  ]);
}

/** The templates by name; the name (after `hostile:`) is the case's kind. */
export const HOSTILE: Readonly<Record<string, (random: SeededRandom) => HostileFiles>> = {
  "self-load": (random) => {
    const how = random.int(0, 4);
    if (how === 0) return single(`(load "machines.scm")\n(list)\n`);
    if (how === 1) return single(`(include "machines.scm")\n(list)\n`);
    if (how === 2) return single("(load (current-filename))\n(list)\n");
    if (how === 3) return single(`(define x 1)\n(load "b.scm")\n(list)\n`, { files: [text("b.scm", '(load "machines.scm")\n')] });
    return single(`(include "b.scm")\n`, { files: [text("b.scm", '(include "c.scm")\n'), text("c.scm", '(include "b.scm")\n')] });
  },
  device: (random) => {
    const device = random.pick(DEVICES);
    if (random.chance(0.3)) return { files: [], fifos: [], main: device };
    return single(`${READING_MODULES}(define x ${reading(random, device)})\n(list ${machine()})\n`);
  },
  fifo: (random) => {
    if (random.chance(0.4)) return { files: [], fifos: ["machines.scm"], main: "machines.scm" };
    return single(`${READING_MODULES}${reading(random, "pipe")}\n(list ${machine()})\n`, { fifos: ["pipe"] });
  },
  cycle: (random) => single(cycleProgram(random)),
  "allocation-bomb": (random) =>
    single(`${random.chance(0.5) ? "(use-modules (srfi srfi-1) (ice-9 format))\n" : ""}(define x ${allocationProgram(random)})\n(list ${machine()})\n`),
  recursion: (random) =>
    single(
      random.pick([
        "(define (f x) (+ 1 (f x)))\n(f 1)\n",
        "(define (f x) (cons x (f x)))\n(f 1)\n",
        "(define (even? n) (if (= n 0) #t (not (odd? (- n 1))))) (define (odd? n) (if (= n 0) #f (not (even? (- n 1)))))\n(even? 100000000)\n",
        "(define (f . args) (apply f 1 args))\n(f)\n",
        "(define-syntax grow (syntax-rules () ((_ x) (grow (x x)))))\n(grow 1)\n",
        "(define (f n) (if (= n 0) '() (list (f (- n 1)))))\n(define deep (f 200000))\n(list (build-machine (inherit deep)))\n",
        "(let loop () (loop))\n",
        "(do ((i 0 (+ i 1))) (#f) i)\n",
        "(define k #f) (call/cc (lambda (c) (set! k c))) (k 1)\n",
        "(dynamic-wind (lambda () #f) (lambda () (let loop () (loop))) (lambda () #f))\n",
      ]),
    ),
  "deep-data": (random) => {
    const depth = random.pick([1000, 100_000, 1_000_000]);
    const field = random.pick(["systems", "features", "name", "private-key", "port"]);
    return single(
      `(define deep (let loop ((i 0) (l '())) (if (= i ${depth}) l (loop (+ i 1) (list l)))))\n(list ${machine(field === "systems" ? "deep" : undefined, field === "systems" ? "" : `(${field} deep)`)})\n`,
    );
  },
  "huge-name": (random) => {
    const length = random.pick([100_000, 200_000, 2_000_000, 3_000_000]);
    const unit = random.pick(["a", "-", "%", "s", "x"]);
    const name = unit.repeat(length);
    return single(
      random.pick([
        `(list ${machine(undefined, "", `"${name}"`)})\n`,
        `(list ${machine(undefined, `(${name} 1)`)})\n`,
        `(list ${machine(`(list "${name}")`)})\n`,
        `(list ${machine(undefined, `(compression "${name}")`)})\n`,
        `(list ${machine(undefined, `(features (list "${name}..."))`)})\n`,
        `(define ${name} 1)\n${name}x\n`,
      ]),
    );
  },
  "many-diagnostics": (random) => {
    const count = random.pick([1000, 10_000, 100_000]);
    return single(
      random.pick([
        `(list ${machine(`(list ${'"x" '.repeat(count)})`)})\n`,
        `(list ${machine(undefined, `(compression "${"z,".repeat(count)}")`)})\n`,
        `(list ${Array.from({ length: Math.min(count, 5000) }, () => machine(undefined, "(speed 0) (port 0)")).join(" ")})\n`,
        `(list ${machine(undefined, `(features (list ${"1 ".repeat(count)}))`)})\n`,
      ]),
    );
  },
};

/** The template names, in a fixed order. */
export const HOSTILE_KINDS: readonly string[] = Object.keys(HOSTILE);
