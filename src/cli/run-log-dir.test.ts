import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { createRunLogDir } from "./run-log-dir.ts";

test("each run gets a new directory named after its start; latest points at the newest", () => {
  const base = join(tempDir("cli-log-dir-"), "logs");
  const at = new Date(2026, 11, 1, 15, 4, 8);
  const first = createRunLogDir(base, at);
  assert.equal(first, join(base, "20261201-150408"));
  writeFileSync(join(first, "1-a.log"), "first run\n");
  const second = createRunLogDir(base, at);
  assert.equal(second, join(base, "20261201-150408-2"), "a run in the same second does not reuse the directory");
  assert.equal(existsSync(join(first, "1-a.log")), true, "the earlier run's logs stay");
  assert.equal(readlinkSync(join(base, "latest")), basename(second));
});
