/**
 * Benchmark: whole `offload` processes next to OpenSSH and GNU parallel, in
 * one run, against the same loopback OpenSSH servers (test/helpers/sshd.ts),
 * with issue 13's targets side by side:
 *
 *   1. 256 MiB of fresh data up (`offload run --input F -- true`) and a
 *      256 MiB output down (the job hard-links an existing file into place),
 *      versus `ssh HOST 'cat > f' < F` and `ssh HOST cat f > F`: offload's
 *      whole process (start, loading, connect or holder, hashing both ends
 *      while streaming, cache check, transfer, verification, atomic
 *      install). Target: ≥ 1.0× OpenSSH's throughput both ways.
 *   2. A warm `offload run -- true` (holder running, machines file cached)
 *      versus `ssh HOST true`. Target: ≤ 0.5× OpenSSH's time.
 *   3. 500 jobs of 0.1 s on 8 machines × parallel-builds 2 through
 *      `offload build`, versus GNU parallel --sshlogin on the same servers.
 *      Targets: makespan ≤ 1.15× ideal; ≥ 10× faster than GNU parallel.
 *   4. `offload status` of 10 machines versus 10 `ssh HOST cat
 *      /proc/loadavg` in parallel (xargs -P 10), without holders and with
 *      them running. Targets: ≤ 0.5× and ≤ 0.2× OpenSSH's time.
 *
 * Each part says where offload's time went (phases from `run -v`, process
 * start-up, CPU), so a missed target can be read. Machines use compression
 * "none", like OpenSSH's default. Times are medians; this machine has 2
 * cores shared by client, servers and everything else, so read ratios.
 *
 * @example
 * // npm run bench -- offload                          (all parts, bundle built first)
 * // node --import tsx bench/offload.bench.ts jobs     (one part: transfers, warm, jobs, status)
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { startFarm, writeMachinesFile } from "../test/helpers/sshd.ts";
import { tempDir } from "../test/helpers/temp-dir.ts";
import { cpuOf } from "./cpu.ts";
import { median } from "./median.ts";
import { knownHostsFor, opensshArgs } from "./openssh.ts";

const SIZE = 256 * 1024 * 1024;
const TRANSFER_RUNS = 5;
const WARM_RUNS = 9;
const JOBS = 500;
const JOB_SECONDS = 0.1;
const MACHINES = 8;
const SLOTS = 2;
const STATUS_MACHINES = 10;
const STATUS_RUNS = 7;
const root = join(import.meta.dirname, "..");
const parts = process.argv.slice(2);
const wanted = (part: string): boolean => parts.length === 0 || parts.includes(part);

/** One row of the closing table. */
interface Result {
  what: string;
  offload: string;
  other: string;
  ratio: number;
  target: string;
  met: boolean;
  where?: string;
}
const results: Result[] = [];

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function mbps(bytes: number, ms: number): string {
  return `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Run a shell command line, timed. */
function timedShell(command: string, cwd?: string): number {
  const started = performance.now();
  const result = spawnSync("/bin/sh", ["-c", command], { cwd, stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  return ms;
}

/** The offload CLI: the bundle when built (npm run bench builds it), else the sources through tsx. */
function cli(): string[] {
  const bundle = join(root, "dist", "offload.mjs");
  if (existsSync(bundle)) return [process.execPath, bundle];
  return [process.execPath, "--import", "tsx", join(root, "src", "cli", "main.ts")];
}

/** Run the CLI, timed; with -v, the phases it reports. */
function timedOffload(args: string[], cwd: string): { ms: number; phases: Record<string, number> } {
  const [command, ...prefix] = cli();
  const started = performance.now();
  const result = spawnSync(command!, [...prefix, ...args], { cwd, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 << 20 });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`offload ${args.join(" ")} failed: ${result.stderr}`);
  const phases: Record<string, number> = {};
  const line = /phases: (.*)$/m.exec(result.stderr.toString())?.[1] ?? "";
  for (const match of line.matchAll(/(\w+) (\d+) ms/g)) phases[match[1]!] = Number(match[2]);
  return { ms, phases };
}

function writeRandom(file: string, bytes: number): void {
  const fd = openSync(file, "w");
  for (let written = 0; written < bytes; written += 1 << 22) writeSync(fd, randomBytes(1 << 22));
  closeSync(fd);
}

/** "where the time went": process start-up and loading (what the phases do not cover), then each phase. */
function whereTimeWent(totalMs: number, phases: Record<string, number>): string {
  const covered = Object.values(phases).reduce((sum, ms) => sum + ms, 0);
  return `start-up and loading ${fmt(Math.max(0, totalMs - covered))}, ${Object.entries(phases)
    .map(([phase, ms]) => `${phase} ${fmt(ms)}`)
    .join(", ")}`;
}

async function transfers(): Promise<void> {
  console.log(`\n## 1. ${SIZE / 1024 / 1024} MiB up and down, whole processes (${TRANSFER_RUNS} runs each, interleaved, medians)`);
  const farm = await startFarm(1, { compression: false });
  const server = farm.servers[0]!;
  const dir = tempDir("offload-bench-transfer-");
  const machinesFile = join(dir, "machines.scm");
  writeMachinesFile(machinesFile, [server.machine({ compression: "none", overloadThreshold: null })]);
  const knownHosts = knownHostsFor(farm.servers, dir);
  const ssh = ["ssh", ...opensshArgs(server, knownHosts)].map(quote).join(" ");
  const state = join(dir, "state");
  const engine = (persist: string): string[] => ["--machines", machinesFile, "--state-dir", state, "--persist", persist];
  // The output the download jobs link into place, and a warm holder, as in steady use.
  writeRandom(join(server.home, "down.bin"), SIZE);
  timedOffload(["run", ...engine("60"), "--", "true"], dir);
  const times = { sshUp: [] as number[], up: [] as number[], upCold: [] as number[], sshDown: [] as number[], down: [] as number[], downCold: [] as number[] };
  const phases = { up: [] as Array<Record<string, number>>, down: [] as Array<Record<string, number>> };
  for (let run = 0; run < TRANSFER_RUNS; run++) {
    const fresh = (name: string): string => {
      writeRandom(join(dir, name), SIZE);
      return name;
    };
    const sshInput = fresh(`ssh-${run}.bin`);
    times.sshUp.push(timedShell(`${ssh} 'cat > up.bin' < ${quote(join(dir, sshInput))}`));
    const upInput = fresh(`up-${run}.bin`);
    const up = timedOffload(["run", "-v", ...engine("60"), "--input", upInput, "--", "true"], dir);
    times.up.push(up.ms);
    phases.up.push(up.phases);
    times.sshDown.push(timedShell(`${ssh} 'cat down.bin' > ${quote(join(dir, "ssh-down.bin"))}`));
    const down = timedOffload(["run", "-v", ...engine("60"), "--output", `down-${run}.bin`, "--", "ln", join(server.home, "down.bin"), `down-${run}.bin`], dir);
    times.down.push(down.ms);
    phases.down.push(down.phases);
    if (statSync(join(dir, `down-${run}.bin`)).size !== SIZE) throw new Error("short download");
    if (run < 2) {
      // Without a holder: a fresh connection in the process, as without --persist.
      const coldInput = fresh(`cold-${run}.bin`);
      times.upCold.push(timedOffload(["run", ...engine("0"), "--input", coldInput, "--", "true"], dir).ms);
      times.downCold.push(
        timedOffload(["run", ...engine("0"), "--output", `cold-down-${run}.bin`, "--", "ln", join(server.home, "down.bin"), `cold-down-${run}.bin`], dir).ms,
      );
      rmSync(join(dir, `cold-down-${run}.bin`), { force: true });
    }
    for (const name of [sshInput, upInput, `cold-${run}.bin`, `down-${run}.bin`, "ssh-down.bin"]) rmSync(join(dir, name), { force: true });
    rmSync(join(server.home, ".cache", "offload", "cas"), { recursive: true, force: true });
  }
  const row = (label: string, ms: number[], base?: number[]): void => {
    const ratio = base === undefined ? "" : `  ${(median(base) / median(ms)).toFixed(2)}× OpenSSH`;
    console.log(`  ${label.padEnd(62)} ${fmt(median(ms)).padStart(9)}  ${mbps(SIZE, median(ms)).padStart(9)}${ratio}`);
  };
  row("OpenSSH  ssh HOST 'cat > f' < file", times.sshUp);
  row("offload  run --input F -- true (holder running)", times.up, times.sshUp);
  row("offload  run --persist 0 --input F -- true (own connection)", times.upCold, times.sshUp);
  row("OpenSSH  ssh HOST cat f > file", times.sshDown);
  row("offload  run --output F -- ln … (holder running)", times.down, times.sshDown);
  row("offload  run --persist 0 --output F -- ln … (own connection)", times.downCold, times.sshDown);
  const medianPhases = (list: Array<Record<string, number>>): Record<string, number> =>
    Object.fromEntries(Object.keys(list[0] ?? {}).map((phase) => [phase, median(list.map((p) => p[phase] ?? 0))]));
  for (const [direction, sshTimes, offloadTimes, phaseList] of [
    ["up", times.sshUp, times.up, phases.up],
    ["down", times.sshDown, times.down, phases.down],
  ] as const) {
    const ratio = median(sshTimes) / median(offloadTimes);
    results.push({
      what: `256 MiB ${direction}, whole process`,
      offload: fmt(median(offloadTimes)),
      other: `ssh cat ${fmt(median(sshTimes))}`,
      ratio,
      target: "≥ 1.0× OpenSSH's throughput",
      met: ratio >= 1.0,
      where: whereTimeWent(median(offloadTimes), medianPhases(phaseList)),
    });
  }
  console.log(
    `  (SHA-256 is computed while streaming on both ends; OpenSSH computes none. ${availableParallelism()} cores are shared by client, server and hashing.)`,
  );
  await farm.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function warm(): Promise<void> {
  console.log(`\n## 2. A warm \`offload run -- true\` next to \`ssh HOST true\` (${WARM_RUNS} runs each, interleaved, medians)`);
  const farm = await startFarm(1, { compression: false });
  const server = farm.servers[0]!;
  const dir = tempDir("offload-bench-warm-");
  const machinesFile = join(dir, "machines.scm");
  writeMachinesFile(machinesFile, [server.machine({ compression: "none", overloadThreshold: null })]);
  const knownHosts = knownHostsFor(farm.servers, dir);
  const ssh = ["ssh", ...opensshArgs(server, knownHosts)].map(quote).join(" ");
  const args = ["run", "-v", "--machines", machinesFile, "--state-dir", join(dir, "state"), "--", "true"];
  timedOffload(args, dir);
  timedOffload(args, dir);
  const sshTimes: number[] = [];
  const offloadTimes: number[] = [];
  const nodeTimes: number[] = [];
  const phaseList: Array<Record<string, number>> = [];
  for (let run = 0; run < WARM_RUNS; run++) {
    sshTimes.push(timedShell(`${ssh} true`));
    const result = timedOffload(args, dir);
    offloadTimes.push(result.ms);
    phaseList.push(result.phases);
    nodeTimes.push(timedShell(`${quote(process.execPath)} -e 0`));
  }
  const ratio = median(offloadTimes) / median(sshTimes);
  console.log(
    `  ssh HOST true ${fmt(median(sshTimes))}; offload run -- true ${fmt(median(offloadTimes))} (${ratio.toFixed(2)}×); node -e 0 alone ${fmt(median(nodeTimes))}`,
  );
  const phases = Object.fromEntries(Object.keys(phaseList[0] ?? {}).map((phase) => [phase, median(phaseList.map((p) => p[phase] ?? 0))]));
  results.push({
    what: "warm run -- true",
    offload: fmt(median(offloadTimes)),
    other: `ssh true ${fmt(median(sshTimes))}`,
    ratio,
    target: "≤ 0.5× OpenSSH's time",
    met: ratio <= 0.5,
    where: `node itself ${fmt(median(nodeTimes))}; ${whereTimeWent(median(offloadTimes), phases)}`,
  });
  await farm.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function manyJobs(): Promise<void> {
  console.log(`\n## 3. ${JOBS} jobs of ${JOB_SECONDS} s on ${MACHINES} machines × parallel-builds ${SLOTS}`);
  const farm = await startFarm(MACHINES);
  const dir = tempDir("offload-bench-jobs-");
  writeMachinesFile(join(dir, "machines.scm"), farm.machines({ parallelBuilds: SLOTS, compression: "none", overloadThreshold: null }));
  const knownHosts = knownHostsFor(farm.servers, dir);
  const slots = MACHINES * SLOTS;
  const ideal = (JOBS * JOB_SECONDS * 1000) / slots;
  const jobsFile = join(dir, "jobs.json");
  writeFileSync(jobsFile, JSON.stringify(Array.from({ length: JOBS }, (_, i) => ({ name: `j${i}`, command: ["sleep", String(JOB_SECONDS)] }))));
  const stateDir = join(dir, "state");
  console.log(`  ideal makespan (total work / total slots): ${fmt(ideal)}`);
  const [command, ...prefix] = cli();
  const buildArgs = ["build", "--machines", join(dir, "machines.scm"), "--state-dir", stateDir, "--log-dir", join(dir, "logs"), "--json", jobsFile];
  // A warm-up run first: holders, runners, probe cache and remote directories exist, as in steady use.
  spawnSync(command!, [...prefix, ...buildArgs.slice(0, -1), writeWarmup(dir)], { stdio: "ignore" });
  let build!: ReturnType<typeof spawnSync>;
  const cpu = await cpuOf(farm.servers, () => {
    build = spawnSync(command!, [...prefix, ...buildArgs], { maxBuffer: 256 * 1024 * 1024 });
  });
  if (build.status !== 0) throw new Error(`offload build failed: ${build.stderr.toString().slice(-2000)}`);
  const result = JSON.parse(build.stdout.toString()) as { "wall-ms": number; succeeded: number; jobs: Array<{ "phases-ms": Record<string, number> }> };
  if (result.succeeded !== JOBS) throw new Error(`only ${result.succeeded} jobs succeeded`);
  const makespan = result["wall-ms"];
  const phase = (name: string): string => fmt(median(result.jobs.map((job) => job["phases-ms"][name]!)));
  console.log(
    `  offload build: ${fmt(makespan)}, ${(makespan / ideal).toFixed(2)}× ideal; median per job: queued ${phase("queued")}, run ${phase("run")} (command ${JOB_SECONDS * 1000} ms)`,
  );
  const where = `median per job: queued ${phase("queued")}, run ${phase("run")} for a ${JOB_SECONDS * 1000} ms command; CPU ${(cpu.clientMs / JOBS).toFixed(1)} ms/job here, ${(cpu.serverMs / JOBS).toFixed(1)} ms/job in finished sshd sessions (runners' work shows when they end)`;
  results.push({
    what: `${JOBS} jobs, makespan`,
    offload: fmt(makespan),
    other: `ideal ${fmt(ideal)}`,
    ratio: makespan / ideal,
    target: "≤ 1.15× ideal",
    met: makespan / ideal <= 1.15,
    where,
  });
  if (existsSync("/usr/bin/parallel")) {
    const logins = farm.servers.flatMap((server) => ["--sshlogin", `${SLOTS}/${["ssh", ...opensshArgs(server, knownHosts)].join(" ")}`]);
    const joblog = join(dir, "joblog");
    const args = [
      "--will-cite",
      "-N0",
      "--joblog",
      joblog,
      ...logins,
      "sleep",
      String(JOB_SECONDS),
      ":::",
      ...Array.from({ length: JOBS }, (_, i) => String(i)),
    ];
    const started = performance.now();
    await runQuiet("/usr/bin/parallel", args, dir);
    const ms = performance.now() - started;
    const succeeded = existsSync(joblog)
      ? readFileSync(joblog, "utf8")
          .trim()
          .split("\n")
          .slice(1)
          .filter((line) => line.split("\t")[6] === "0").length
      : 0;
    console.log(`  GNU parallel --sshlogin: ${fmt(ms)} (${succeeded} of ${JOBS} succeeded)`);
    results.push({
      what: `${JOBS} jobs, vs GNU parallel`,
      offload: fmt(makespan),
      other: `parallel ${fmt(ms)}`,
      ratio: ms / makespan,
      target: "≥ 10× faster",
      met: ms / makespan >= 10 && succeeded === JOBS,
    });
  } else console.log("  GNU parallel not installed: skipped");
  await farm.stop();
  rmSync(dir, { recursive: true, force: true });
}

function writeWarmup(dir: string): string {
  const file = join(dir, "warmup.json");
  writeFileSync(file, JSON.stringify(Array.from({ length: MACHINES * SLOTS }, (_, i) => ({ name: `w${i}`, command: ["true"] }))));
  return file;
}

/** Run a command in its own process group and end what it left there once it exits. */
function runQuiet(command: string, args: string[], cwd: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "ignore", "ignore"], detached: true });
    child.once("close", (code) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // nothing left
      }
      resolve(code);
    });
  });
}

