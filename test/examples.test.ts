/**
 * Every `@example` that shows a result is run, and the result checked.
 *
 * A line of the form `EXPRESSION; // VALUE` (or `const NAME = EXPRESSION; // VALUE`)
 * where VALUE is a JavaScript literal — a string, number, boolean,
 * `undefined`, `null`, an array or an object — is an assertion: the example
 * runs as a module, with every export of its module in scope (and its own
 * imports: relative to its file, packages from this project), and the
 * expression must equal VALUE (an object VALUE lists the properties that
 * matter; others may be present). A long VALUE may go on comment lines of
 * its own right below the line it checks, when that line has no comment.
 * A comment that is not a literal (`// Rational 1/3`, `// the machine's
 * name`) is prose and is not checked, and an example with no checked line
 * is not run: it stands for what cannot run here (a server, a terminal).
 * Where a VALUE would be checked, a comment that begins like one but is not
 * (`// 0 when it succeeds`) fails: the value goes alone, the prose on a
 * line of its own.
 *
 * @example
 * // in src/scheme/abbreviate.ts:
 * abbreviate("x".repeat(100)).length; // 80
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tempDir } from "./helpers/temp-dir.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const scratch = tempDir("offload-examples-");
const EXAMPLE_TIMEOUT_MS = 10_000;

interface Example {
  file: string;
  /** Line number (1-based) of the `@example` tag. */
  line: number;
  code: string[];
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (entry.endsWith(".ts") && !entry.endsWith(".test.ts")) files.push(path);
  }
  return files;
}

/** The `@example` sections of a file's doc comments, without their ` * ` margins. */
function examplesIn(file: string): Example[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const examples: Example[] = [];
  let current: Example | undefined;
  lines.forEach((text, index) => {
    const inComment = /^\s*\*(?!\/)/.test(text);
    const body = text.replace(/^\s*\* ?/, "");
    if (current && (!inComment || /^@\w/.test(body))) {
      examples.push(current);
      current = undefined;
    }
    if (inComment && /^@example\b/.test(body)) current = { file, line: index + 1, code: [] };
    else if (current) current.code.push(body);
  });
  if (current) examples.push(current);
  return examples;
}

/** How a JavaScript literal begins: a quote, a digit, a bracket, a minus sign or a literal keyword. */
const VALUE_START = /^(?:["'`\d[{-]|true\b|false\b|null\b|undefined\b|NaN\b|Infinity\b)/;

/** VALUE as a JavaScript value, or undefined-and-false when the comment is prose. */
function literalValue(comment: string): { ok: boolean; value?: unknown } {
  if (!VALUE_START.test(comment)) return { ok: false };
  try {
    return { ok: true, value: new Function(`"use strict"; return (${comment});`)() };
  } catch {
    return { ok: false };
  }
}

/**
 * A line's code and its trailing `//` comment, the comment starting at the
 * first `//` outside a string or template literal (so `"out//a"` is code).
 */
function splitComment(line: string): { groups: { code: string; value: string } } | null {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== null) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === "`") {
      quote = c;
    } else if (c === "/" && line[i + 1] === "/") {
      const value = line.slice(i + 2).trim();
      if (value === "") return null;
      return { groups: { code: line.slice(0, i).replace(/;?\s*$/, ""), value } };
    }
  }
  return null;
}
const DECLARATION = /^(?:const|let)\s+(?<name>[A-Za-z_$][\w$]*)\s*=/;

/**
 * Where an example's import points once the example is a scratch file: a
 * relative path is taken from the example's own file, a package from this
 * project's node_modules, a `node:` module as it is.
 */
function importTarget(spec: string, exampleFile: string): string {
  if (spec.startsWith("./") || spec.startsWith("../")) return pathToFileURL(resolve(dirname(exampleFile), spec)).href;
  return import.meta.resolve(spec);
}

