import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { fixText } from "./apply-fixes.ts";
import { lintFile, lintText } from "./linter.ts";
import { allRules } from "./registry.ts";
import { loadMachines } from "../machines/load.ts";
import { machineJson } from "../machines/report.ts";
import { effectiveSystems } from "../machines/load.ts";
import { SchemeError } from "../scheme/errors.ts";
import { writeString } from "../scheme/printer.ts";

const DIR = "fixtures/lint";
const rulesIn = (file: string): string[] => lintFile(file).diagnostics.map((d) => d.rule);

const fixtures = readdirSync(DIR).filter((f) => f.endsWith(".scm") && !f.endsWith(".ok.scm"));
const TRIGGERS: Record<string, string> = { "several-errors.scm": "extraneous-field-initializers" };

for (const file of fixtures) {
  const rule = TRIGGERS[file] ?? file.replace(/\.scm$/, "");
  test(`${file} triggers ${rule}`, () => {
    assert.ok(rulesIn(`${DIR}/${file}`).includes(rule), `expected ${rule} in ${rulesIn(`${DIR}/${file}`).join(", ")}`);
  });
  const nearMiss = `${DIR}/${file.replace(/\.scm$/, ".ok.scm")}`;
  if (readdirSync(DIR).includes(file.replace(/\.scm$/, ".ok.scm"))) {
    test(`${nearMiss} does not trigger ${rule} and has no errors`, () => {
      const diagnostics = lintFile(nearMiss).diagnostics;
      assert.deepEqual(
        diagnostics.filter((d) => d.rule === rule || d.severity === "error").map((d) => `${d.rule}: ${d.message}`),
        [],
      );
    });
  }
}

test("every rule with a default severity is documented and most have a trigger fixture", () => {
  const ids = allRules().map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  const withFixtures = ids.filter((id) => fixtures.includes(`${id}.scm`));
  const ruleSpecific = ids.filter((id) => !/-error$|-args?$|limit-exceeded|misc-error|numerical-overflow|out-of-range|file-error|private-key/.test(id));
  assert.deepEqual(
    ruleSpecific.filter((id) => !withFixtures.includes(id)),
    [],
  );
});

test("several record errors in one file are all reported, and the rest of the file is still checked", () => {
  const rules = rulesIn(`${DIR}/several-errors.scm`);
  assert.deepEqual(rules, ["extraneous-field-initializers", "missing-field-initializers", "duplicate-field-initializer", "port-range"]);
});

test("spans are exact: the diagnostic underlines the value", () => {
  const d = lintFile(`${DIR}/port-range.scm`).diagnostics[0]!;
  assert.equal(d.span.text(), "70000");
  assert.deepEqual(d.span.range(), { line: 6, column: 14, endLine: 6, endColumn: 19 });
  const key = lintFile(`${DIR}/host-key-unmatchable.scm`).diagnostics[1]!;
  assert.equal(key.span.text(), "build machine two");
});

test("did-you-mean hints for fields and systems", () => {
  const messages = lintFile(`${DIR}/extraneous-field-initializers.scm`)
    .diagnostics.map((d) => d.message)
    .join("\n");
  assert.match(messages, /sytems \(did you mean systems\?\)/);
  assert.match(lintFile(`${DIR}/unknown-system.scm`).diagnostics[0]!.message, /did you mean "x86_64-linux"/);
});

test("--allow-system accepts more system types", () => {
  const report = lintText("a.scm", readFileSync(`${DIR}/unknown-system.scm`, "utf8"), { allowSystems: ["x86-64-linux"] });
  assert.deepEqual(
    report.diagnostics.map((d) => d.rule),
    [],
  );
});

test("rule levels: off drops a rule, a level replaces the severity", () => {
  const text = readFileSync(`${DIR}/port-range.scm`, "utf8");
  assert.equal(lintText("a.scm", text, { ruleLevels: new Map([["port-range", "off"]]) }).diagnostics.length, 0);
  const warned = lintText("a.scm", text, { ruleLevels: new Map([["port-range", "warning"]]) }).diagnostics;
  assert.deepEqual(
    warned.map((d) => d.severity),
    ["warning", "warning"],
  );
});

/** Machines as comparable JSON (without locations, which move when lines change). */
function machinesOf(file: string): unknown[] {
  const result = loadMachines(file);
  return result.records.map((r) => {
    const json = machineJson(r, file) as Record<string, unknown>;
    delete json.location;
    json.systems = writeString(effectiveSystems(r));
    return json;
  });
}

const FIXABLE = ["deprecated-system", "system-and-systems", "systems-not-list", "not-a-list", "duplicate-machine"];

