import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { offloadFarm, writeFile, type OffloadFarm } from "../helpers/farm.ts";
import { collect, offloadCommand, runCli, startCli } from "../helpers/cli.ts";

interface BuildJson {
  jobs: Array<{
    name: string;
    status: string;
    machine: string | null;
    "exit-status": number | null;
    error: { code: string; message: string } | null;
    "phases-ms": { queued: number; upload: number; run: number; download: number };
    "bytes-up": number;
    "bytes-down": number;
    log: string;
  }>;
  total: number;
  succeeded: number;
  failed: number;
  "wall-ms": number;
}

/**
 * A job that counts, on the remote, how many jobs run at once: a mkdir lock
 * guards a counter in the remote $HOME, and the highest value is kept.
 */
function countingJob(name: string): object {
  const script = [
    'lock() { n=0; until mkdir "$HOME/lock" 2>/dev/null; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done; }',
    'unlock() { rmdir "$HOME/lock"; }',
    'lock; c=$(( $(cat "$HOME/count" 2>/dev/null || echo 0) + 1 )); echo $c > "$HOME/count"',
    'm=$(cat "$HOME/max" 2>/dev/null || echo 0); [ $c -gt $m ] && echo $c > "$HOME/max"; unlock',
    "sleep 0.4",
    'lock; echo $(( $(cat "$HOME/count") - 1 )) > "$HOME/count"; unlock',
  ].join("\n");
  return { name, command: ["sh", "-c", script] };
}

