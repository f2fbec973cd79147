import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { checkGuile, GUILE_MISSING_MESSAGE, guileEvaluateStrings, guileShowReports, guileVisibleEnv, requireGuile, runGuileScript } from "./guile.ts";

describe("guile helper", () => {
  const directory = mkdtempSync(join(tmpdir(), "offload-guile-helper-"));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it("finds Guile 3.0", () => {
    assert.match(requireGuile(), /GNU Guile\) 3\.0\./);
  });

  it("says to install guile-3.0 when the command is missing", () => {
    assert.throws(
      () => checkGuile("guile-offload-test-no-such-command"),
      (error: Error) => {
        assert.equal(error.message, GUILE_MISSING_MESSAGE);
        assert.match(error.message, /guile-3\.0/);
        return true;
      },
    );
  });

  it("rejects a command that is not Guile 3.0", () => {
    assert.throws(() => checkGuile("true"), /install the `guile-3\.0` package/i);
  });

  it("reports a machines file the way Guix loads it", () => {
    const file = join(directory, "machines.scm");
    writeFileSync(file, '(list (build-machine (name "a") (system "i686-linux") (user "u") (host-key "k")))\n');
    const [report] = guileShowReports([file], { env: { HOME: "/home/h" } });
    assert.deepEqual(report, {
      file,
      machines: [
        {
          name: "a",
          port: 22,
          systems: ["i686-linux"],
          user: "u",
          "host-key": "k",
          "private-key": "/home/h/.ssh/id_rsa",
          compression: "zlib@openssh.com,zlib",
          "compression-level": 3,
          "daemon-socket": "/var/guix/daemon-socket/socket",
          "overload-threshold": 0.8,
          "parallel-builds": 1,
          speed: 1,
          features: [],
          location: { file, line: 1, column: 7 },
        },
      ],
      warnings: [
        {
          code: "deprecated-system",
          message: "The 'system' field is deprecated, please use 'systems' instead.",
          location: { file, line: 1, column: 7 },
        },
      ],
    });
  });

  it("reports record errors with Guix's wording and our codes, one report per file", () => {
    const typo = join(directory, "typo.scm");
    const missing = join(directory, "missing.scm");
    writeFileSync(typo, '(list\n  (build-machine (name "a") (sytems 1) (user "u") (host-key "k")))');
    const [typoReport, missingReport] = guileShowReports([typo, missing]);
    assert.deepEqual(typoReport, {
      file: typo,
      error: {
        code: "extraneous-field-initializers",
        message: "build-machine: extraneous field initializers (sytems)",
        location: { file: typo, line: 2, column: 3 },
      },
    });
    // Guix's loading rule: a missing machines file is no machines (build-machines catches ENOENT), which
    // the report says as a missing-file warning naming the file, as src/machines/load.ts does.
    assert.deepEqual(missingReport, {
      file: missing,
      machines: [],
      warnings: [{ code: "missing-file", message: `${missing} does not exist`, location: null, file: missing }],
    });
  });

  it("evaluates expressions and prints them with write", () => {
    assert.deepEqual(guileEvaluateStrings(["(+ 1 2)", "2.", '(list "a" #\\b \'c)', "(car '())"]), ["3", "2.0", '("a" #\\b c)', "#<error wrong-type-arg>"]);
  });

  it("gives Guile only PATH, the locale and the variables asked for", () => {
    const env = guileVisibleEnv({ HOME: "/h", UNSET: undefined });
    assert.deepEqual(Object.keys(env).sort(), ["GUILE_AUTO_COMPILE", "HOME", "LC_ALL", "PATH"]);
    assert.deepEqual(guileEvaluateStrings(['(list (getenv "HOME") (getenv "USER"))'], { env: { HOME: "/h" } }), ['("/h" #f)']);
  });

  it("kills a Guile run that exceeds its timeout", () => {
    const file = join(directory, "loop.scm");
    writeFileSync(file, "(let loop () (loop))");
    assert.throws(() => runGuileScript("show.scm", [file], { timeoutMs: 500 }), /timed out after 500 ms/);
  });
});
