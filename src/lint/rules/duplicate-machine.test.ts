import assert from "node:assert/strict";
import { test } from "node:test";
import { fixText } from "../apply-fixes.ts";
import { MAX_DIAGNOSTICS_PER_RULE } from "../context.ts";
import { lintText } from "../linter.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
const machine = (system: string, user = "u") => `(build-machine (name "a") (systems (list "${system}")) (user "${user}") (host-key "${KEY}"))`;

test("two entries that differ only in their systems are one diagnostic, fixed by merging them", () => {
  const text = `(list ${machine("x86_64-linux")}\n      ${machine("i686-linux")})`;
  const diagnostics = lintText("m.scm", text).diagnostics.filter((d) => d.rule === "duplicate-machine");
  assert.deepEqual(
    diagnostics.map((d) => [d.span.range().line, d.fix?.description]),
    [[2, "merge the two entries into one machine with both systems"]],
  );
  // The second entry is not alone on its line (the list's ")" follows it): it goes with the blanks before it.
  assert.equal(
    fixText("m.scm", text, {}).text,
    `(list (build-machine (name "a") (systems (list "x86_64-linux" "i686-linux")) (user "u") (host-key "${KEY}"))\n      )`,
  );
});

test("entries that differ otherwise are reported without a fix; one outside the returned list is not merged", () => {
  const users = lintText("m.scm", `(list ${machine("x86_64-linux", "alice")} ${machine("i686-linux", "bob")})`).diagnostics.filter(
    (d) => d.rule === "duplicate-machine",
  );
  assert.deepEqual(
    users.map((d) => d.fix),
    [null],
  );
  const defined = lintText("m.scm", `(define b ${machine("i686-linux")})\n(list ${machine("x86_64-linux")} b)`).diagnostics.filter(
    (d) => d.rule === "duplicate-machine",
  );
  assert.deepEqual(
    defined.map((d) => d.fix),
    [null],
  );
});

test("5,000 copies on one line: a diagnostic with its fix for each of the first 1,000 copies after the first, then one counting the rest", () => {
  // Once quadratic twice over (each fix walked the returned list and scanned the line): seconds; found by the fuzzer.
  const copies = 5_000;
  const diagnostics = lintText("m.scm", `(list ${Array.from({ length: copies }, () => machine("x86_64-linux")).join(" ")})`).diagnostics.filter(
    (d) => d.rule === "duplicate-machine",
  );
  assert.equal(diagnostics.length, MAX_DIAGNOSTICS_PER_RULE + 1);
  assert.ok(diagnostics.slice(0, MAX_DIAGNOSTICS_PER_RULE).every((d) => d.fix !== null));
  assert.equal(diagnostics.at(-1)!.message, `${copies - 1 - MAX_DIAGNOSTICS_PER_RULE} more duplicate-machine problems are not shown (the first 1000 are)`);
});
