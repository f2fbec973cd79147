/**
 * Chaos: full disks (a small tmpfs, as root). A build machine whose disk
 * fills up says so ("the disk of HOST is full") and the job goes to another
 * machine; with nowhere else to go it fails with that message and ssh's 255.
 * A full local disk is not the machine's fault: no retry, a clear message,
 * nothing partial or staged left here and the remote scratch removed. The
 * servers are real OpenSSH ones (faultFarm: offloadFarm from
 * test/helpers/farm.ts).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { exitStatusOf } from "../../src/cli/exit-status.ts";
import type { BuildMachine } from "../../src/machines/types.ts";
import { Offloader } from "../../src/offload/offloader.ts";
import { writeProbe } from "../../src/offload/probe-cache.ts";
import { leftoverJobs, writeFile } from "../helpers/farm.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { faultFarm, jobSpec, sinks, stagingDirs, STALL_DETECTION, uploadTemporaries, type OffloadFarm } from "./chaos.ts";
import { cannotMount, mountTmpfs } from "./tmpfs.ts";

const skip = cannotMount();

/**
 * An engine whose machines all look roomy to selection (a cached probe), as
 * when a disk fills up after the machine was chosen.
 */
function engineWithRoom(farm: OffloadFarm, machines: BuildMachine[], retries: number): Offloader {
  const stateDir = tempDir("offload-chaos-state-");
  for (const machine of machines) writeProbe(machine, stateDir, { load: [0, 0, 0], cores: 4, diskFreeBytes: 100 * 2 ** 30 });
  return new Offloader({ machines, stateDir, retries, waitMs: 10_000, probeMaxAgeMs: 600_000, connect: STALL_DETECTION });
}

/** Mount a tmpfs over a server's offload work directory. */
function fillableRemote(farm: OffloadFarm, index: number, bytes: number): () => void {
  return mountTmpfs(join(farm.servers[index]!.home, ".cache"), bytes);
}

describe("chaos: disks fill up", { skip }, () => {
  it("remote disk full during the upload: says so, and the job goes elsewhere", { timeout: 120_000 }, async () => {
    const farm = await faultFarm();
    const unmount = fillableRemote(farm, 0, 8 << 20);
    try {
      writeFile(farm.workDir, "big-input", Buffer.alloc(16 << 20, 1));
      const alone = engineWithRoom(farm, [farm.machines[0]!], 0);
      const failed = await alone.run(jobSpec(farm, ["wc", "-c", "big-input"], { inputs: ["big-input"] }), sinks()).finally(() => alone.close());
      assert.equal(failed.status, "error");
      assert.equal(exitStatusOf(failed), 255);
      assert.match(failed.error!.message, /the disk of 127\.0\.0\.1 is full \(upload\): .*No space left on device/);
      assert.deepEqual(uploadTemporaries(farm.servers[0]!), [], "no partial cache entry");

      const both = engineWithRoom(farm, farm.machines, 2);
      const report = await both.run(jobSpec(farm, ["wc", "-c", "big-input"], { inputs: ["big-input"] }), sinks()).finally(() => both.close());
      assert.equal(report.status, "succeeded", JSON.stringify(report));
      assert.equal(report.attempts.length, 2);
      assert.match(report.attempts[0]!.error!, /is full \(upload\)/);
      assert.equal(report.machine, `127.0.0.1:${farm.servers[1]!.port}`);
    } finally {
      unmount();
      await farm.stop();
    }
  });

  it("remote disk filled by the job: the download says the disk is full, not that the stream ended", { timeout: 120_000 }, async () => {
    const farm = await faultFarm();
    const unmount = fillableRemote(farm, 0, 8 << 20);
    try {
      // The job itself succeeds (it ignores its short write); listing its outputs then finds no room.
      const fill = ["sh", "-c", "head -c 16777216 /dev/zero > out.bin 2>/dev/null; exit 0"];
      const alone = engineWithRoom(farm, [farm.machines[0]!], 0);
      const failed = await alone.run(jobSpec(farm, fill, { outputs: ["out.bin"] }), sinks()).finally(() => alone.close());
      assert.equal(failed.status, "error", JSON.stringify(failed));
      assert.equal(exitStatusOf(failed), 255);
      assert.match(failed.error!.message, /the disk of 127\.0\.0\.1 is full \(download\)/);
      assert.doesNotMatch(failed.error!.message, /ended early/);
      assert.equal(existsSync(join(farm.workDir, "out.bin")), false);
      assert.deepEqual(stagingDirs(farm.workDir), []);
      assert.deepEqual(leftoverJobs(farm.servers[0]!), [], "the full disk's scratch directory is removed");

      const both = engineWithRoom(farm, farm.machines, 2);
      const report = await both.run(jobSpec(farm, fill, { outputs: ["out.bin"] }), sinks()).finally(() => both.close());
      assert.equal(report.status, "succeeded", JSON.stringify(report));
      assert.equal(statSync(join(farm.workDir, "out.bin")).size, 16 << 20);
    } finally {
      unmount();
      await farm.stop();
    }
  });

  it("local disk full while receiving outputs: a local error, not retried, nothing partial, remote cleaned", { timeout: 120_000 }, async () => {
    const farm = await faultFarm();
    const outDir = join(farm.workDir, "small-disk");
    const unmount = mountTmpfs(outDir, 4 << 20);
    try {
      const offloader = engineWithRoom(farm, farm.machines, 2);
      const report = await offloader
        .run({ ...jobSpec(farm, ["sh", "-c", "head -c 8388608 /dev/zero > out.bin"], { outputs: ["out.bin"] }), dir: outDir }, sinks())
        .finally(() => offloader.close());
      assert.equal(report.status, "error", JSON.stringify(report));
      assert.equal(report.error!.code, "local-write-failed", report.error!.message);
      assert.equal(report.error!.message, 'cannot write output "out.bin" here: no space left on the local disk (ENOSPC)');
      assert.equal(report.attempts.length, 1, "not retried on another machine");
      assert.equal(exitStatusOf(report), 255);
      assert.deepEqual(readdirSync(outDir), [], "no partial output, no staging directory");
      for (const server of farm.servers) assert.deepEqual(leftoverJobs(server), []);
      assert.equal(readFileSync("/proc/mounts", "utf8").includes(outDir), true);
    } finally {
      unmount();
      await farm.stop();
    }
  });
});
