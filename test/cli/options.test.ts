// The command line as a whole: one option set (same arguments on every
// command, defaults shown as applied), one error style, usage errors in one
// line. Needs neither Guile nor OpenSSH: machines point at a closed port.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { tryAcquireSlot } from "../../src/offload/slots.ts";

const dir = tempDir("cli-options-");
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function machinesFile(name: string, port: number, extra = ""): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `${extra}(list (build-machine (name "127.0.0.1") (port ${port}) (systems (list "x86_64-linux")) (user "nobody") (private-key #f) (parallel-builds 2) (host-key "${HOST_KEY}")))\n`,
  );
  return file;
}

/** A machines file that needs some 10⁶ evaluation steps (the evaluator checks its step limit every 65,536). */
const LOOP = "(define (count n) (if (= n 0) 0 (count (- n 1))))\n(count 100000)\n";

test("`offload` alone prints the command list and exits 1", async () => {
  const result = await runCli([]);
  assert.equal(result.code, 1);
  for (const command of ["show", "eval", "lint", "test", "status", "select", "run", "build"]) assert.match(result.stderr, new RegExp(`\\n  ${command} `));
});

test("--version is package.json's version", async () => {
  const result = await runCli(["--version"]);
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim(), (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version);
});

test("--help shows each limit's real default, and every command that reads machines has the same options", async () => {
  for (const command of ["lint", "test", "status", "select", "run", "build"]) {
    const help = (await runCli([command, "--help"])).stdout.replace(/\s+/g, " ");
    assert.match(help, /--max-call-depth <n> nested calls before giving up \(default: 1000000\)/, command);
    for (const option of ["--max-steps", "--max-depth", "--max-file-size", "--max-seconds", "--no-file-access"])
      assert.ok(help.includes(option), `${command} ${option}`);
    assert.match(help, /--machines <file> .*env: OFFLOAD_MACHINES/, command);
  }
  for (const command of ["test", "status", "select", "run", "build"]) {
    assert.match((await runCli([command, "--help"])).stdout.replace(/\s+/g, " "), /--state-dir <dir> .*env: OFFLOAD_STATE_DIR/, command);
  }
});

test("an unknown option is one line with a did-you-mean hint and where the help is, exit 2", async () => {
  const result = await runCli(["run", "--machine", "m.scm", "--", "true"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr, "offload: error: unknown option '--machine'; did you mean '--machines'? See offload run --help\n");
  const status = await runCli(["status", "--machine", "m.scm"]);
  assert.equal(status.stderr, "offload: error: unknown option '--machine'; did you mean '--machines'? See offload status --help\n");
});

test("seconds: a timeout of 0 is refused, --wait 0 means do not wait", async () => {
  const refused = await runCli(["test", "--timeout", "0", "m.scm"]);
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr,
    "offload: error: option '--timeout <seconds>' argument '0' is invalid: expected a positive number of seconds. See offload test --help\n",
  );
  assert.equal((await runCli(["run", "--connect-timeout", "0", "--", "true"])).code, 2);
  const empty = join(dir, "empty.scm");
  writeFileSync(empty, "(list)\n");
  const noWait = await runCli(["run", "--machines", empty, "--wait", "0", "--", "true"]);
  assert.equal(noWait.code, 255, noWait.stderr);
  assert.match(noWait.stderr, /^offload: error: /);
});

test("the reading limits apply on every command that reads machines", async () => {
  const file = machinesFile("loop.scm", await closedPort(), LOOP);
  const jobs = join(dir, "jobs.json");
  writeFileSync(jobs, JSON.stringify([{ command: ["true"] }]));
  for (const args of [
    ["test", file],
    ["status", file],
    ["select", "--machines", file],
    ["run", "--machines", file, "--", "true"],
    ["build", "--machines", file, jobs],
  ]) {
    const [command, ...rest] = args;
    const result = await runCli([command!, "--max-steps", "5", ...rest]);
    assert.equal(result.code, 1, `${command}: ${result.stderr}`);
    assert.match(result.stderr, /more than 5 steps/, command);
  }
});

test("--machines and $OFFLOAD_MACHINES name the file on test and status; REGEXP still works", async () => {
  const port = await closedPort();
  const file = machinesFile("named.scm", port);
  const byOption = await runCli(["status", "--json", "--timeout", "2", "--machines", file, "^127"]);
  assert.equal(byOption.code, 1, byOption.stderr);
  assert.deepEqual(
    (JSON.parse(byOption.stdout) as { machines: Array<{ port: number }> }).machines.map((m) => m.port),
    [port],
  );
  const byEnv = await runCli(["test", "--json", "--timeout", "2"], { env: { OFFLOAD_MACHINES: file } });
  assert.deepEqual(
    (JSON.parse(byEnv.stdout) as { machines: Array<{ port: number }> }).machines.map((m) => m.port),
    [port],
  );
  const twice = await runCli(["status", "--machines", file, file, "^127"]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /^offload: error: the machines file is given twice/);
});

