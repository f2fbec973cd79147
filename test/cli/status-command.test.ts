import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.ts";
import { tryAcquireSlot } from "../../src/offload/slots.ts";
import { freePort, startFarm, startSilentServer, writeMachinesFile, type Farm } from "../helpers/sshd.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const FIELDS = [
  "name",
  "port",
  "reachable",
  "error",
  "kernel",
  "architecture",
  "hostname",
  "uptime-seconds",
  "load",
  "cores",
  "normalized-load",
  "overloaded",
  "memory-available-bytes",
  "disk-free-bytes",
  "clock-offset-seconds",
  "speed",
  "parallel-builds",
  "slots-in-use",
];

type Entry = Record<string, unknown>;

let farm: Farm;
const dir = tempDir();
const stateDir = tempDir("offload-state-");
const env = { OFFLOAD_STATE_DIR: stateDir };

before(async () => {
  farm = await startFarm(2);
});
after(() => farm.stop());

describe("offload status", () => {
  it("reports reachable and unreachable machines with exactly the documented JSON fields", async () => {
    const [first, second] = farm.machines();
    const down = { ...first!, port: await freePort() };
    const file = join(dir, "mixed.scm");
    writeMachinesFile(file, [{ ...first!, overloadThreshold: 0, parallelBuilds: 3, speed: 2.5 }, { ...second!, overloadThreshold: null }, down]);
    const slot = await tryAcquireSlot({ ...first!, parallelBuilds: 3 }, stateDir);
    assert.ok(slot, "could not take a slot for the test");
    try {
      const result = await runCli(["status", file, "--json"], { env });
      assert.equal(result.code, 1, "an unreachable machine makes the exit status 1");
      const { machines } = JSON.parse(result.stdout) as { machines: Entry[] };
      for (const entry of machines) assert.deepEqual(Object.keys(entry), FIELDS);
      const [busy, idle, gone] = machines as [Entry, Entry, Entry];
      assert.equal(busy.reachable, true);
      assert.equal(busy.error, null);
      assert.match(String(busy.kernel), /^Linux /);
      assert.equal(typeof busy.hostname, "string");
      assert.equal((busy.load as number[]).length, 3);
      assert.ok((busy.cores as number) >= 1);
      assert.ok((busy["normalized-load"] as number) >= 0 && (busy["normalized-load"] as number) <= 1);
      assert.equal(busy.overloaded, true, "threshold 0: any load is too much");
      assert.equal(idle.overloaded, false, "threshold #f: never overloaded");
      assert.ok((busy["disk-free-bytes"] as number) > 0);
      assert.ok(Math.abs(busy["clock-offset-seconds"] as number) < 1);
      assert.deepEqual([busy.speed, busy["parallel-builds"], busy["slots-in-use"]], [2.5, 3, 1]);
      assert.equal(idle["slots-in-use"], 0);
      assert.equal(gone.reachable, false);
      assert.match(String(gone.error), /refused/);
      assert.deepEqual(
        FIELDS.filter((field) => gone[field] === null),
        [
          "kernel",
          "architecture",
          "hostname",
          "uptime-seconds",
          "load",
          "cores",
          "normalized-load",
          "overloaded",
          "memory-available-bytes",
          "disk-free-bytes",
          "clock-offset-seconds",
        ],
      );
    } finally {
      slot.release();
    }
  });

  it("prints a table with the reasons for machines that are down", async () => {
    const silent = await startSilentServer();
    try {
      const [first] = farm.machines();
      const file = join(dir, "table.scm");
      writeMachinesFile(file, [first!, { ...first!, port: silent.port }]);
      const started = performance.now();
      const result = await runCli(["status", file, "--timeout", "0.5"], { env });
      assert.ok(performance.now() - started < 20_000);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /getting status of 2 build machines/);
      const [header, up, down] = result.stdout.split("\n");
      assert.match(header!, /^MACHINE\s+STATE\s+HOST\s+KERNEL\s+ARCH\s+UPTIME\s+LOAD 1\/5\/15\s+CORES\s+NORM\s+MEM AVAIL\s+DISK FREE\s+CLOCK\s+SPEED\s+SLOTS$/);
      assert.match(up!, new RegExp(`^127\\.0\\.0\\.1:${first!.port}\\s+(up|overloaded)\\s`));
      assert.match(down!, new RegExp(`^127\\.0\\.0\\.1:${silent.port}\\s+down\\s`));
      assert.match(result.stdout, new RegExp(`127\\.0\\.0\\.1:${silent.port}: no SSH handshake .* within the 500 ms connect timeout`));
    } finally {
      await silent.stop();
    }
  });

  it("refreshes with --watch until interrupted", async () => {
    const file = join(dir, "watch.scm");
    writeMachinesFile(file, farm.machines());
    const before = farm.servers.map((server) => server.log().match(/Accepted publickey/g)?.length ?? 0);
    const result = await runCli(["status", file, "--json", "--watch", "0.2"], {
      env,
      onStdout: (stdout, child) => {
        if (stdout.split("\n").length > 3) child.kill("SIGINT");
      },
    });
    assert.equal(result.code, 0);
    const documents = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { machines: Entry[] });
    assert.ok(documents.length >= 3);
    for (const document of documents)
      assert.deepEqual(
        document.machines.map((entry) => entry.reachable),
        [true, true],
      );
    const after = farm.servers.map((server) => server.log().match(/Accepted publickey/g)?.length ?? 0);
    assert.deepEqual(
      after.map((count, i) => count - before[i]!),
      [1, 1],
      "one connection per machine for every refresh",
    );
  });
});
