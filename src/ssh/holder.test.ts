import assert from "node:assert/strict";
import { chownSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { offloadCommand, runCli, startCli, collect } from "../../test/helpers/cli.ts";
import { leftoverJobs, sleep, waitFor, writeFile } from "../../test/helpers/farm.ts";
import { generateKeyPair, startSshd, writeMachinesFile, type TestSshd } from "../../test/helpers/sshd.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { connectViaHolder, holderKey, holderPaths, type HolderSettings } from "./holder.ts";
import { SshSession } from "./session.ts";

const accepted = (server: TestSshd): number => server.log().match(/Accepted publickey/g)?.length ?? 0;

/** The PID the holder's token file names. */
function holderPid(settings: HolderSettings, server: TestSshd): number | null {
  try {
    return Number(readFileSync(holderPaths(server.machine(), settings.stateDir).token, "utf8").split(" ")[1]);
  } catch {
    return null;
  }
}

function alive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "latin1");
    return state.slice(state.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("connection holders", { timeout: 120_000 }, () => {
  let server: TestSshd;
  let stateDir: string;
  let settings: HolderSettings;
  before(async () => {
    server = await startSshd({ rc: 'echo "login shell" >> "$HOME/logins"' });
    stateDir = tempDir("offload-holder-state-");
    settings = { stateDir, persistMs: 60_000, command: [...offloadCommand(), "hold"] };
  });
  after(() => server.stop());

  it("start on first use, and carry every later process's channels over one connection", async () => {
    const before = accepted(server);
    const first = await connectViaHolder(server.machine(), { timeoutMs: 10_000 }, settings);
    assert.ok(first?.viaHolder, "through a holder");
    assert.equal((await first.output(["echo", "first"])).trim(), "first");
    first.close();
    const file = join(stateDir, "machines.scm");
    writeMachinesFile(file, [server.machine({ overloadThreshold: null })]);
    const runs = await Promise.all(
      [1, 2, 3].map((n) => runCli(["run", "--machines", file, "--state-dir", stateDir, "--", "echo", `process-${n}`], { cwd: stateDir })),
    );
    runs.forEach((result, index) => assert.equal(result.stdout, `process-${index + 1}\n`, result.stderr));
    assert.equal(accepted(server) - before, 1, "one SSH connection for them all: the holder's");
    assert.equal(alive(holderPid(settings, server)), true);
  });

  it("keep the socket and the token to their user (0600 in a 0700 directory)", () => {
    const paths = holderPaths(server.machine(), stateDir);
    const mode = (path: string): number => statSync(path).mode & 0o777;
    assert.equal(mode(paths.dir), 0o700);
    assert.equal(mode(paths.socket), 0o600);
    assert.equal(mode(paths.token), 0o600);
  });

  it("refuse a request without the token", async () => {
    const net = await import("node:net");
    const socket = net.connect(holderPaths(server.machine(), stateDir).socket);
    const reply = await new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
      socket.once("close", () => resolve(text));
      socket.write(`${JSON.stringify({ token: "guessed", op: "exec", command: "touch pwned" })}\n`);
    });
    assert.match(reply, /"ok":false.*wrong token/);
    assert.equal(existsSync(join(server.home, "pwned")), false);
  });

  it("run jobs on ready runners: no login shell per job, scratch directories removed", async () => {
    const logins = (): number => readFileSync(join(server.home, "logins"), "utf8").split("\n").filter(Boolean).length;
    const file = join(stateDir, "machines.scm");
    await runCli(["run", "--machines", file, "--state-dir", stateDir, "--", "true"], { cwd: stateDir });
    const before = logins();
    for (let i = 0; i < 3; i++) {
      const result = await runCli(["run", "--machines", file, "--state-dir", stateDir, "--output", `out-${i}`, "--", "sh", "-c", `echo ${i} > out-${i}`], {
        cwd: stateDir,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(readFileSync(join(stateDir, `out-${i}`), "utf8"), `${i}\n`);
    }
    assert.equal(logins() - before, 0, "the holder's runners were ready: no login shell ran");
    assert.deepEqual(leftoverJobs(server), []);
  });

  it("stop a killed client's job, remove its scratch directory, and carry on for the others", async () => {
    const file = join(stateDir, "machines.scm");
    const marker = join(server.home, "client-killed-job");
    const child = startCli(
      ["run", "--machines", file, "--state-dir", stateDir, "--output", "never", "--", "sh", "-c", `touch ${marker}.started; sleep 3; touch ${marker}`],
      { cwd: stateDir },
    );
    const ended = collect(child, 60_000);
    await waitFor(() => existsSync(`${marker}.started`), 30_000, "the job to start");
    child.kill("SIGKILL");
    await ended;
    const other = await runCli(["run", "--machines", file, "--state-dir", stateDir, "--", "echo", "still-here"], { cwd: stateDir });
    assert.equal(other.stdout, "still-here\n", other.stderr);
    await waitFor(() => leftoverJobs(server).length === 0, 10_000, "the killed client's scratch directory to go");
    await sleep(3500);
    assert.equal(existsSync(marker), false, "the killed client's job was stopped");
  });

  it("carry on when a client is killed mid-transfer", async () => {
    const file = join(stateDir, "machines.scm");
    writeFile(stateDir, "big.bin", Buffer.alloc(48 << 20, 1));
    const pid = holderPid(settings, server);
    const child = startCli(["run", "--machines", file, "--state-dir", stateDir, "--input", "big.bin", "--", "true"], { cwd: stateDir });
    const ended = collect(child, 60_000);
    const cas = join(server.home, ".cache", "offload", "cas");
    await waitFor(() => existsSync(cas) && readdirSync(cas).some((name) => name.startsWith(".tmp.")), 30_000, "the upload");
    child.kill("SIGKILL");
    await ended;
    const other = await runCli(["run", "--machines", file, "--state-dir", stateDir, "--", "echo", "after-kill"], { cwd: stateDir });
    assert.equal(other.stdout, "after-kill\n", other.stderr);
    assert.equal(holderPid(settings, server), pid, "the same holder");
    assert.equal(alive(pid), true);
  });

  it("are replaced when they crash or stall", async () => {
    const crashed = holderPid(settings, server)!;
    process.kill(crashed, "SIGKILL");
    await waitFor(() => !alive(crashed), 5_000, "the holder to die");
    const again = await connectViaHolder(server.machine(), { timeoutMs: 10_000 }, settings);
    assert.ok(again?.viaHolder);
    assert.equal((await again.output(["echo", "replaced"])).trim(), "replaced");
    again.close();
    const stalled = holderPid(settings, server)!;
    assert.notEqual(stalled, crashed);
    process.kill(stalled, "SIGSTOP");
    const replacement = await connectViaHolder(server.machine(), { timeoutMs: 10_000 }, settings);
    assert.ok(replacement?.viaHolder, "a stalled holder does not keep clients from a new one");
    assert.equal((await replacement.output(["echo", "after-stall"])).trim(), "after-stall");
    replacement.close();
    assert.equal(alive(stalled), false, "the stalled holder was killed");
    assert.notEqual(holderPid(settings, server), stalled);
  });

  it("never serve a changed machines entry: another host key is refused as without a holder", async () => {
    const otherKey = generateKeyPair(tempDir("offload-otherkey-"), { comment: "not-the-server" });
    const changed = server.machine({ hostKey: otherKey.publicLine });
    assert.notEqual(holderKey(changed), holderKey(server.machine()));
    assert.equal(await connectViaHolder(changed, { timeoutMs: 10_000 }, settings), null, "no holder for it");
    await assert.rejects(SshSession.connect(changed, { timeoutMs: 10_000 }), { code: "host-key-mismatch" });
    assert.equal(existsSync(holderPaths(changed, stateDir).token), false);
  });

  it("are not used when their files belong to someone else", { skip: process.getuid?.() === 0 ? false : "needs root to give a file away" }, async () => {
    const paths = holderPaths(server.machine(), stateDir);
    const live = await connectViaHolder(server.machine(), { timeoutMs: 10_000 }, settings);
    live?.close();
    chownSync(paths.token, 65534, 65534);
    try {
      const session = await connectViaHolder(server.machine(), { timeoutMs: 10_000 }, settings);
      assert.equal(session, null, "another user's token file is not trusted");
    } finally {
      chownSync(paths.token, 0, 0);
    }
  });

  it("exit once idle for their persist time", async () => {
    const quick = { ...settings, stateDir: tempDir("offload-holder-idle-"), persistMs: 300 };
    const session = await connectViaHolder(server.machine(), { timeoutMs: 10_000 }, quick);
    assert.ok(session?.viaHolder);
    const pid = holderPid(quick, server);
    session.close();
    await waitFor(() => !alive(pid), 10_000, "the idle holder to exit");
    assert.equal(existsSync(holderPaths(server.machine(), quick.stateDir).socket), false, "its socket is gone");
  });
});
