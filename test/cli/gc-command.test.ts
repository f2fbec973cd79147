/**
 * `offload gc`: on every machine, what killed jobs left (scratch
 * directories, upload temporaries) goes, and the input cache is trimmed to
 * --max-size, least recently used first, never an entry a job holds; a
 * summary says what was freed; --dry-run only says.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { linkSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cacheEntries, leftoverJobs, offloadFarm, type OffloadFarm } from "../helpers/farm.ts";
import { runCli } from "../helpers/cli.ts";
import { freePort, writeMachinesFile } from "../helpers/sshd.ts";

/** "PID START" of a process that has ended. */
function deadOwner(): string {
  return spawnSync("/bin/sh", ["-c", 'read -r s < /proc/$$/stat; set -- ${s##*) }; shift 19; echo "$$ $1"'], { encoding: "utf8" }).stdout.trim();
}

describe("offload gc", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await offloadFarm(2);
    const base = join(farm.servers[0]!.home, ".cache", "offload");
    const [pid, start] = deadOwner().split(" ");
    mkdirSync(join(base, "jobs", "killed-job"), { recursive: true });
    writeFileSync(join(base, "jobs", "killed-job", "partial"), Buffer.alloc(40_000));
    writeFileSync(join(base, "jobs", "killed-job.owner"), `${pid} ${start}\n`);
    mkdirSync(join(base, "cas"), { recursive: true });
    writeFileSync(join(base, "cas", `.tmp.${pid}.${start}`), Buffer.alloc(10_000));
    const longAgo = Date.now() / 1000 - 7200;
    for (const c of ["a", "b", "c", "d"]) {
      writeFileSync(join(base, "cas", c.repeat(64)), Buffer.alloc(100_000));
      utimesSync(join(base, "cas", c.repeat(64)), longAgo, longAgo);
    }
    // A running job holds "d".
    mkdirSync(join(base, "jobs", "running-job"), { recursive: true });
    writeFileSync(
      join(base, "jobs", "running-job.owner"),
      `${process.pid} ${spawnSync("/bin/sh", ["-c", `read -r s < /proc/${process.pid}/stat; set -- \${s##*) }; shift 19; echo "$1"`], { encoding: "utf8" }).stdout.trim()}\n`,
    );
    linkSync(join(base, "cas", "d".repeat(64)), join(base, "jobs", "running-job", "input"));
  });
  after(() => farm.stop());

  const gc = (args: string[], file = farm.machinesFile) => runCli(["gc", "--state-dir", farm.stateDir, ...args, file], { cwd: farm.workDir });

  it("--dry-run says what would go and removes nothing", async () => {
    const result = await gc(["--dry-run", "--max-size", "150K"]);
    assert.equal(result.code, 0, result.stderr);
    const line = result.stdout.split("\n").find((text) => text.startsWith(`127.0.0.1:${farm.servers[0]!.port}:`))!;
    assert.match(
      line,
      /would remove 1 scratch directory \([\d.]+ KiB\), 1 upload temporary \([\d.]+ KiB\), 3 cache entries \(293 KiB\); input cache 97\.7 KiB in 1 entry \(cap 150 KiB\)$/,
    );
    assert.match(result.stdout, /^would free [\d.]+ KiB on 2 of 2 machines$/m);
    assert.deepEqual(leftoverJobs(farm.servers[0]!).sort(), ["killed-job", "killed-job.owner", "running-job", "running-job.owner"]);
    assert.equal(cacheEntries(farm.servers[0]!).length, 4);
  });

  it("removes leftovers and trims the cache, keeping what a running job holds, with a summary", async () => {
    const result = await gc(["--max-size", "50K"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /removed 1 scratch directory .*, 1 upload temporary .*, 3 cache entries \(293 KiB\); input cache 97\.7 KiB in 1 entry \(cap 50 KiB\); 47\.7 KiB over the cap kept: in use or used in the last hour/,
    );
    assert.match(result.stdout, /^freed [\d.]+ KiB on 2 of 2 machines$/m);
    assert.deepEqual(leftoverJobs(farm.servers[0]!).sort(), ["running-job", "running-job.owner"]);
    assert.deepEqual(cacheEntries(farm.servers[0]!), ["d".repeat(64)], "the entry a running job holds stays");
    const again = await gc([]);
    assert.match(again.stdout, /removed 0 scratch directories \(0 B\), 0 upload temporaries \(0 B\), 0 cache entries \(0 B\)/);
  });

  it("says which machines it could not reach, and exits 1", async () => {
    const file = join(farm.workDir, "with-dead.scm");
    writeMachinesFile(file, [farm.machines[1]!, { ...farm.machines[0]!, port: await freePort() }]);
    const result = await gc(["--timeout", "5"], file);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /127\.0\.0\.1:\d+: unreachable: connection to .* refused/);
    assert.match(result.stdout, /on 1 of 2 machines/);
  });

  it("refuses a size it cannot read", async () => {
    const result = await gc(["--max-size", "lots"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--max-size/);
  });
});
