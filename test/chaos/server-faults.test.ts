/**
 * Chaos: the build machine's sshd is killed (SIGKILL) or stalls (SIGSTOP of
 * its connection processes, the commands they started running on) while a
 * job connects, uploads, runs or downloads. Every time: the job finishes on
 * the other machine with its exact output, nothing partial is installed, no
 * slot stays held, the stalled peer is given up within the keep-alive
 * budget, and after the next run on the faulty machine nothing of the job is
 * left there (its scratch directory, an upload temporary) or here (a staging
 * directory). The servers are real OpenSSH ones (faultFarm: offloadFarm
 * from test/helpers/farm.ts).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exitStatusOf } from "../../src/cli/exit-status.ts";
import type { Phase } from "../../src/offload/attempt.ts";
import { waitFor, writeFile } from "../helpers/farm.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import {
  connecting,
  downloading,
  engine,
  faultFarm,
  holdSlots,
  jobSpec,
  nextRunLeavesNothing,
  sinks,
  stagingDirs,
  uploading,
  type OffloadFarm,
} from "./chaos.ts";

type Fault = "SIGKILL" | "SIGSTOP";
type Point = "connect" | Exclude<Phase, "queued">;

const OUTPUT_BYTES = 24 << 20;
const INPUT_BYTES = 24 << 20;

describe("chaos: sshd killed or stalled in each phase", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await faultFarm();
    writeFile(farm.workDir, "input.bin", Buffer.alloc(INPUT_BYTES, 5));
  });
  after(async () => {
    for (const server of farm.servers) server.signalConnections("SIGCONT");
    await farm.stop();
  });

  const cases: Array<[Point, Fault]> = [];
  for (const point of ["connect", "upload", "run", "download"] as const) for (const fault of ["SIGKILL", "SIGSTOP"] as const) cases.push([point, fault]);

  for (const [point, fault] of cases) {
    it(`${fault} during ${point}: finished elsewhere, nothing partial, nothing left after the next run`, { timeout: 120_000 }, async () => {
      const [faulty, healthy] = farm.servers as [(typeof farm.servers)[0], (typeof farm.servers)[0]];
      const runningMarker = join(faulty.home, `running-${point}-${fault}`);
      // Each case has its own state: the faulty machine's back-off must not outlive it.
      const stateDir = tempDir("offload-chaos-state-");
      // The healthy machine is busy until the fault: the job starts on the faulty one.
      const releaseHealthy = await holdSlots(farm.machines[1]!, stateDir);
      const offloader = engine(farm, { stateDir });
      const big = point === "download" ? OUTPUT_BYTES : 4096;
      const command = `touch ${runningMarker} 2>/dev/null; sleep 1; head -c ${big} /dev/zero | tr '\\0' 'x' > out.bin; wc -c < input.bin > size.txt`;
      const started = Date.now();
      let faulted = false;
      const inject = (): void => {
        if (faulted) return;
        faulted = true;
        if (fault === "SIGKILL") faulty.killSessions();
        else faulty.signalConnections("SIGSTOP");
        releaseHealthy();
      };
      const when: Record<Point, () => Promise<void>> = {
        connect: () => connecting(faulty),
        upload: () => uploading(faulty),
        run: () => waitFor(() => existsSync(runningMarker), 30_000, "the job to start"),
        download: () => downloading(farm.workDir),
      };
      const trigger = when[point]().then(inject);
      trigger.catch(() => undefined);
      try {
        const report = await offloader.run(jobSpec(farm, ["sh", "-c", command], { inputs: ["input.bin"], outputs: ["out.bin", "size.txt"] }), sinks());
        assert.equal(faulted, true, `the fault was injected (${JSON.stringify(report.attempts)})`);
        assert.equal(report.status, "succeeded", JSON.stringify(report));
        assert.equal(exitStatusOf(report), 0);
        assert.equal(report.machine, `127.0.0.1:${healthy.port}`);
        if (point !== "connect") {
          assert.equal(report.attempts.length, 2, JSON.stringify(report.attempts));
          assert.match(report.attempts[0]!.error ?? "", /lost|closed|keep-alive/, "the first attempt says the connection went");
        }
        assert.equal(readFileSync(join(farm.workDir, "size.txt"), "utf8").trim(), String(INPUT_BYTES));
        const out = readFileSync(join(farm.workDir, "out.bin"));
        assert.equal(out.length, big);
        assert.equal(createHash("sha256").update(out).digest("hex"), createHash("sha256").update(Buffer.alloc(big, "x")).digest("hex"));
        assert.deepEqual(stagingDirs(farm.workDir), [], "no staging directory once the job is done");
        assert.ok(Date.now() - started < 60_000, "a stalled machine is given up in bounded time");
      } finally {
        releaseHealthy();
        offloader.close();
        // A stall ends with the peer's death or its return; both must leave nothing behind.
        if (fault === "SIGSTOP") faulty.signalConnections(point === "run" || point === "connect" ? "SIGKILL" : "SIGCONT");
      }
      await nextRunLeavesNothing(farm, 0);
      await nextRunLeavesNothing(farm, 1);
      for (const name of ["out.bin", "size.txt", "next-run.txt"]) rmSync(join(farm.workDir, name), { force: true });
      assert.deepEqual(readdirSync(farm.workDir).sort(), ["input.bin"], "nothing stray in the work directory");
    });
  }
});
