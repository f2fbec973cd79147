/**
 * Chaos through the command line: the offload process itself is killed
 * (kill -9) while it connects, uploads, runs or downloads, and sshd is
 * killed under `run` and `build` during an upload. A killed client leaves
 * its slot free (the kernel frees it), its remote command stopped, and —
 * once the next run has been there — no remote scratch directory, upload
 * temporary or local staging directory, and no partial output. A killed
 * sshd never crashes the tool: `run` exits 255 with the connection-lost
 * message, `build` retries the job elsewhere and leaves other jobs alone.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { slotsInUse } from "../../src/offload/slots.ts";
import { leftoverJobs, offloadFarm, sleep, waitFor, writeFile, type OffloadFarm } from "../helpers/farm.ts";
import { collect, runCli, startCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { downloading, stagingDirs, uploadTemporaries, uploading } from "./chaos.ts";

const NO_STACK = /\n\s+at /;

/** True when a TCP connection to `port` on 127.0.0.1 is established (from /proc/net/tcp). */
function connectedTo(port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const table = readFileSync("/proc/net/tcp", "utf8");
  return table.split("\n").some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[2] === `0100007F:${hexPort}` && fields[3] === "01";
  });
}

describe("chaos: the client killed in each phase", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await offloadFarm(1, { compression: "none", parallelBuilds: 2 });
    writeFile(farm.workDir, "input.bin", Buffer.alloc(48 << 20, 9));
  });
  after(() => farm.stop());

  const engine = (): string[] => ["--machines", farm.machinesFile, "--state-dir", farm.stateDir];

  /** The next run in the same directory on the same machine: succeeds, and everything earlier is gone. */
  async function nextRunCleansUp(): Promise<void> {
    const next = await runCli(["run", ...engine(), "--output", "next.txt", "--", "sh", "-c", "echo next > next.txt"], { cwd: farm.workDir });
    assert.equal(next.code, 0, next.stderr);
    assert.equal(readFileSync(join(farm.workDir, "next.txt"), "utf8"), "next\n");
    rmSync(join(farm.workDir, "next.txt"));
    const server = farm.servers[0]!;
    assert.deepEqual(leftoverJobs(server), [], "no remote scratch directory");
    assert.deepEqual(uploadTemporaries(server), [], "no upload temporary");
    assert.deepEqual(stagingDirs(farm.workDir), [], "no staging directory");
    assert.deepEqual(readdirSync(farm.workDir).sort(), ["input.bin"], "no partial or stray file");
    assert.equal(slotsInUse(farm.machines[0]!, farm.stateDir), 0, "no slot held");
  }

  const phases: Array<[string, string[], (marker: string) => Promise<void>]> = [
    [
      "connect",
      ["--", "true"],
      async () => {
        // A stopped listener: the kernel accepts the TCP connection, nobody answers it.
        process.kill(farm.servers[0]!.pid, "SIGSTOP");
        await waitFor(() => connectedTo(farm.servers[0]!.port), 30_000, "a TCP connection");
      },
    ],
    ["upload", ["--input", "input.bin", "--", "true"], () => uploading(farm.servers[0]!)],
    [
      "run",
      ["--output", "never.txt", "--", "sh", "-c", 'touch "$MARK"; sleep 4; touch "$MARK.survived"; echo > never.txt'],
      (marker) => waitFor(() => existsSync(marker), 30_000, "the command to start"),
    ],
    ["download", ["--output", "out.bin", "--", "sh", "-c", "head -c 67108864 /dev/zero > out.bin"], () => downloading(farm.workDir)],
  ];

  for (const [phase, args, reached] of phases) {
    it(`kill -9 during ${phase}: slot free, command stopped, nothing left after the next run`, { timeout: 120_000 }, async () => {
      const marker = join(farm.servers[0]!.home, `mark-${phase}`);
      const child = startCli(["run", ...engine(), "--env", `MARK=${marker}`, ...args], { cwd: farm.workDir });
      const ended = collect(child, 90_000);
      try {
        await reached(marker);
      } finally {
        child.kill("SIGKILL");
        if (phase === "connect") process.kill(farm.servers[0]!.pid, "SIGCONT");
      }
      const result = await ended;
      assert.equal(result.signal, "SIGKILL");
      assert.equal(slotsInUse(farm.machines[0]!, farm.stateDir), 0, "the kernel freed the slot");
      if (phase === "run") {
        await sleep(4500);
        assert.equal(existsSync(`${marker}.survived`), false, "the remote command was stopped");
      }
      await nextRunCleansUp();
    });
  }
});

