import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { JobLog } from "./job-log.ts";

const dir = tempDir("cli-job-log-");

test("a small log is written in one go when it ends", async () => {
  const file = join(dir, "small.log");
  const log = new JobLog(file);
  log.write("one\n");
  log.write("two\n");
  assert.equal(existsSync(file), false, "nothing on disk while the job runs");
  log.end();
  await finished(log);
  assert.equal(readFileSync(file, "utf8"), "one\ntwo\n");
});

test("a large log goes to the file as it grows, all of it in order", async () => {
  const file = join(dir, "large.log");
  const log = new JobLog(file);
  const chunk = "x".repeat(64 * 1024 - 1) + "\n";
  for (let i = 0; i < 8; i++) log.write(chunk);
  log.end("end\n");
  await finished(log);
  const text = readFileSync(file, "utf8");
  assert.equal(text.length, 8 * chunk.length + 4);
  assert.ok(text.endsWith("\nend\n"));
});
