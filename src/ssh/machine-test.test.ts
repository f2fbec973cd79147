import assert from "node:assert/strict";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort, generateKeyPair, startFarm, startSshd, type TestSshd } from "../../test/helpers/sshd.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { CHECKS, testMachine, type MachineTestOptions, type MachineTestReport } from "./machine-test.ts";
import { REMOTE_TOOLS } from "./remote-shell.ts";

const options: MachineTestOptions = { connect: { agentSocket: "", timeoutMs: 10_000 }, transferBytes: 256 * 1024 };
let server: TestSshd;

before(async () => {
  server = await startSshd();
});
after(() => server.stop());

function check(report: MachineTestReport, name: string): { ok: boolean; message: string } {
  const found = report.checks.find((result) => result.check === name);
  assert.ok(found, `no ${name} check in ${JSON.stringify(report.checks)}`);
  return found;
}

/** A system type this host can only build under emulation that is not set up here. */
function unservableSystem(): string {
  const candidates: Array<[string, string]> = [
    ["riscv64-linux", "qemu-riscv64"],
    ["powerpc64le-linux", "qemu-ppc64le"],
    ["mips64el-linux", "qemu-mips64el"],
    ["aarch64-linux", "qemu-aarch64"],
    ["x86_64-linux", "qemu-x86_64"],
  ];
  const found = candidates.find(
    ([system, binfmt]) => !system.startsWith(process.arch === "x64" ? "x86_64" : "aarch64") && !existsSync(`/proc/sys/fs/binfmt_misc/${binfmt}`),
  );
  assert.ok(found, "every candidate system has a binfmt entry here");
  return found[0];
}

describe("testMachine", () => {
  it("passes every check, in order, on a healthy machine", async () => {
    const report = await testMachine(server.machine({ systems: [server.machine().systems[0]!, ...(process.arch === "x64" ? ["i686-linux"] : [])] }), options);
    assert.deepEqual(
      report.checks.map((result) => result.check),
      [...CHECKS],
    );
    assert.ok(report.ok, JSON.stringify(report.checks, null, 1));
    assert.deepEqual(report.skipped, []);
    assert.match(check(report, "host-key").message, /^ssh-ed25519 SHA256:\S+ matches machines\.scm$/);
    assert.match(check(report, "work-dir").message, new RegExp(`^${server.home} is writable, .* free$`));
    assert.match(check(report, "round-trip").message, /^256 KiB up .*\/s, down .*\/s, latency [\d.]+ ms, sha256 matches$/);
    assert.ok(report.checks.every((result) => result.ms >= 0));
  });

  it("stops at the TCP check on a closed port", async () => {
    const report = await testMachine(server.machine({ port: await freePort() }), options);
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.checks.map((result) => [result.check, result.ok]),
      [["tcp", false]],
    );
    assert.deepEqual(report.skipped, CHECKS.slice(1));
  });

  it("stops at the host-key check on a wrong host key", async () => {
    const wrong = generateKeyPair(tempDir()).publicLine;
    const report = await testMachine(server.machine({ hostKey: wrong }), options);
    assert.deepEqual(
      report.checks.map((result) => [result.check, result.ok]),
      [
        ["tcp", true],
        ["host-key", false],
      ],
    );
    assert.match(check(report, "host-key").message, /host key mismatch/);
  });

  it("stops at the auth check when the key is refused", async () => {
    const stranger = generateKeyPair(tempDir());
    const report = await testMachine(server.machine({ privateKey: stranger.privateKeyFile }), options);
    assert.deepEqual(
      report.checks.map((result) => [result.check, result.ok]),
      [
        ["tcp", true],
        ["host-key", true],
        ["auth", false],
      ],
    );
  });

  it("flags systems the architecture cannot serve without emulation", async () => {
    const system = unservableSystem();
    const report = await testMachine(server.machine({ systems: [system] }), options);
    const result = check(report, "architecture");
    assert.equal(result.ok, false);
    assert.match(result.message, new RegExp(`${system} needs emulation, but binfmt_misc has no enabled qemu-\\S+ entry`));
    assert.equal(report.ok, false);
    assert.equal(check(report, "round-trip").ok, true, "later checks still run");
    const none = await testMachine(server.machine({ systems: [] }), options);
    assert.match(check(none, "architecture").message, /declares no systems/);
  });

  it("lists the tools missing on the remote PATH", async () => {
    const bin = join(tempDir(), "bin");
    mkdirSync(bin);
    // Everything offload runs remotely but nproc and uname (the list used to be a shorter one of the SSH layer's own).
    const present = REMOTE_TOOLS.filter((tool) => tool !== "nproc" && tool !== "uname");
    for (const tool of [...present, "true", "echo", "printf"]) {
      symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    }
    const sparse = await startSshd({ rc: `PATH=${bin}` });
    try {
      const report = await testMachine(sparse.machine(), options);
      assert.deepEqual([check(report, "tools").ok, check(report, "tools").message], [false, "missing on the remote PATH: nproc, uname"]);
      assert.equal(check(report, "work-dir").ok, true);
    } finally {
      await sparse.stop();
    }
  });

  it("reports a work directory that cannot be created and skips the round trip", async () => {
    const report = await testMachine(server.machine(), { ...options, workDir: "/proc/offload-work" });
    assert.equal(check(report, "work-dir").ok, false);
    assert.match(check(report, "work-dir").message, /cannot create the work directory/);
    assert.deepEqual(report.skipped, ["round-trip"]);
  });

  it("notes a chatty login shell without failing (offload skips what it prints)", async () => {
    const chatty = await startSshd({ rc: "echo 'Welcome to the build farm'" });
    try {
      const report = await testMachine(chatty.machine(), options);
      assert.equal(check(report, "shell").ok, true);
      assert.match(check(report, "shell").message, /prints "Welcome to the build farm" first/);
      assert.ok(report.ok, JSON.stringify(report.checks, null, 1));
    } finally {
      await chatty.stop();
    }
  });

  it("tests 20 machines at once", async () => {
    const farm = await startFarm(20);
    try {
      const reports = await Promise.all(farm.machines().map((machine) => testMachine(machine, { ...options, transferBytes: 64 * 1024 })));
      assert.equal(reports.length, 20);
      for (const report of reports) assert.ok(report.ok, JSON.stringify(report.checks));
      assert.equal(new Set(reports.map((report) => report.machine.port)).size, 20);
    } finally {
      await farm.stop();
    }
  });
});
