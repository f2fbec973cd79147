// `npm run soak [-- --jobs N --seed S --mean-kill-seconds T]`: at least a
// thousand jobs through `offload build` on 3 loopback OpenSSH servers, while
// one of them at a time is killed (SIGKILL of sshd and everything it runs)
// and restarted on the same port at random moments. Then every machine gets
// one more run (which removes what killed clients left there), and the
// report says:
//   - lost results (a job that did not succeed, or whose output is missing),
//     duplicated ones (a job reported twice, or completed by two attempts),
//     wrong ones (an output that is not the job's own answer) — all must be 0;
//   - leaked slots, scratch directories, upload temporaries and staging
//     directories — all must be 0;
//   - the memory (RSS) of the `offload build` process over time.
// Exits 1 when any count that must be 0 is not.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { BuildMachine } from "../src/machines/types.ts";
import { slotsInUse } from "../src/offload/slots.ts";
import { formatBytes, formatMs } from "../src/ssh/units.ts";
import { offloadCommand } from "../test/helpers/cli.ts";
import { leftoverJobs } from "../test/helpers/farm.ts";
import { startFarm, writeMachinesFile, type TestSshd } from "../test/helpers/sshd.ts";
import { tempDir } from "../test/helpers/temp-dir.ts";
import { SeededRandom } from "../test/helpers/seeded-random.ts";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "1000" },
    seed: { type: "string", default: "1" },
    "mean-kill-seconds": { type: "string", default: "4" },
  },
});
const JOBS = Number(values.jobs);
const MEAN_KILL_MS = Number(values["mean-kill-seconds"]) * 1000;
const INPUTS = 8;
const SLOTS_PER_MACHINE = 4;

const generator = new SeededRandom(Number(values.seed));
const random = (): number => generator.next();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What job `id` must bring back: its name and the SHA-256 of its input. */
function expectedResult(id: string, input: Buffer): string {
  return `${id} ${createHash("sha256").update(input).digest("hex")}\n`;
}

interface Sample {
  atMs: number;
  rssBytes: number;
}

function rssOf(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}

