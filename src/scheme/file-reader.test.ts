import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { SchemeError } from "./errors.ts";
import { FileError, readFileText } from "./file-reader.ts";

const dir = tempDir("offload-file-reader-");

function failure(path: string, limits = {}): SchemeError {
  try {
    readFileText(path, path, limits);
  } catch (error) {
    assert.ok(error instanceof SchemeError, String(error));
    return error;
  }
  assert.fail(`${path} was read`);
}

test("the documented example holds: a file's text", () => {
  const path = join(dir, "machines.scm");
  writeFileSync(path, "(list)\n");
  assert.equal(readFileText(path, "machines.scm").text, "(list)\n");
});

test("a missing file is file-not-found, named as the program wrote it, with Guile's system-error arguments", () => {
  const error = failure(join(dir, "absent.pub"));
  assert.ok(error instanceof FileError);
  assert.equal(error.code, "file-not-found");
  assert.equal(error.path, join(dir, "absent.pub"));
  assert.equal(error.key.name, "system-error");
  assert.match(error.message, /no such file$/);
});

test("devices, FIFOs and directories are refused before they are opened: nothing blocks or grows", () => {
  for (const device of ["/dev/zero", "/dev/urandom", "/dev/null"]) {
    const error = failure(device);
    assert.equal(error.code, "file-error", device);
    assert.match(error.message, /not a regular file/, device);
  }
  const fifo = join(dir, "fifo");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
  assert.match(failure(fifo).message, /not a regular file/);
  assert.match(failure(dir).message, /is a directory/);
});

test("the size limit counts the bytes read, not what stat says", () => {
  const big = join(dir, "big.scm");
  writeFileSync(big, "x".repeat(1000));
  assert.equal(failure(big, { maxBytes: 999 }).code, "limit-exceeded");
  assert.equal(readFileText(big, big, { maxBytes: 1000 }).text.length, 1000);
  // /proc files say they are empty and are not: they are read, and bounded.
  assert.ok(readFileText("/proc/self/status", "status").text.length > 0);
  assert.equal(failure("/proc/self/status", { maxBytes: 10 }).code, "limit-exceeded");
});

test("a file name longer than any real one is cut in messages, not quoted whole", () => {
  const huge = join(dir, "x".repeat(200_000));
  const error = failure(huge);
  assert.equal(error.code, "file-error");
  assert.ok(error.message.length < 1100, `${error.message.length} characters`);
  assert.ok(error.message.startsWith(`cannot read ${dir}/xxx`));
  // a real one is quoted whole
  assert.equal(failure(join(dir, "nope.scm")).message, `cannot read ${join(dir, "nope.scm")}: no such file`);
});
