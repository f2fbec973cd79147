import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_MACHINES_FILE } from "./default-file.ts";

test("Guix's daemon reads /etc/guix/machines.scm", () => {
  assert.equal(DEFAULT_MACHINES_FILE, "/etc/guix/machines.scm");
});
