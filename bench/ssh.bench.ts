/**
 * Benchmark: the SSH layer next to the OpenSSH client, in one run, against
 * the same loopback OpenSSH servers (test/helpers/sshd.ts).
 *
 *   1. status of 10 machines (fresh connections, probed in parallel) versus
 *      one machine, versus 10 sequential `ssh -o BatchMode=yes HOST cat /proc/loadavg`;
 *   2. a fresh connect + authenticate + `true` versus `ssh HOST true`;
 *   3. a command on a reused connection.
 *
 * Targets (issue 4): 10 machines ≤ 1.5× one probe; fresh connect+auth+command
 * faster than OpenSSH's client; a command on a reused connection < 10 ms.
 * Times are medians of several runs on this machine (2 cores shared by
 * client, servers and everything else), so read ratios, not single digits.
 *
 * @example
 * // node --import tsx bench/ssh.bench.ts
 */
import { execFileSync, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { probeAll } from "../src/cli/status-command.ts";
import type { BuildMachine } from "../src/machines/types.ts";
import { SessionPool } from "../src/ssh/pool.ts";
import { SshSession } from "../src/ssh/session.ts";
import { startFarm, writeMachinesFile } from "../test/helpers/sshd.ts";
import { tempDir } from "../test/helpers/temp-dir.ts";
import { cpuOf } from "./cpu.ts";
import { median } from "./median.ts";
import { knownHostsFor, opensshArgs } from "./openssh.ts";

const RUNS = 9;
const MACHINES = 10;
const root = join(import.meta.dirname, "..");

/** Time `runs` calls of `fn`, pausing between them (uncounted) so the servers finish tearing down the last sessions. */
async function timeRuns(runs: number, fn: () => Promise<unknown> | unknown, pauseMs = 150): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times;
}

