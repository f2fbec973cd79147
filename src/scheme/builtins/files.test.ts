import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { createInterpreter } from "../interpreter.ts";
import { writeString } from "../printer.ts";
import { basename, dirname } from "./files.ts";

test("the documented examples hold", () => {
  assert.equal(run('(basename "/etc/guix/machines.scm" ".scm")'), '"machines"');
  assert.equal(run('(dirname "/etc/guix/machines.scm")'), '"/etc/guix"');
});

test("basename and dirname as Guile 3.0 computes them", () => {
  const cases: Array<[string, string, string]> = [
    ["/a/b/", "b/", "/a"],
    ["a", "a", "."],
    ["/", "/", "/"],
    ["", "", "."],
    ["//", "/", "/"],
    ["/a//b", "b", "/a"],
  ];
  for (const [name, base, dir] of cases) {
    assert.equal(basename(name), base, `basename ${name}`);
    assert.equal(dirname(name), dir, `dirname ${name}`);
  }
  assert.equal(basename(".scm", ".scm"), "");
});

test("reading files relative to the file being loaded; writing modes are refused", () => {
  const dir = tempDir("offload-files-");
  writeFileSync(join(dir, "key.pub"), "ssh-ed25519 AAAA\nsecond\n");
  writeFileSync(join(dir, "helper.scm"), "(define helper 'loaded)");
  const main = join(dir, "main.scm");
  writeFileSync(
    main,
    `(use-modules (ice-9 rdelim))
     (load "helper.scm")
     (list helper (call-with-input-file "key.pub" read-line) (with-input-from-file "key.pub" read-line)
           (read-line (open-file "key.pub" "r")) (file-exists? "key.pub") (file-exists? "absent"))`,
  );
  assert.equal(writeString(createInterpreter().loadFile(main)), '(loaded "ssh-ed25519 AAAA" "ssh-ed25519 AAAA" "ssh-ed25519 AAAA" #t #f)');
  assert.equal(failure(`(open-file "${join(dir, "out")}" "w")`).code, "refused");
  assert.equal(failure('(primitive-load "/nonexistent/offload-test/x.scm")').code, "file-not-found");
});
