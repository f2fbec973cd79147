/**
 * A build machine whose work directory is on a real small file system (a
 * 64 MiB tmpfs mounted over the loopback server's `~/.cache/offload`): every
 * command must see the low disk the way Guix does (at least 100 MiB free).
 * Mounting needs root (CI runs as root); elsewhere the test is skipped and
 * says why.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { offloadFarm, type OffloadFarm } from "../helpers/farm.ts";
import { runCli } from "../helpers/cli.ts";
import { localSystem, writeMachinesFile } from "../helpers/sshd.ts";

const SMALL_MIB = 64;
const system = localSystem();

/** Mount a tmpfs of `mib` MiB at `dir`; the reason it cannot, or null. */
function mountSmallFileSystem(dir: string, mib: number): string | null {
  if (process.getuid?.() !== 0) return "mounting a small file system needs root";
  mkdirSync(dir, { recursive: true });
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${mib}m`, "tmpfs", dir], { encoding: "utf8" });
  return mounted.status === 0 ? null : `mount -t tmpfs failed: ${mounted.stderr.trim()}`;
}

let farm: OffloadFarm;
let smallDir = "";
let cannotMount: string | null = null;

describe("a machine whose work directory has less than 100 MiB free", { timeout: 120_000 }, () => {
  before(async () => {
    farm = await offloadFarm(2, { parallelBuilds: 2 });
    smallDir = join(farm.servers[0]!.home, ".cache", "offload");
    cannotMount = mountSmallFileSystem(smallDir, SMALL_MIB);
  });
  after(async () => {
    if (cannotMount === null) spawnSync("umount", [smallDir]);
    await farm.stop();
  });

  const small = (): { name: string; port: number } => ({ name: farm.machines[0]!.name, port: farm.machines[0]!.port });
  const cli = (args: string[]) => runCli(args, { cwd: farm.workDir });

  it("fails the work-directory check of `offload test`, naming the free space", async (t) => {
    if (cannotMount !== null) return t.skip(cannotMount);
    const result = await cli(["test", "--json", farm.machinesFile]);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as {
      machines: Array<{ port: number; ok: boolean; checks: Array<{ check: string; ok: boolean; message: string }> }>;
    };
    const [low, roomy] = [report.machines.find((m) => m.port === small().port)!, report.machines.find((m) => m.port !== small().port)!];
    assert.equal(roomy.ok, true);
    assert.equal(low.ok, false);
    const workDir = low.checks.find((check) => check.check === "work-dir")!;
    assert.equal(workDir.ok, false);
    assert.match(workDir.message, /only 6\d(\.\d)? MiB free \(at least 100 MiB needed\)/);
  });

  it("shows the small free space in `offload status`", async (t) => {
    if (cannotMount !== null) return t.skip(cannotMount);
    const result = await cli(["status", "--json", farm.machinesFile]);
    assert.equal(result.code, 0, result.stderr);
    const entries = (JSON.parse(result.stdout) as { machines: Array<{ port: number; "disk-free-bytes": number }> }).machines;
    const low = entries.find((entry) => entry.port === small().port)!;
    assert.ok(low["disk-free-bytes"] <= SMALL_MIB * 1024 * 1024 && low["disk-free-bytes"] > 0, String(low["disk-free-bytes"]));
    assert.ok(entries.find((entry) => entry.port !== small().port)!["disk-free-bytes"] > 100 * 1024 * 1024);
  });

  it("is passed over by `offload select` and `offload run`, which use the other machine", async (t) => {
    if (cannotMount !== null) return t.skip(cannotMount);
    const selected = await cli(["select", "--json", "--machines", farm.machinesFile, "--state-dir", farm.stateDir, "--system", system]);
    assert.equal(selected.code, 0, selected.stderr);
    const report = JSON.parse(selected.stdout) as { chosen: { port: number }; machines: Array<{ port: number; reason: string | null; detail: string | null }> };
    assert.notEqual(report.chosen.port, small().port);
    const low = report.machines.find((m) => m.port === small().port)!;
    assert.equal(low.reason, "low-disk");
    assert.match(low.detail ?? "", /MiB free, needs 100 MiB/);

    const run = await cli(["run", "--machines", farm.machinesFile, "--state-dir", farm.stateDir, "--", "sh", "-c", 'echo "$SSH_CONNECTION"']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(` ${farm.machines[1]!.port}\\n$`));
  });

  it("leaves a job with only that machine without a machine, and says why", async (t) => {
    if (cannotMount !== null) return t.skip(cannotMount);
    const onlySmall = join(farm.workDir, "only-small.scm");
    writeMachinesFile(onlySmall, [farm.machines[0]!]);
    const run = await cli(["run", "--machines", onlySmall, "--state-dir", farm.stateDir, "--wait", "0", "--", "true"]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, new RegExp(`no machine for system ${system}`));
    assert.match(run.stderr, /low on disk space \(6\d(\.\d)? MiB free, needs 100 MiB\)/);
  });
});