/** Run the CLI to its end, sampling its memory every second. */
function runOffload(args: string[], cwd: string, samples: Sample[] | null): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, ...prefix] = offloadCommand();
  const child = spawn(command!, [...prefix, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  const started = performance.now();
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const sampler =
    samples === null
      ? undefined
      : setInterval(() => {
          const rss = child.pid === undefined ? null : rssOf(child.pid);
          if (rss !== null) samples.push({ atMs: performance.now() - started, rssBytes: rss });
        }, 1000);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearInterval(sampler);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Kill a random server now and then and bring it back, until `stop` resolves. */
async function chaos(servers: TestSshd[], stop: Promise<void>): Promise<number> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  let kills = 0;
  for (let round = 0; round < 100_000 && !stopped; round++) {
    // Exponential waits around the mean, never below a second.
    await Promise.race([sleep(1000 + -Math.log(1 - random()) * MEAN_KILL_MS), stop]);
    if (stopped) break;
    const victim = servers[Math.floor(random() * servers.length)]!;
    await victim.crash();
    kills++;
    await sleep(300 + random() * 1500);
    await victim.restart();
  }
  return kills;
}

function memoryCurve(samples: readonly Sample[]): string {
  if (samples.length === 0) return "  (no samples)";
  const points = 10;
  const step = Math.max(1, Math.floor(samples.length / points));
  const picked = samples.filter((_, index) => index % step === 0 || index === samples.length - 1);
  const max = Math.max(...samples.map((sample) => sample.rssBytes));
  return picked
    .map(
      (sample) =>
        `  ${formatMs(sample.atMs).padStart(8)}  ${formatBytes(sample.rssBytes).padStart(9)}  ${"#".repeat(Math.round((sample.rssBytes / max) * 40))}`,
    )
    .join("\n");
}

async function main(): Promise<number> {
  const work = tempDir("offload-soak-");
  const farm = await startFarm(3, { compression: false });
  try {
    const machines: BuildMachine[] = farm.servers.map((server) =>
      server.machine({ parallelBuilds: SLOTS_PER_MACHINE, overloadThreshold: null, compression: "none" }),
    );
    const machinesFile = join(work, "machines.scm");
    writeMachinesFile(machinesFile, machines);
    const stateDir = join(work, "state");
    mkdirSync(join(work, "in"), { recursive: true });
    const inputs = Array.from({ length: INPUTS }, (_, index) => {
      const content = Buffer.from(Array.from({ length: 32 * 1024 }, () => Math.floor(random() * 256)));
      writeFileSync(join(work, "in", `input-${index}.bin`), content);
      return content;
    });
    const ids = Array.from({ length: JOBS }, (_, index) => `j${String(index).padStart(5, "0")}`);
    const jobs = ids.map((id, index) => ({
      name: id,
      command: [
        "sh",
        "-c",
        `mkdir -p out && { printf '%s ' "$JOB"; sha256sum < "$INPUT" | cut -c1-64; } > out/$JOB.txt && printf '%s\\n' "$JOB" >> "$HOME/soak-ledger"; sleep ${(random() * 0.3).toFixed(2)}`,
      ],
      env: { JOB: id, INPUT: `in/input-${index % INPUTS}.bin` },
      inputs: [`in/input-${index % INPUTS}.bin`],
      outputs: [`out/${id}.txt`],
    }));
    writeFileSync(join(work, "jobs.json"), JSON.stringify(jobs));

    console.log(
      `# soak: ${JOBS} jobs on ${farm.servers.length} machines x ${SLOTS_PER_MACHINE} slots, a kill every ~${MEAN_KILL_MS / 1000} s (seed ${values.seed})`,
    );
    const samples: Sample[] = [];
    const started = performance.now();
    const building = runOffload(
      ["build", "--json", "--machines", machinesFile, "--state-dir", stateDir, "--log-dir", join(work, "logs"), "--wait", "600", "jobs.json"],
      work,
      samples,
    );
    const kills = chaos(
      farm.servers,
      building.then(() => undefined),
    );
    const result = await building;
    const killCount = await kills;
    const wallMs = performance.now() - started;

    const report = JSON.parse(result.stdout || '{"jobs":[]}') as {
      jobs: Array<{ name: string; status: string; error: { message: string } | null; attempts: Array<{ machine: string; error: string | null }> }>;
    };
    const seen = new Map<string, number>();
    for (const job of report.jobs) seen.set(job.name, (seen.get(job.name) ?? 0) + 1);
    let lost = 0;
    let duplicated = 0;
    let wrong = 0;
    let retried = 0;
    const lostNames: string[] = [];
    for (const [index, id] of ids.entries()) {
      const entries = report.jobs.filter((job) => job.name === id);
      const file = join(work, "out", `${id}.txt`);
      const succeeded = entries.some((job) => job.status === "succeeded");
      if (!succeeded || !existsSync(file)) {
        lost++;
        lostNames.push(`${id}: ${entries[0]?.status ?? "not reported"} ${entries[0]?.error?.message.split("\n").join(" / ") ?? ""}`);
        continue;
      }
      const completedAttempts = entries.flatMap((job) => job.attempts).filter((attempt) => attempt.error === null).length;
      if ((seen.get(id) ?? 0) > 1 || completedAttempts > 1) duplicated++;
      if (entries.some((job) => job.attempts.length > 1)) retried++;
      if (readFileSync(file, "utf8") !== expectedResult(id, inputs[index % INPUTS]!)) wrong++;
    }

    // One more run on every machine (a fresh state directory: the kills' back-off must not keep it away).
    const nextState = join(work, "state-next");
    const nextRuns = await Promise.all(
      machines.map(async (machine, index) => {
        const file = join(work, `machine-${index}.scm`);
        writeMachinesFile(file, [machine]);
        return runOffload(
          ["run", "--machines", file, "--state-dir", nextState, "--output", `next-${index}.txt`, "--", "sh", "-c", `echo ${index} > next-${index}.txt`],
          work,
          null,
        );
      }),
    );
    const failedNextRuns = nextRuns.filter((run) => run.code !== 0).length;
    const scratch = farm.servers.reduce((sum, server) => sum + leftoverJobs(server).length, 0);
    const temporaries = farm.servers.reduce((sum, server) => {
      const cas = join(server.home, ".cache", "offload", "cas");
      return sum + (existsSync(cas) ? readdirSync(cas).filter((name) => name.startsWith(".tmp.")).length : 0);
    }, 0);
    const staging =
      readdirSync(join(work, "out")).filter((name) => name.startsWith(".offload-")).length +
      readdirSync(work).filter((name) => name.startsWith(".offload-")).length;
    const slots = machines.reduce((sum, machine) => sum + slotsInUse(machine, stateDir) + slotsInUse(machine, nextState), 0);
    const ledger = farm.servers.reduce((sum, server) => {
      const file = join(server.home, "soak-ledger");
      return (
        sum +
        (existsSync(file)
          ? readFileSync(file, "utf8")
              .split("\n")
              .filter((line) => line !== "").length
          : 0)
      );
    }, 0);

    const rss = samples.map((sample) => sample.rssBytes);
    const lines = [
      `# soak finished in ${formatMs(wallMs)}: offload build exited ${result.code}; sshd killed and restarted ${killCount} times`,
      `jobs                 ${JOBS} (${retried} retried on another machine; ${ledger} remote command completions)`,
      `lost results         ${lost}${lostNames.length > 0 ? `  (${lostNames.slice(0, 5).join("; ")}${lostNames.length > 5 ? "; …" : ""})` : ""}`,
      `duplicated results   ${duplicated}`,
      `wrong results        ${wrong}`,
      `leaked slots         ${slots}`,
      `leaked scratch dirs  ${scratch} (after one more run on each machine; ${failedNextRuns} of those runs failed)`,
      `upload temporaries   ${temporaries}`,
      `staging dirs         ${staging}`,
      `memory (RSS of offload build): start ${formatBytes(rss[0] ?? 0)}, max ${formatBytes(Math.max(0, ...rss))}, end ${formatBytes(rss[rss.length - 1] ?? 0)}`,
      memoryCurve(samples),
    ];
    console.log(lines.join("\n"));
    if (result.code !== 0 && lost === 0) console.log(result.stderr.split("\n").slice(-5).join("\n"));
    const bad = lost + duplicated + wrong + slots + scratch + temporaries + staging + failedNextRuns;
    return bad === 0 ? 0 : 1;
  } finally {
    await farm.stop();
  }
}

process.exitCode = await main();
