/**
 * A record with a field of the wrong type (`(speed "fast")`): Guix loads
 * the file but fails as soon as it uses that machine. Every command must
 * leave it alone — no connection, never chosen — and say which field, where.
 * The broken machine is the fastest one, so it would win if it slipped in.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { offloadFarm, type OffloadFarm } from "../helpers/farm.ts";
import { runCli } from "../helpers/cli.ts";
import { localSystem, writeMachinesFile } from "../helpers/sshd.ts";

let farm: OffloadFarm;
let machinesFile = "";
let brokenLine = 0;

/** Connections the broken machine's server accepted. */
const acceptedByBroken = (): number => farm.servers[0]!.log().match(/Accepted publickey/g)?.length ?? 0;

describe("a machine whose record has a field of the wrong type", { timeout: 120_000 }, () => {
  before(async () => {
    farm = await offloadFarm(2, { parallelBuilds: 1 }, (i) => ({ speed: i === 0 ? 10 : 1 }));
    machinesFile = join(farm.workDir, "machines.scm");
    const located = writeMachinesFile(machinesFile, farm.machines);
    brokenLine = located[0]!.location.line;
    // Only the first record's speed: "(speed 10.0)" becomes a string.
    writeFileSync(machinesFile, readFileSync(machinesFile, "utf8").replace("(speed 10.0)", '(speed "fast")'));
  });
  after(() => farm.stop());

  const cli = (args: string[]) => runCli(args, { cwd: farm.workDir });
  const brokenPort = (): number => farm.machines[0]!.port;

  it("is excluded by `offload select`, naming the field", async () => {
    const result = await cli(["select", "--json", "--machines", machinesFile, "--state-dir", farm.stateDir, "--system", localSystem()]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      chosen: { port: number };
      machines: Array<{ port: number; eligible: boolean; reason: string | null; detail: string | null }>;
    };
    assert.equal(report.chosen.port, farm.machines[1]!.port);
    const broken = report.machines.find((m) => m.port === brokenPort())!;
    assert.equal(broken.eligible, false);
    assert.equal(broken.reason, "invalid-record");
    assert.equal(broken.detail, 'field speed should be a number, got "fast"');
  });

  it("never runs a job from `offload run`, which warns about it", async () => {
    const run = await cli(["run", "--machines", machinesFile, "--state-dir", farm.stateDir, "--", "sh", "-c", 'echo "$SSH_CONNECTION"']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(` ${farm.machines[1]!.port}\\n$`));
    assert.match(run.stderr, /field speed should be a number/);
    assert.equal(acceptedByBroken(), 0);
  });

  it("fails `offload test` and `offload status` for it without connecting, pointing at the record", async () => {
    const tested = await cli(["test", "--json", machinesFile]);
    assert.equal(tested.code, 1, tested.stderr);
    const machines = (JSON.parse(tested.stdout) as { machines: Array<{ port: number; ok: boolean; checks: Array<{ ok: boolean; message: string }> }> })
      .machines;
    const broken = machines.find((m) => m.port === brokenPort())!;
    assert.equal(broken.ok, false);
    assert.equal(broken.checks.length, 1);
    assert.match(
      broken.checks[0]!.message,
      new RegExp(`machines\\.scm:${brokenLine}:\\d+: machine '127\\.0\\.0\\.1' cannot be used: field speed should be a number, got "fast"`),
    );
    assert.equal(machines.find((m) => m.port !== brokenPort())!.ok, true);

    const status = await cli(["status", "--json", machinesFile]);
    assert.equal(status.code, 1);
    const entry = (JSON.parse(status.stdout) as { machines: Array<{ port: number; reachable: boolean; error: string | null }> }).machines.find(
      (m) => m.port === brokenPort(),
    )!;
    assert.equal(entry.reachable, false);
    assert.match(entry.error ?? "", /cannot be used: field speed should be a number/);
    assert.equal(acceptedByBroken(), 0);
  });
});