for (const rule of FIXABLE) {
  test(`fixing ${rule} removes it, is idempotent, keeps comments, and reads to the same machines`, async () => {
    const dir = tempDir("lint-fix-");
    const original = readFileSync(`${DIR}/${rule}.scm`, "utf8");
    const first = fixText(`${dir}/m.scm`, original, {});
    assert.ok(first.fixed > 0);
    assert.ok(!lintText(`${dir}/m.scm`, first.text).diagnostics.some((d) => d.rule === rule));
    assert.equal(fixText(`${dir}/m.scm`, first.text, {}).text, first.text, "fixing twice changes nothing");
    for (const comment of original.match(/;.*$/gm) ?? []) assert.ok(first.text.includes(comment), `comment kept: ${comment}`);
    writeFileSync(`${dir}/before.scm`, original);
    writeFileSync(`${dir}/after.scm`, first.text);
    const after = machinesOf(`${dir}/after.scm`);
    if (rule === "not-a-list") {
      assert.equal(after.length, 1);
    } else if (rule === "duplicate-machine") {
      assert.equal(after.length, 1);
      assert.equal((after[0] as { systems: string }).systems, '("x86_64-linux" "i686-linux")');
    } else if (rule === "systems-not-list") {
      assert.equal((after[0] as { systems: string }).systems, '("x86_64-linux")');
    } else {
      assert.deepEqual(after, machinesOf(`${dir}/before.scm`));
    }
  });
}

test("fixes on the Guix farm file (inherit + system) keep every machine's systems", async () => {
  const dir = tempDir("lint-fix-");
  for (const name of ["hydra-farm.scm", "inherit-system.scm", "system-and-systems.scm"]) {
    const original = readFileSync(`fixtures/machines/valid/${name}`, "utf8");
    writeFileSync(`${dir}/before.scm`, original);
    writeFileSync(`${dir}/after.scm`, fixText(`${dir}/after.scm`, original, {}).text);
    assert.deepEqual(machinesOf(`${dir}/after.scm`), machinesOf(`${dir}/before.scm`), name);
  }
});

/** Real-file shapes from machines-corpus.md and the problems they really have. */
const CORPUS_EXPECTED_ERRORS: Record<string, string[]> = {
  "simonank-empty-strings.scm": ["placeholder"],
  "riscv-placeholder.scm": ["placeholder"],
  "manual-2014-getenv.scm": ["placeholder"],
  "template-rendered.scm": ["placeholder"],
  "utf8-strings.scm": ["placeholder"],
  "missing-systems.scm": ["missing-systems"],
  "quote-forms.scm": ["host-key-malformed"],
  "tabs-indentation.scm": ["host-key-malformed"],
  "floats.scm": ["speed"],
  "named-let-generate.scm": ["parallel-builds"],
  "numbers-arith.scm": ["wrong-field-type"],
  "systems-empty-list.scm": ["empty-systems"],
  "bom-and-wide-characters.scm": ["placeholder"],
  "odd-field-types.scm": ["features-not-strings", "system-not-string", "wrong-field-type"],
};

for (const name of readdirSync("fixtures/machines/valid").filter((f) => f.endsWith(".scm"))) {
  test(`corpus shape ${name} lints without false errors`, () => {
    const errors = lintFile(`fixtures/machines/valid/${name}`)
      .diagnostics.filter((d) => d.severity === "error")
      .map((d) => d.rule);
    assert.deepEqual([...new Set(errors)].sort(), (CORPUS_EXPECTED_ERRORS[name] ?? []).sort());
  });
}

test("(location #f) is a field Guix accepts (it is innate, not unknown): lint and the evaluator agree", () => {
  const text = `(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (location #f)
  (host-key "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF")))\n`;
  assert.deepEqual(
    lintText("m.scm", text).diagnostics.map((d) => `${d.rule}: ${d.message}`),
    [],
  );
  const dir = tempDir("lint-location-");
  writeFileSync(`${dir}/m.scm`, text);
  assert.equal(loadMachines(`${dir}/m.scm`).machines.length, 1);
});

test("lint reports every record violation, the evaluator raises the first Guix would", () => {
  const text = `(list (build-machine (name "a") (name "b") (sytems '()) (user "u") oops))\n`;
  const diagnostics = lintText("m.scm", text).diagnostics.map((d) => `${d.rule} ${d.span.text()}`);
  assert.deepEqual(diagnostics, [
    "missing-field-initializers build-machine",
    'duplicate-field-initializer (name "b")',
    "extraneous-field-initializers sytems",
    "invalid-field-specifier oops",
  ]);
  const dir = tempDir("lint-violations-");
  writeFileSync(`${dir}/m.scm`, text);
  assert.throws(
    () => loadMachines(`${dir}/m.scm`),
    (error: unknown) => error instanceof SchemeError && error.code === "invalid-field-specifier",
  );
});

