import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { recordRunningBuild, runningBuilds } from "./running-builds.ts";

const machine = { name: "build1", port: 22 };

describe("running builds", () => {
  it("lists a build while it runs and forgets it after", () => {
    const stateDir = tempDir();
    const done = recordRunningBuild(stateDir, machine, "/gnu/store/abc-x.drv", 1000);
    assert.deepEqual(runningBuilds(stateDir, machine), [{ pid: process.pid, drvPath: "/gnu/store/abc-x.drv", since: 1000 }]);
    assert.deepEqual(runningBuilds(stateDir, { name: "build1", port: 2222 }), []);
    done();
    assert.deepEqual(runningBuilds(stateDir, machine), []);
  });

  it("does not list the build of a process that is gone", () => {
    const stateDir = tempDir();
    const gone = spawnSync("true").pid!;
    const dir = join(stateDir, "hook-builds", "build1:22");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${gone}.json`), JSON.stringify({ pid: gone, drvPath: "/gnu/store/abc-y.drv", since: 1 }));
    assert.deepEqual(runningBuilds(stateDir, machine), []);
  });
});
