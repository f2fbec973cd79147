import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultStateDir, ensureStateDir, machineFileName } from "./state-dir.ts";

describe("state directory", () => {
  it("uses /var/lib/offload for root and XDG for others", () => {
    assert.equal(defaultStateDir({}, 0), "/var/lib/offload");
    assert.equal(defaultStateDir({ XDG_STATE_HOME: "/x/state" }, 1000), "/x/state/offload");
    assert.equal(defaultStateDir({}, 1000), join(homedir(), ".local", "state", "offload"));
    assert.equal(defaultStateDir({ XDG_STATE_HOME: "relative" }, 1000), join(homedir(), ".local", "state", "offload"));
  });

  it("lets OFFLOAD_STATE_DIR override everything", () => {
    assert.equal(defaultStateDir({ OFFLOAD_STATE_DIR: "/o", XDG_STATE_HOME: "/x" }, 0), "/o");
  });

  it("creates the directory", () => {
    const base = mkdtempSync(join(tmpdir(), "offload-state-"));
    try {
      const dir = ensureStateDir(join(base, "a", "b"));
      assert.ok(existsSync(dir));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it("makes machine file names safe", () => {
    assert.equal(machineFileName({ name: "build1.example.org", port: 22 }), "build1.example.org:22");
    assert.equal(machineFileName({ name: "a/b", port: 2 }), "a%2fb:2");
  });
});