describe("chaos: sshd killed during an upload, through the command line", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await offloadFarm(2, { compression: "none" });
    writeFile(farm.workDir, "big.bin", Buffer.alloc(64 << 20, 4));
  });
  after(() => farm.stop());

  // Each test its own state: a machine backed off by one must not be missing from the next.
  const engine = (machinesFile = farm.machinesFile): string[] => ["--machines", machinesFile, "--state-dir", tempDir("offload-chaos-state-"), "--wait", "60"];

  /** Kill the sessions of whichever server first receives upload bytes. */
  function killTheUploadTarget(): { killed: Promise<number> } {
    let done = false;
    const killed = Promise.race(
      farm.servers.map(async (server) => {
        await uploading(server);
        // Only the first: the retry's upload to the other machine must go through.
        if (done) return new Promise<number>(() => undefined);
        done = true;
        // Stopped at once, so the upload cannot finish before the kill lands.
        server.signalConnections("SIGSTOP");
        server.killSessions();
        return server.port;
      }),
    );
    killed.catch(() => undefined);
    return { killed };
  }

  it("run, with nowhere else to go: exit 255 and the connection-lost message, no stack trace", { timeout: 120_000 }, async () => {
    const one = join(farm.workDir, "..", "one-machine.scm");
    const text = readFileSync(farm.machinesFile, "utf8");
    // The first machine only: cut the list after its record.
    writeFileSync(one, `${text.slice(0, text.indexOf(" (build-machine", text.indexOf("(build-machine") + 1))})\n`);
    const target = killTheUploadTarget();
    const result = await runCli(["run", ...engine(one), "--input", "big.bin", "--", "true"], { cwd: farm.workDir, timeoutMs: 90_000 });
    await target.killed;
    assert.equal(result.code, 255, result.stderr);
    assert.match(result.stderr, /^offload: error: connection to 127\.0\.0\.1:\d+ (lost|closed)[^\n]*; no other machine to retry on/m);
    assert.doesNotMatch(result.stderr, NO_STACK);
    assert.doesNotMatch(result.stderr, /unhandled|SshError/i);
  });

  it("build: the job is retried elsewhere, the job on the healthy machine is untouched, the report is printed", { timeout: 120_000 }, async () => {
    writeFileSync(
      join(farm.workDir, "jobs.json"),
      JSON.stringify([
        { name: "steady", command: ["sh", "-c", "sleep 2; echo steady-done"] },
        { name: "big", command: ["wc", "-c", "big.bin"], inputs: ["big.bin"] },
      ]),
    );
    const target = killTheUploadTarget();
    const result = await runCli(["build", ...engine(), "--json", "--log-dir", "logs", "jobs.json"], { cwd: farm.workDir, timeoutMs: 90_000 });
    await target.killed;
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, NO_STACK);
    const report = JSON.parse(result.stdout) as { jobs: Array<{ name: string; status: string; attempts: Array<{ error: string | null }> }> };
    const byName = Object.fromEntries(report.jobs.map((job) => [job.name, job]));
    assert.equal(byName["steady"]!.status, "succeeded");
    assert.equal(byName["steady"]!.attempts.length, 1, "the healthy job ran once, untouched");
    assert.equal(byName["big"]!.status, "succeeded");
    assert.equal(byName["big"]!.attempts.length, 2, `${JSON.stringify(byName["big"])} killed ${await target.killed}\n${result.stderr}`);
    assert.match(byName["big"]!.attempts[0]!.error ?? "", /lost|closed/);
    assert.match(result.stderr, /2 of 2|succeeded/);
  });
});