const COMMENT_LINE = /^\s*\/\/\s*(?<text>.*?)\s*$/;

/**
 * The example's lines with each `// VALUE` that stands alone under a
 * comment-less code line moved up onto that line (the line numbers stay).
 * A VALUE may continue on the comment lines after it, up to the line where
 * it is complete.
 */
function joinedValueLines(code: readonly string[]): string[] {
  const lines = [...code];
  for (let index = 1; index < lines.length; index++) {
    const value = COMMENT_LINE.exec(lines[index]!)?.groups?.text;
    const above = lines[index - 1]!;
    if (value === undefined || !VALUE_START.test(value) || above.trim() === "" || above.includes("//")) continue;
    let joined = value;
    let last = index;
    for (let next = index + 1; !literalValue(joined).ok && next < lines.length; next++) {
      const more = COMMENT_LINE.exec(lines[next]!)?.groups?.text;
      if (more === undefined) break;
      joined = `${joined} ${more}`;
      if (literalValue(joined).ok) last = next;
    }
    if (last === index) joined = value;
    lines[index - 1] = `${above} // ${joined}`;
    for (let cleared = index; cleared <= last; cleared++) lines[cleared] = "";
  }
  return lines;
}

/** The example as a module: checked lines become calls to `__check`. */
function moduleText(example: Example, exportNames: readonly string[]): { text: string; checks: number } {
  const declared = new Set<string>();
  let checks = 0;
  const body = joinedValueLines(example.code).map((line, index) => {
    const imported = /^import\s.*from\s+["'](?<spec>[^"']+)["']/.exec(line);
    if (imported) {
      for (const name of line.replace(/\sfrom\s+["'].*$/, "").match(/[A-Za-z_$][\w$]*/g) ?? []) declared.add(name);
      const spec = imported.groups!.spec!;
      return line.replace(new RegExp(`(["'])${spec.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\1`), JSON.stringify(importTarget(spec, example.file)));
    }
    for (const match of line.matchAll(/\b(?:const|let|var|function|class)\s+([A-Za-z_$][\w$]*)/g)) declared.add(match[1]!);
    const assertion = splitComment(line);
    if (!assertion || line.trimStart().startsWith("//")) return line;
    const value = assertion.groups!.value!;
    const expected = literalValue(value);
    if (!expected.ok && !VALUE_START.test(value)) return line;
    checks++;
    const place = `${relative(root, example.file)}:${example.line + 1 + index}`;
    // `// 0 when it succeeds`, `// "warning": Guix loads it`: a claim that reads as checked but is not
    if (!expected.ok)
      return `throw new Error(${JSON.stringify(`${place}: "// ${value}" begins like a value but is not one: write the value alone, prose on a line of its own`)});`;
    const code = assertion.groups!.code!.trim();
    const where = JSON.stringify(place);
    const declaration = DECLARATION.exec(code);
    if (declaration) return `${code}; __check(${where}, ${declaration.groups!.name}, (${assertion.groups!.value}));`;
    return `__check(${where}, await (${code}), (${assertion.groups!.value}));`;
  });
  const inScope = exportNames.filter((name) => !declared.has(name) && name !== "default");
  const text = [
    `import { check as __check } from ${JSON.stringify(pathToFileURL(join(root, "test", "helpers", "example-check.ts")).href)};`,
    `import * as __module from ${JSON.stringify(pathToFileURL(example.file).href)};`,
    inScope.length > 0 ? `const { ${inScope.join(", ")} } = __module;` : "",
    ...body,
    "export {};",
  ].join("\n");
  return { text, checks };
}

const files = [...sourceFiles(join(root, "grammar")), ...sourceFiles(join(root, "src"))].sort();
let counter = 0;
for (const file of files) {
  const examples = examplesIn(file);
  if (examples.length === 0) continue;
  test(`examples in ${relative(root, file)}`, async (t) => {
    const exportNames = Object.keys(await import(pathToFileURL(file).href));
    for (const example of examples) {
      const { text, checks } = moduleText(example, exportNames);
      if (checks === 0) continue;
      await t.test(`line ${example.line}`, { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
        const path = join(scratch, `example-${counter++}.mts`);
        writeFileSync(path, text);
        const exitCode = process.exitCode;
        try {
          await import(pathToFileURL(path).href);
        } finally {
          // An example that sets the exit status would decide this whole test run's.
          const changed = process.exitCode !== exitCode;
          process.exitCode = exitCode;
          assert.ok(!changed, `${relative(root, file)}:${example.line}: the example sets process.exitCode`);
        }
      });
    }
  });
}

test("the example checker itself: prose is not checked, literals are", () => {
  const example: Example = {
    file: join(root, "src", "scheme", "abbreviate.ts"),
    line: 1,
    code: ['abbreviate("abc"); // "abc"', "abbreviate('x'); // the text itself"],
  };
  const { text, checks } = moduleText(example, ["abbreviate"]);
  assert.equal(checks, 1);
  assert.match(text, /__check\(".*", await \(abbreviate\("abc"\)\), \("abc"\)\);/);
});

test("the example checker itself: a value followed by prose fails instead of passing unchecked", () => {
  const code = ['abbreviate("abc"); // "abc": unchanged', "abbreviate('x');", "// 0 when short", "// 80 columns: prose on a line of its own"];
  const example: Example = { file: join(root, "src", "scheme", "abbreviate.ts"), line: 1, code };
  const { text, checks } = moduleText(example, ["abbreviate"]);
  assert.equal(checks, 2);
  assert.match(text, /throw new Error\(".*abbreviate\.ts:2: \\"\/\/ \\"abc\\": unchanged\\" begins like a value/);
  assert.match(text, /throw new Error\(".*abbreviate\.ts:3: \\"\/\/ 0 when short\\" begins like a value/);
});

test("the example checker itself: an example's imports, relative or from a package, are its own", () => {
  const code = ['import { fromNixBase32 } from "./base32.ts";', 'import { Chalk } from "chalk";', 'fromNixBase32("00", 1).length; // 1'];
  const example: Example = { file: join(root, "src", "store", "base32.ts"), line: 1, code };
  const { text } = moduleText(example, ["fromNixBase32", "toNixBase32"]);
  assert.match(text, /const \{ toNixBase32 \} = __module;/);
  assert.match(text, /import \{ fromNixBase32 \} from "file:\/\/.*\/src\/store\/base32\.ts";/);
  assert.match(text, /import \{ Chalk \} from "file:\/\/.*\/node_modules\/chalk\/.*";/);
});

test("the example checker itself: a value may continue on the comment lines below it", () => {
  const code = ["[1, 2, 3].map(String);", '// ["1",', '//  "2", "3"]', "// prose after it"];
  const example: Example = { file: join(root, "src", "scheme", "abbreviate.ts"), line: 1, code };
  const { text, checks } = moduleText(example, ["abbreviate"]);
  assert.equal(checks, 1);
  assert.match(text, /__check\(".*abbreviate\.ts:2", await \(\[1, 2, 3\]\.map\(String\)\), \(\["1", "2", "3"\]\)\);/);
  assert.match(text, /\/\/ prose after it/);
});

test("the example checker itself: a value on the line below checks the line above", () => {
  const code = ['abbreviate("x".repeat(100)).length;', "// 80", "abbreviate('y'); // prose", '// "y"', "// prose, not a value"];
  const example: Example = { file: join(root, "src", "scheme", "abbreviate.ts"), line: 1, code };
  const { text, checks } = moduleText(example, ["abbreviate"]);
  assert.equal(checks, 1);
  assert.match(text, /__check\("src\/scheme\/abbreviate.ts:2", await \(abbreviate\("x"\.repeat\(100\)\)\.length\), \(80\)\);/);
});
