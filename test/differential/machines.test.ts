/**
 * Differential test: for every machines file in fixtures/machines/, our
 * `offload show --json` report equals the one Guile 3.0 produces with the
 * stand-in record of test/guile/build-machine.scm (see compare.ts for what
 * "equals" means for error locations).
 *
 * Run: node --import tsx --test test/differential/machines.test.ts
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { before, describe, it } from "node:test";
import { showReport } from "../../src/machines/report.ts";
import { guileShowReports, guileVisibleEnv, REPO_ROOT, requireGuile, type Report } from "../helpers/guile.ts";
import { compareReports, formatDifferences, type AnyReport } from "./compare.ts";

/** A HOME that is certainly not the developer's, so private-key defaults are stable. */
const TEST_HOME = "/home/offload-test";

/** Paths as given on the command line: relative to the working directory, like a user would type them. */
function fixtures(directory: string): string[] {
  const absolute = join(REPO_ROOT, "fixtures", "machines", directory);
  return readdirSync(absolute)
    .filter((name) => name.endsWith(".scm"))
    .sort()
    .map((name) => relative(process.cwd(), join(absolute, name)));
}

const valid = fixtures("valid");
const invalid = fixtures("invalid");
/** A machines file that does not exist: Guix uses no machines; both report that with a missing-file warning. */
const missingFile = relative(process.cwd(), join(REPO_ROOT, "fixtures", "machines", "invalid", "no-such-machines-file.scm"));

function ourReport(file: string, env: Record<string, string>): AnyReport {
  return showReport(file, { env }) as unknown as AnyReport;
}

/** One `it` per file, comparing our report with Guile's (computed once, in one Guile process). */
function differentialSuite(title: string, files: readonly string[], env: Record<string, string | undefined>): void {
  describe(title, () => {
    const guile = new Map<string, Report>();
    const visible = guileVisibleEnv(env);
    before(() => {
      requireGuile();
      const reports = guileShowReports(files, { env });
      files.forEach((file, i) => guile.set(file, reports[i]!));
    });
    for (const file of files) {
      it(file, () => {
        const expected = guile.get(file)!;
        const ours = ourReport(file, visible);
        const diffs = compareReports(expected, ours);
        assert.deepEqual(diffs, [], formatDifferences(file, diffs, expected, ours));
      });
    }
  });
}

describe("the machines corpus", () => {
  it("has at least 60 files, 40 of them written with real-world Guile idioms (idioms-*.scm)", () => {
    assert.ok(valid.length + invalid.length >= 60, `${valid.length} valid + ${invalid.length} invalid`);
    const idioms = [...valid, ...invalid].filter((f) => f.includes("/idioms-"));
    assert.ok(idioms.length >= 40, `only ${idioms.length} idioms-*.scm files`);
  });

  it("valid files load in Guile without error; invalid ones fail or warn", () => {
    requireGuile();
    const reports = guileShowReports([...valid, ...invalid], { env: { HOME: TEST_HOME } });
    const failedValid = reports.slice(0, valid.length).filter((r) => "error" in r);
    assert.deepEqual(
      failedValid.map((r) => r.file),
      [],
      "fixtures/machines/valid/ must hold files Guile loads; move these to invalid/",
    );
    const quietInvalid = reports
      .slice(valid.length)
      .filter((r) => !("error" in r) && !r.warnings.some((w) => w.code === "not-a-list" || w.code === "missing-file"));
    assert.deepEqual(
      quietInvalid.map((r) => r.file),
      [],
      "fixtures/machines/invalid/ must hold files Guile rejects, or ignores (not-a-list, missing-file)",
    );
  });
});

differentialSuite("valid machines files (HOME set)", valid, { HOME: TEST_HOME });
differentialSuite("valid machines files (HOME unset: private-key defaults to #f)", valid, { HOME: undefined });
differentialSuite("invalid machines files", [...invalid, missingFile], { HOME: TEST_HOME });