describe("offload build", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await offloadFarm(2, { parallelBuilds: 2 });
  });
  after(() => farm.stop());

  const engine = (): string[] => ["--machines", farm.machinesFile, "--state-dir", farm.stateDir];

  it("runs jobs across the machines, with a log per job, JSON results and a summary", async () => {
    writeFile(farm.workDir, "b1/in.txt", "x\n");
    const jobs = [
      { name: "upper", command: ["sh", "-c", "tr a-z A-Z < in.txt > up.txt; echo made"], inputs: ["in.txt"], outputs: ["up.txt"], dir: "b1" },
      { name: "fails", command: ["sh", "-c", "echo broken >&2; exit 3"] },
      { name: "slow", command: ["sleep", "5"], timeout: 0.5 },
      ...Array.from({ length: 5 }, (_, i) => ({ name: `s${i}`, command: ["sleep", "0.2"] })),
    ];
    writeFileSync(join(farm.workDir, "jobs.json"), JSON.stringify(jobs));
    const result = await runCli(["build", ...engine(), "--json", "--log-dir", "logs", "jobs.json"], { cwd: farm.workDir });
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as BuildJson;
    assert.deepEqual([report.total, report.succeeded, report.failed], [8, 6, 2]);
    const byName = Object.fromEntries(report.jobs.map((job) => [job.name, job]));
    assert.equal(byName.upper!.status, "succeeded");
    assert.equal(byName.upper!["bytes-up"], 2);
    assert.equal(byName.upper!["bytes-down"], 2);
    assert.ok(byName.upper!["phases-ms"].run > 0);
    assert.equal(readFileSync(join(farm.workDir, "b1/up.txt"), "utf8"), "X\n");
    assert.equal(byName.fails!.status, "failed");
    assert.equal(byName.fails!["exit-status"], 3);
    assert.match(readFileSync(byName.fails!.log, "utf8"), /broken\n[^]*# status: failed, exit status 3/);
    assert.equal(byName.slow!.status, "timed-out");
    assert.equal(new Set(report.jobs.map((job) => job.machine)).size, 2, "both machines were used");
    // Human output: a line per finished job, then the summary table (stderr with --json).
    assert.match(result.stderr, /\[8\/8\]/);
    assert.match(result.stderr, /JOB\s+STATUS\s+EXIT\s+MACHINE/);
    assert.match(result.stderr, /2 of 8 jobs did not succeed/);
  });

  it("holds parallel-builds across two concurrent offload processes", async () => {
    const home = farm.servers[0]!.home;
    const single = join(farm.workDir, "single.scm");
    const text = readFileSync(farm.machinesFile, "utf8");
    // Only the first machine: cut the file after its record.
    const first = text.slice(0, text.indexOf(" (build-machine", text.indexOf("(build-machine") + 1)).trimEnd();
    writeFileSync(single, `${first})\n`);
    writeFileSync(join(farm.workDir, "count-a.json"), JSON.stringify(Array.from({ length: 5 }, (_, i) => countingJob(`a${i}`))));
    writeFileSync(join(farm.workDir, "count-b.json"), JSON.stringify(Array.from({ length: 5 }, (_, i) => countingJob(`b${i}`))));
    const args = (file: string): string[] => ["build", "--machines", single, "--state-dir", farm.stateDir, "--log-dir", `logs-${file}`, file];
    const [a, b] = await Promise.all([
      collect(startCli(args("count-a.json"), { cwd: farm.workDir }), 90_000),
      collect(startCli(args("count-b.json"), { cwd: farm.workDir }), 90_000),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const max = Number(readFileSync(join(home, "max"), "utf8"));
    assert.ok(max >= 1 && max <= 2, `at most parallel-builds (2) jobs ran at once, saw ${max}`);
    assert.equal(readFileSync(join(home, "count"), "utf8").trim(), "0");
  });

  it("refuses a bad jobs file with one clear line", async () => {
    writeFileSync(join(farm.workDir, "bad.json"), JSON.stringify([{ command: ["true"], inptus: [] }]));
    const result = await runCli(["build", ...engine(), "bad.json"], { cwd: farm.workDir });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /unknown field "inptus"/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it("without a terminal prints a line as each job starts and as it ends", async () => {
    writeFileSync(
      join(farm.workDir, "plain.json"),
      JSON.stringify([
        { name: "plain-a", command: ["sleep", "0.3"] },
        { name: "plain-b", command: ["sh", "-c", "exit 4"] },
      ]),
    );
    const result = await runCli(["build", ...engine(), "--jobs", "1", "--log-dir", "logs-plain", "plain.json"], { cwd: farm.workDir });
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stderr.split("\n");
    const startedA = lines.findIndex((line) => /^started plain-a on 127\.0\.0\.1:\d+$/.test(line));
    const endedA = lines.findIndex((line) =>
      /^\[1\/2\] plain-a succeeded on 127\.0\.0\.1:\d+ in .* \(queued .*, upload .*, run .*, download .*; exit status 0\)/.test(line),
    );
    const startedB = lines.findIndex((line) => /^started plain-b on /.test(line));
    const endedB = lines.findIndex((line) => /^\[2\/2\] plain-b failed \(exit status 4\) on /.test(line));
    assert.ok(startedA >= 0 && startedA < endedA && endedA < startedB && startedB < endedB, result.stderr);
    assert.match(result.stdout, /^JOB\s+STATUS\s+EXIT\s+MACHINE\s+TIME\s+QUEUED\s+UPLOAD\s+RUN\s+DOWNLOAD\s+SENT\s+RECEIVED$/m);
    // The farm's two machines tie, so the jobs may share one or go one to each.
    const perMachine = /1 of 2 jobs did not succeed in .* \(jobs per machine: (?<counts>.*)\)/.exec(result.stdout);
    assert.ok(perMachine, result.stdout);
    const counts = perMachine.groups!.counts!.split(", ").map((entry) => /^127\.0\.0\.1:\d+ (\d+)$/.exec(entry));
    assert.equal(
      counts.reduce((sum, match) => sum + Number(match?.[1] ?? NaN), 0),
      2,
      result.stdout,
    );
  });

  it("puts each run's logs in a new directory and never overwrites an earlier run's", async () => {
    writeFileSync(join(farm.workDir, "twice.json"), JSON.stringify([{ name: "say", command: ["sh", "-c", "echo run-$RUN"], env: { RUN: "one" } }]));
    const first = JSON.parse(
      (await runCli(["build", ...engine(), "--json", "--log-dir", "logs-twice", "twice.json"], { cwd: farm.workDir })).stdout,
    ) as BuildJson;
    writeFileSync(join(farm.workDir, "twice.json"), JSON.stringify([{ name: "say", command: ["sh", "-c", "echo run-$RUN"], env: { RUN: "two" } }]));
    const second = JSON.parse(
      (await runCli(["build", ...engine(), "--json", "--log-dir", "logs-twice", "twice.json"], { cwd: farm.workDir })).stdout,
    ) as BuildJson;
    const [firstLog, secondLog] = [first.jobs[0]!.log, second.jobs[0]!.log];
    assert.notEqual(firstLog, secondLog);
    assert.match(readFileSync(firstLog, "utf8"), /run-one/);
    assert.match(readFileSync(secondLog, "utf8"), /run-two/);
    assert.equal(readFileSync(join(farm.workDir, "logs-twice", "latest", basename(secondLog)), "utf8"), readFileSync(secondLog, "utf8"));
  });

  it("shows a live display on a terminal", { skip: !existsSync("/usr/bin/script") }, () => {
    writeFileSync(join(farm.workDir, "tty.json"), JSON.stringify([{ name: "tty-job", command: ["sleep", "0.5"] }]));
    const command = [...offloadCommand(), "build", ...engine(), "--log-dir", "logs-tty", "tty.json"].map((arg) => `'${arg}'`).join(" ");
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", COLUMNS: "120", LINES: "30" };
    delete env.FORCE_COLOR;
    const result = spawnSync("/usr/bin/script", ["-qec", command, "/dev/null"], { cwd: farm.workDir, env, timeout: 60_000 });
    const output = result.stdout.toString("utf8");
    assert.equal(result.status, 0, output);
    assert.match(output, /0\/1 done, 1 running, 0 waiting/);
    assert.match(output, /tty-job\s+127\.0\.0\.1:\d+\s+(queued|upload|run)/);
    assert.match(output, /\[1\/1\] tty-job succeeded/);
  });
});
