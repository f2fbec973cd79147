/**
 * The Guile facts our module system is built on (src/scheme/modules/guile-names.ts)
 * must still be what the installed Guile 3.0 says: regenerate and compare.
 *
 * Run: node --import tsx --test test/differential/guile-names.test.ts
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT, runGuileScript } from "../helpers/guile.ts";

test("src/scheme/modules/guile-names.ts is what test/guile/guile-names.scm prints", () => {
  const expected = runGuileScript("guile-names.scm", [], { timeoutMs: 120_000 });
  const committed = readFileSync(join(REPO_ROOT, "src", "scheme", "modules", "guile-names.ts"), "utf8");
  assert.ok(
    committed === expected,
    "guile-names.ts is out of date: regenerate it with `guile --no-auto-compile -s test/guile/guile-names.scm > src/scheme/modules/guile-names.ts`",
  );
});
