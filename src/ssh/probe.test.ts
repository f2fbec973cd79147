import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { hostname, machine as cpu } from "node:os";
import { after, before, describe, it } from "node:test";
import { startSshd, type TestSshd } from "../../test/helpers/sshd.ts";
import { SshError } from "./errors.ts";
import { isOverloaded, normalizedLoad, probeStatus } from "./probe.ts";
import { SshSession } from "./session.ts";

let server: TestSshd;
let session: SshSession;

before(async () => {
  server = await startSshd();
  session = await SshSession.connect(server.machine(), { agentSocket: "" });
});
after(async () => {
  session.close();
  await server.stop();
});

describe("probeStatus", () => {
  it("reads the machine's state in one round trip", async () => {
    const status = await probeStatus(session);
    assert.equal(status.architecture, cpu());
    assert.equal(status.hostname, hostname());
    assert.match(status.kernel, /^Linux \S+$/);
    assert.equal(status.cores, Number(execFileSync("nproc", { encoding: "utf8" }).trim()));
    assert.equal(status.load.length, 3);
    assert.ok(status.load.every((value) => Number.isFinite(value) && value >= 0));
    const localUptime = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    assert.ok(status.uptimeSeconds !== null && Math.abs(status.uptimeSeconds - localUptime) < 60);
    assert.ok(status.memoryAvailableBytes !== null && status.memoryAvailableBytes > 0);
    assert.ok(status.diskFreeBytes > 0);
    assert.equal(status.workDir, server.home);
    assert.ok(status.clockOffsetSeconds !== null && Math.abs(status.clockOffsetSeconds) < 1, `offset ${status.clockOffsetSeconds}`);
  });

  it("measures free space at the nearest existing parent of the work directory", async () => {
    assert.equal((await probeStatus(session, { workDir: "not/there/yet" })).workDir, server.home);
    assert.equal((await probeStatus(session, { workDir: "/nonexistent/offload" })).workDir, "/");
    assert.equal((await probeStatus(session, { workDir: "/tmp" })).workDir, "/tmp");
  });

  it("fails with connection-lost when the server dies mid-probe", async () => {
    const slow = await startSshd({ rc: 'if [ -f "$HOME/slow" ]; then sleep 30; fi' });
    try {
      const own = await SshSession.connect(slow.machine(), { agentSocket: "" });
      await own.output(["touch", "slow"]);
      const probing = probeStatus(own);
      for (let i = 0; i < 250 && !slow.sessionPids().some((pid) => comm(pid) === "sleep"); i++) await new Promise((r) => setTimeout(r, 20));
      slow.killSessions("SIGKILL");
      await assert.rejects(probing, (error: unknown) => error instanceof SshError && error.code === "connection-lost");
    } finally {
      await slow.stop();
    }
  });
});

describe("normalizedLoad and isOverloaded", () => {
  it("follow Guix: load / cores capped at 1, skipped at or above the threshold", () => {
    assert.equal(normalizedLoad({ load: [3, 2, 1], cores: 4 }), 0.75);
    assert.equal(normalizedLoad({ load: [9, 2, 1], cores: 4 }), 1);
    assert.equal(normalizedLoad({ load: [1, 1, 1], cores: 0 }), 1);
    // Moved from offload/ranking.ts, which had a copy of its own.
    assert.equal(normalizedLoad({ load: [2, 9, 9], cores: 4 }), 0.5);
    assert.equal(normalizedLoad({ load: [40, 0, 0], cores: 4 }), 1);
    assert.equal(isOverloaded(0.8, 0.8), true);
    assert.equal(isOverloaded(0.79, 0.8), false);
    assert.equal(isOverloaded(1, null), false);
  });

  it("counts an unknown or senseless load as 1.0, as Guix does (status and select used to disagree)", () => {
    // probe.ts gave NaN and negative values back, ranking.ts 1 and 0.
    assert.equal(normalizedLoad({ load: [Number.NaN, 0, 0], cores: 4 }), 1);
    assert.equal(normalizedLoad({ load: [-1, 0, 0], cores: 4 }), 1);
    assert.equal(normalizedLoad({ load: [1, 0, 0], cores: Number.NaN }), 1);
    assert.equal(normalizedLoad({ load: [], cores: 4 }), 1);
  });
});

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}
