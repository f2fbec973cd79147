import assert from "node:assert/strict";
import { hostname } from "node:os";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";

test("the documented examples hold", () => {
  assert.equal(run('(passwd:dir (getpw "root"))'), '"/root"');
  assert.equal(run('(getenv "HOME")', { env: { HOME: "/root" } }), '"/root"');
  assert.equal(run('(getenv "HOME")', { env: {} }), "#f");
});

test("the machine and its users, read-only", () => {
  assert.equal(run("(gethostname)"), JSON.stringify(hostname()));
  assert.equal(run('(list (passwd:name (getpw 0)) (passwd:uid (getpw "root")) (vector-length (getpwnam "root")))'), '("root" 0 7)');
  assert.equal(run("(integer? (getuid))"), "#t");
  assert.equal(run("(map (lambda (s) (string-index s #\\=)) (environ))", { env: { A: "1" } }), "(1)");
  assert.equal(failure('(getpw "no-such-user-offload-test")').code, "misc-error");
  assert.equal(failure("(environ '())").code, "refused");
});
