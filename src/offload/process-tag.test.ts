import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pidExists, processStartTime, processTag, TAG_PATTERN, tagIsGone } from "./process-tag.ts";

describe("process tags", () => {
  it("name this process: host, PID, start time", () => {
    const tag = processTag();
    assert.match(tag, new RegExp(`^${TAG_PATTERN.source}$`));
    const [, pid, start] = tag.split(".");
    assert.equal(Number(pid), process.pid);
    assert.equal(Number(start), processStartTime(process.pid));
    assert.equal(tagIsGone(tag), false);
  });

  it("tell an ended process, and a reused PID, from a running one", () => {
    const host = processTag().split(".")[0]!;
    const ended = spawnSync("/bin/sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim();
    assert.equal(tagIsGone(`${host}.${ended}.${processStartTime(process.pid)}`), true);
    assert.equal(tagIsGone(`${host}.${process.pid}.1`), true, "same PID, another start: the PID was reused");
    assert.equal(tagIsGone(`${host}.${process.pid}.-`), false, "without a start time, only the PID can tell");
  });

  it("never judge another host's process", () => {
    assert.equal(tagIsGone(`00000000.999999.1`), false);
    assert.equal(tagIsGone("garbage"), false);
  });

  it("tell whether a PID is in use: this process and init are, one above any pid_max is not", () => {
    assert.equal(pidExists(process.pid), true);
    assert.equal(pidExists(1), true);
    assert.equal(pidExists(999_999_999), false);
  });
});
