import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { leftoverJobs, withOneMachineSession } from "../../test/helpers/farm.ts";
import { parseLeftovers, removeLeftovers } from "./leftovers.ts";

describe("leftovers", () => {
  it("parse the sweep's lines, sizes in KiB", () => {
    assert.deepEqual(parseLeftovers("job a1-b2 12\nupload .tmp.5.77 4\nnoise\n"), {
      items: [
        { kind: "job", name: "a1-b2", bytes: 12 * 1024 },
        { kind: "upload", name: ".tmp.5.77", bytes: 4096 },
      ],
      bytes: 16 * 1024,
    });
  });

  describe("on a real machine", () => {
    const one = withOneMachineSession();

    it("are the scratch directories of dead clients: listed by a dry run, removed by a real one", async () => {
      const dead = spawnSync("/bin/sh", ["-c", 'read -r s < /proc/$$/stat; set -- ${s##*) }; shift 19; echo "$$ $1"'], { encoding: "utf8" }).stdout.trim();
      const jobs = join(one.farm.servers[0]!.home, ".cache", "offload", "jobs");
      mkdirSync(join(jobs, "killed-job"), { recursive: true });
      writeFileSync(join(jobs, "killed-job", "big"), Buffer.alloc(64 * 1024));
      writeFileSync(join(jobs, "killed-job.owner"), `${dead}\n`);
      const listed = await removeLeftovers(one.session, { dryRun: true });
      assert.deepEqual(
        listed.items.map((item) => item.name),
        ["killed-job"],
      );
      assert.ok(listed.bytes >= 64 * 1024);
      assert.equal(existsSync(join(jobs, "killed-job")), true);
      const removed = await removeLeftovers(one.session);
      assert.deepEqual(
        removed.items.map((item) => item.name),
        ["killed-job"],
      );
      assert.deepEqual(leftoverJobs(one.farm.servers[0]!), []);
      assert.deepEqual((await removeLeftovers(one.session)).items, []);
    });
  });
});