test("a REGEXP that matches no machine is an error, before any connection", async () => {
  const file = machinesFile("regexp.scm", await closedPort());
  for (const command of ["test", "status"]) {
    const result = await runCli([command, file, "^nothing$"]);
    assert.equal(result.code, 1, command);
    assert.equal(result.stderr, `offload: error: no machine in ${file} matches ^nothing$\n`);
  }
});

test("status takes --state-dir and $OFFLOAD_STATE_DIR: it shows the slots run and select use", async () => {
  const port = await closedPort();
  const file = machinesFile("slots.scm", port);
  const stateDir = tempDir("cli-options-state-");
  const slot = await tryAcquireSlot({ name: "127.0.0.1", port, parallelBuilds: 2 }, stateDir);
  assert.ok(slot);
  try {
    const slotsIn = (stdout: string) => (JSON.parse(stdout) as { machines: Array<{ "slots-in-use": number }> }).machines[0]!["slots-in-use"];
    assert.equal(slotsIn((await runCli(["status", "--json", "--timeout", "2", "--state-dir", stateDir, file])).stdout), 1);
    assert.equal(slotsIn((await runCli(["status", "--json", "--timeout", "2", file], { env: { OFFLOAD_STATE_DIR: stateDir } })).stdout), 1);
    assert.equal(slotsIn((await runCli(["status", "--json", "--timeout", "2", file])).stdout), 0, "another state directory sees no slot");
  } finally {
    slot.release();
  }
});

test("status --watch stamps each table with a 24-hour time; with --json it writes JSON Lines with ISO 8601 times", async () => {
  const file = machinesFile("watch.scm", await closedPort());
  const stopAfter = (documents: number) => (stdout: string, child: import("node:child_process").ChildProcess) => {
    if (stdout.split("(Ctrl-C to stop)").length > documents || stdout.split("\n").length > documents + 1) child.kill("SIGINT");
  };
  const table = await runCli(["status", "--timeout", "2", "--watch", "0.2", file], { onStdout: stopAfter(2) });
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /\n\d{2}:\d{2}:\d{2}, every 0\.2 s \(Ctrl-C to stop\)\n/);
  const lines = await runCli(["status", "--json", "--timeout", "2", "--watch", "0.2", file], { onStdout: stopAfter(2) });
  const documents = lines.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { time: string; machines: unknown[] });
  assert.ok(documents.length >= 2, lines.stdout);
  for (const document of documents) {
    assert.deepEqual(Object.keys(document), ["time", "machines"]);
    assert.equal(new Date(document.time).toISOString(), document.time);
    assert.equal(document.machines.length, 1);
  }
});

test("lint: more warnings than --max-warnings is one offload: error line", async () => {
  const result = await runCli(["lint", "--max-warnings", "0", "fixtures/lint/deprecated-system.scm"]);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, "offload: error: 2 warnings, more than --max-warnings 0\n");
});

test("lint takes --machines and $OFFLOAD_MACHINES too", async () => {
  const byOption = await runCli(["lint", "--format", "gcc", "--machines", "fixtures/lint/speed.scm"]);
  assert.equal(byOption.code, 1);
  assert.match(byOption.stdout, /^fixtures\/lint\/speed\.scm:6:15: error: speed 0/);
  const byEnv = await runCli(["lint", "--format", "gcc"], { env: { OFFLOAD_MACHINES: "fixtures/lint/speed.scm" } });
  assert.equal(byEnv.stdout, byOption.stdout);
});

test("select sees the slots of the state directory it is given, by option or environment", async () => {
  const port = await closedPort();
  const file = machinesFile("select-slots.scm", port);
  const slotsIn = (stdout: string) => (JSON.parse(stdout) as { machines: Array<{ "slots-in-use": number }> }).machines[0]!["slots-in-use"];
  const args = ["select", "--json", "--connect-timeout", "2", "--system", "x86_64-linux", "--machines", file];
  // A fresh state directory for each way of naming it: the failed probe puts the machine in back-off there.
  for (const name of ["option", "environment"] as const) {
    const stateDir = tempDir("cli-options-select-state-");
    const slot = await tryAcquireSlot({ name: "127.0.0.1", port, parallelBuilds: 2 }, stateDir);
    assert.ok(slot);
    try {
      const result = name === "option" ? await runCli([...args, "--state-dir", stateDir]) : await runCli(args, { env: { OFFLOAD_STATE_DIR: stateDir } });
      assert.equal(slotsIn(result.stdout), 1, name);
    } finally {
      slot.release();
    }
  }
});