test("a build-machine inside a macro template is a pattern, not a form: only what the macro expands to is checked", () => {
  const text = `(define-syntax-rule (machine host body ...)
  (build-machine (name host) (user "u") (host-key "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF") body ...))
(list (machine "a" (systems (list "x86_64-linux"))) (machine "b" (sytems (list "x86_64-linux"))))\n`;
  const found = lintText("m.scm", text).diagnostics.map((d) => `${d.rule} ${d.severity}`);
  assert.ok(!found.includes("invalid-field-specifier error"), found.join(", "));
  assert.ok(found.includes("extraneous-field-initializers error"), "the expansion's unknown field is still reported");
});

test("a device, a FIFO, a directory or a file over --max-file-size is one located diagnostic, read no further", () => {
  const dir = tempDir("lint-hostile-files-");
  const fifo = join(dir, "machines.fifo");
  execFileSync("mkfifo", [fifo]);
  const big = join(dir, "big.scm");
  writeFileSync(big, "(list)".repeat(100));
  const found = (file: string, load = {}) => lintFile(file, { load }).diagnostics.map((d) => [d.rule, d.span.range().line, d.message]);
  // /dev/zero once grew memory without bound, and the FIFO blocked forever: nothing writes to it.
  assert.deepEqual(found("/dev/zero"), [["file-error", 1, "cannot read /dev/zero: not a regular file (a device, FIFO or socket is never a configuration)"]]);
  assert.deepEqual(found(fifo), [["file-error", 1, `cannot read ${fifo}: not a regular file (a device, FIFO or socket is never a configuration)`]]);
  assert.deepEqual(found(dir), [["file-error", 1, `cannot read ${dir}: is a directory`]]);
  assert.deepEqual(found(join(dir, "nope.scm")), [["file-error", 1, `cannot read ${join(dir, "nope.scm")}: no such file (Guix then offloads nothing)`]]);
  assert.deepEqual(found(big, { maxBytes: 100 }), [["limit-exceeded", 1, `cannot read ${big}: 600 bytes is more than the limit of 100 (--max-file-size)`]]);
});

test("huge names and values give short messages and are not compared for did-you-mean", () => {
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
  const machine = (systems: string, extra: string) => `(list (build-machine (name "a") (systems ${systems}) (user "u") (host-key "${key}") ${extra}))`;
  const huge = 2_000_000;
  const cases: Array<[text: string, rule: string]> = [
    [machine('(list "x86_64-linux")', `(${"s".repeat(huge)} 1)`), "extraneous-field-initializers"],
    [machine(`(list "${"-".repeat(huge)}")`, ""), "unknown-system"],
    [machine('"x86_64-linux"', `(name2 1)`).replace('"x86_64-linux"', `"${"y".repeat(huge)}"`), "systems-not-list"],
    [machine('(list "x86_64-linux")', `(compression "${"z".repeat(huge)}")`), "compression"],
    [machine('(list "x86_64-linux")', `(daemon-socket "${"d".repeat(huge)}")`), "daemon-socket-not-absolute"],
  ];
  for (const [text, rule] of cases) {
    const diagnostics = lintText("m.scm", text).diagnostics;
    const hit = diagnostics.find((d) => d.rule === rule);
    assert.ok(hit, `${rule} in ${diagnostics.map((d) => d.rule).join(", ")}`);
    for (const d of diagnostics) assert.ok(d.message.length < 400, `${d.rule}: ${d.message.length} characters`);
  }
});

test("an error in a file this one loads is located at the form of this file that loads it", () => {
  const dir = tempDir("lint-loaded-error-");
  writeFileSync(join(dir, "machines.scm"), '(define x 1)\n(load "b.scm")\n(list)\n');
  writeFileSync(join(dir, "b.scm"), ';; a longer first line than machines.scm has\n(load "machines.scm")\n');
  const report = lintFile(join(dir, "machines.scm"));
  const error = report.diagnostics.find((d) => d.severity === "error");
  assert.equal(error?.rule, "file-error");
  assert.deepEqual([error?.span.source.file, error?.span.text()], [join(dir, "machines.scm"), '(load "b.scm")']);
});

test("after an allocation bomb stopped the evaluation, the rules still run: the memory limit is the program's, not lint's", () => {
  const bomb =
    '(define x (let loop ((l (iota 1000))) (loop (append l l))))\n(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "k")))';
  const rules = lintText("m.scm", bomb, { load: { maxMemory: 16 * 1048576 } }).diagnostics.map((d) => d.rule);
  assert.deepEqual(rules, ["limit-exceeded", "host-key-malformed"]);
});
