import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { SchemeError } from "./errors.ts";
import { LoadStack } from "./load-stack.ts";

test("the documented example holds", () => {
  const stack = new LoadStack();
  assert.equal(
    stack.within("/etc/guix/machines.scm", () => stack.resolve("keys/a.pub")),
    "/etc/guix/keys/a.pub",
  );
  assert.equal(stack.resolve("keys/a.pub"), resolve("keys/a.pub"));
});

test("names resolve against the innermost file; absolute names stay as they are", () => {
  const stack = new LoadStack();
  stack.within("/a/outer.scm", () => {
    stack.within(stack.resolve("sub/inner.scm"), () => {
      assert.equal(stack.current, "/a/sub/inner.scm");
      assert.equal(stack.depth, 2);
      assert.equal(stack.resolve("key.pub"), "/a/sub/key.pub");
      assert.equal(stack.resolve("/etc/key.pub"), "/etc/key.pub");
    });
    assert.equal(stack.resolve("key.pub"), "/a/key.pub");
  });
  assert.equal(stack.depth, 0);
  assert.equal(stack.current, undefined);
});

test("a file loading itself is a load cycle, and the stack unwinds after an error", () => {
  const stack = new LoadStack();
  assert.throws(
    () => stack.within("/a/x.scm", () => stack.within("/a/y.scm", () => stack.within("/a/x.scm", () => 0))),
    (e: unknown) => e instanceof SchemeError && e.code === "file-error" && e.message === "load cycle: /a/x.scm -> /a/y.scm -> /a/x.scm",
  );
  assert.equal(stack.depth, 0);
});