async function status(): Promise<void> {
  console.log(
    `\n## 4. \`offload status\` of ${STATUS_MACHINES} machines next to ${STATUS_MACHINES} \`ssh HOST cat /proc/loadavg\` in parallel (${STATUS_RUNS} runs each, medians)`,
  );
  const farm = await startFarm(STATUS_MACHINES, { compression: false });
  const dir = tempDir("offload-bench-status-");
  const machinesFile = join(dir, "machines.scm");
  writeMachinesFile(machinesFile, farm.machines({ compression: "none", overloadThreshold: null }));
  const knownHosts = knownHostsFor(farm.servers, dir);
  const list = join(dir, "ssh-commands");
  writeFileSync(list, farm.servers.map((server) => `${["ssh", ...opensshArgs(server, knownHosts)].map(quote).join(" ")} cat /proc/loadavg`).join("\n") + "\n");
  const parallelSsh = `xargs -P ${STATUS_MACHINES} -I{} sh -c {} < ${quote(list)} > /dev/null`;
  const state = join(dir, "state");
  const statusArgs = ["status", "--json", "--no-guix", "--state-dir", state, machinesFile];
  const sshTimes: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < STATUS_RUNS; run++) {
    sshTimes.push(timedShell(parallelSsh));
    bare.push(timedOffload(statusArgs, dir).ms);
  }
  // Holders for every machine, started as a run, build or select would (select probes them all).
  timedOffload(["select", "--machines", machinesFile, "--state-dir", state], dir);
  const held: number[] = [];
  const sshAgain: number[] = [];
  for (let run = 0; run < STATUS_RUNS; run++) {
    sshAgain.push(timedShell(parallelSsh));
    held.push(timedOffload(statusArgs, dir).ms);
  }
  const bareRatio = median(bare) / median(sshTimes);
  const heldRatio = median(held) / median(sshAgain);
  console.log(
    `  xargs -P ${STATUS_MACHINES} ssh … cat /proc/loadavg ${fmt(median(sshTimes))}; offload status ${fmt(median(bare))} (${bareRatio.toFixed(2)}×); with holders running ${fmt(median(held))} (${heldRatio.toFixed(2)}×)`,
  );
  results.push({
    what: `status of ${STATUS_MACHINES}, no holders`,
    offload: fmt(median(bare)),
    other: `ssh ×${STATUS_MACHINES} ${fmt(median(sshTimes))}`,
    ratio: bareRatio,
    target: "≤ 0.5× OpenSSH's time",
    met: bareRatio <= 0.5,
  });
  results.push({
    what: `status of ${STATUS_MACHINES}, holders running`,
    offload: fmt(median(held)),
    other: `ssh ×${STATUS_MACHINES} ${fmt(median(sshAgain))}`,
    ratio: heldRatio,
    target: "≤ 0.2× OpenSSH's time",
    met: heldRatio <= 0.2,
  });
  await farm.stop();
  rmSync(dir, { recursive: true, force: true });
}

if (wanted("transfers")) await transfers();
if (wanted("warm")) await warm();
if (wanted("jobs")) await manyJobs();
if (wanted("status")) await status();

console.log("\n## Targets, side by side");
console.log(`  ${"".padEnd(34)} ${"offload".padStart(10)}  ${"compared with".padEnd(22)} ${"ratio".padStart(6)}  target`);
for (const row of results) {
  console.log(
    `  ${row.what.padEnd(34)} ${row.offload.padStart(10)}  ${row.other.padEnd(22)} ${row.ratio.toFixed(2).padStart(6)}  ${row.target}: ${row.met ? "met" : "MISSED"}`,
  );
  if (!row.met && row.where !== undefined) console.log(`  ${"".padEnd(34)} where the time went: ${row.where}`);
}