function runSsh(args: string[]): void {
  const result = spawnSync("ssh", args, { stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) throw new Error(`ssh failed (${result.status}): ${result.stderr.toString()}`);
}

const farm = await startFarm(MACHINES);
try {
  const machines: BuildMachine[] = farm.machines();
  const one = farm.servers[0]!;
  const knownHosts = knownHostsFor(farm.servers, tempDir("offload-bench-"));
  const connect = { agentSocket: "", timeoutMs: 10_000 };

  // Warm up both clients (disk cache, JIT, first-connection costs).
  for (let i = 0; i < 2; i++) {
    const pool = new SessionPool(connect);
    await probeAll(machines, pool, 10_000, undefined);
    pool.closeAll();
    runSsh([...opensshArgs(one, knownHosts), "true"]);
  }

  const statusTen = await timeRuns(RUNS, async () => {
    const pool = new SessionPool(connect);
    const entries = await probeAll(machines, pool, 10_000, undefined);
    pool.closeAll();
    if (!entries.every((entry) => entry.reachable)) throw new Error("a machine was unreachable");
  });
  const statusOne = await timeRuns(RUNS, async () => {
    const pool = new SessionPool(connect);
    await probeAll([machines[0]!], pool, 10_000, undefined);
    pool.closeAll();
  });
  const statusTenCpu = await cpuOf(farm.servers, async () => {
    const pool = new SessionPool(connect);
    await probeAll(machines, pool, 10_000, undefined);
    pool.closeAll();
  });
  // The same connections without the probe: what sshd itself costs per connection.
  const connectTenCpu = await cpuOf(farm.servers, async () => {
    const sessions = await Promise.all(machines.map((machine) => SshSession.connect(machine, connect)));
    for (const session of sessions) session.close();
  });
  const sshTen = await timeRuns(3, () => {
    for (const server of farm.servers) runSsh([...opensshArgs(server, knownHosts), "cat", "/proc/loadavg"]);
  });
  const sshOneLoad = await timeRuns(RUNS, () => runSsh([...opensshArgs(one, knownHosts), "cat", "/proc/loadavg"]));

  const freshTrue = await timeRuns(RUNS, async () => {
    const session = await SshSession.connect(one.machine({ compression: "none" }), connect);
    await session.output(["true"]);
    session.close();
  });
  const freshTrueCompressed = await timeRuns(RUNS, async () => {
    const session = await SshSession.connect(one.machine(), connect);
    await session.output(["true"]);
    session.close();
  });
  const sshTrue = await timeRuns(RUNS, () => runSsh([...opensshArgs(one, knownHosts), "true"]));
  const sshTrueCurve = await timeRuns(RUNS, () => runSsh([...opensshArgs(one, knownHosts, ["-o", "KexAlgorithms=curve25519-sha256"]), "true"]));

  const session = await SshSession.connect(one.machine(), connect);
  await timeRuns(20, () => session.run(["true"]), 0);
  const reused = await timeRuns(50, () => session.run(["true"]), 0);
  const reusedParallel = await timeRuns(5, () => Promise.all(Array.from({ length: 10 }, () => session.run(["true"]))), 0);
  session.close();

  // The whole CLI process, when the bundle knows `status`.
  let cliTen: number[] | null = null;
  const bundle = join(root, "dist", "offload.mjs");
  if (existsSync(bundle) && spawnSync(process.execPath, [bundle, "status", "--help"], { stdio: "ignore" }).status === 0) {
    const file = join(tempDir("offload-bench-"), "machines.scm");
    writeMachinesFile(file, machines);
    cliTen = await timeRuns(5, () =>
      execFileSync(process.execPath, [bundle, "status", "--json", file], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SSH_AUTH_SOCK: "" } }),
    );
  }

  const ms = (values: number[]): string => `${median(values).toFixed(1)} ms`;
  const rows: Array<[string, string, string, string, string]> = [
    [
      "status, 10 machines (connect+auth+probe, parallel)",
      ms(statusTen),
      `${ms(sshTen)} (10 × ssh cat /proc/loadavg)`,
      (median(statusTen) / median(sshTen)).toFixed(2),
      "",
    ],
    ["status, 1 machine", ms(statusOne), `${ms(sshOneLoad)} (1 × ssh cat /proc/loadavg)`, (median(statusOne) / median(sshOneLoad)).toFixed(2), ""],
    ["  10 machines / 1 machine", "", "", (median(statusTen) / median(statusOne)).toFixed(2), "≤ 1.5"],
    ["fresh connect+auth+`true` (no compression)", ms(freshTrue), `${ms(sshTrue)} (ssh true)`, (median(freshTrue) / median(sshTrue)).toFixed(2), "< 1"],
    [
      "fresh connect+auth+`true` (zlib@openssh.com)",
      ms(freshTrueCompressed),
      `${ms(sshTrueCurve)} (ssh -o KexAlgorithms=curve25519-sha256 true)`,
      (median(freshTrueCompressed) / median(sshTrueCurve)).toFixed(2),
      "< 1",
    ],
    ["`true` on a reused connection", ms(reused), "", "", "< 10 ms"],
    ["10 × `true` at once on a reused connection", ms(reusedParallel), "", "", ""],
  ];
  if (cliTen !== null) {
    rows.push([
      "whole `offload status --json` process, 10 machines",
      ms(cliTen),
      `${ms(sshTen)} (10 × ssh cat /proc/loadavg)`,
      (median(cliTen) / median(sshTen)).toFixed(2),
      "",
    ]);
  }
  const headers: [string, string, string, string, string] = ["scenario", "offload", "OpenSSH client", "ratio", "target"];
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const version = spawnSync("ssh", ["-V"], { encoding: "utf8" }).stderr.trim();
  console.log(`SSH layer vs ${version}; medians of ${RUNS} runs; ${MACHINES} loopback sshd on this host (${availableParallelism()} cores)`);
  console.log(line(headers));
  console.log(line(widths.map((width) => "-".repeat(width))));
  for (const row of rows) console.log(line(row));

  const failures: string[] = [];
  if (median(statusTen) / median(statusOne) > 1.5) failures.push("10-machine status is more than 1.5× one probe");
  if (median(freshTrue) >= median(sshTrue)) failures.push("fresh connect+auth+command is not faster than OpenSSH");
  if (median(reused) >= 10) failures.push("a command on a reused connection takes 10 ms or more");
  const floor = (statusTenCpu.clientMs + statusTenCpu.serverMs) / availableParallelism();
  console.log(
    `status of ${MACHINES} machines used ${statusTenCpu.clientMs.toFixed(0)} ms CPU here and ${statusTenCpu.serverMs.toFixed(0)} ms in the sshd sessions: ` +
      `with servers and client sharing ${availableParallelism()} cores, no client can finish in less than ~${floor.toFixed(0)} ms ` +
      `(${(floor / median(statusOne)).toFixed(1)}× one probe); with the servers on their own machines the client's share is ` +
      `${(statusTenCpu.clientMs / median(statusOne)).toFixed(2)}× one probe.`,
  );
  console.log(
    `connecting and authenticating alone (no command) cost the sshd sessions ${connectTenCpu.serverMs.toFixed(0)} ms of those ` +
      `${statusTenCpu.serverMs.toFixed(0)} ms: the probe's remote script is not where the time goes.`,
  );
  console.log(failures.length === 0 ? "all targets met" : `targets missed: ${failures.join("; ")}`);
} finally {
  await farm.stop();
}
