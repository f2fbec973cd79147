import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { startSshd, type TestSshd } from "../../test/helpers/sshd.ts";
import { jobScript, newStartToken, runnerScript, supervisedScript } from "./remote-shell.ts";
import { RemoteRunner } from "./runner.ts";
import { SshSession } from "./session.ts";

async function text(stream: Readable): Promise<string> {
  let all = "";
  for await (const chunk of stream) all += (chunk as Buffer).toString("utf8");
  return all;
}

const noInputs = { directories: [], files: [], symlinks: [] };

/** A cgroup v1 freezer (frozen tasks there stay, even once SIGKILLed, until thawed), or why there is none. */
const FREEZER = "/sys/fs/cgroup/freezer";
const freezerMissing = ((): string | false => {
  if (process.getuid?.() !== 0) return "needs root, for a cgroup v1 freezer";
  return existsSync(join(FREEZER, "freezer.state")) || existsSync(join(FREEZER, "tasks")) ? false : "needs a cgroup v1 freezer (/sys/fs/cgroup/freezer)";
})();

/** The pipe a process has as `fd`, or undefined. */
function pipeOf(pid: number, fd: number): string | undefined {
  try {
    const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    return target.startsWith("pipe:") ? target : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `found` every 20 ms, for at most `ms`. */
async function poll<T>(found: () => T | undefined, ms: number, what: string): Promise<T> {
  for (let waited = 0; waited <= ms; waited += 20) {
    const value = found();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("a remote runner", { timeout: 60_000 }, () => {
  let server: TestSshd;
  let session: SshSession;
  before(async () => {
    // A login shell that is slow to start: the runner pays it once, its jobs never.
    server = await startSshd({ rc: `echo "rc ran" >> "$HOME/rc-runs"` });
    session = await SshSession.connect(server.machine());
  });
  after(async () => {
    session.close();
    await server.stop();
  });

  it("runs scripts one after another, output and status apart, the login shell's startup files read once", async () => {
    const runner = await RemoteRunner.start(session);
    try {
      for (let i = 0; i < 3; i++) {
        const script = runner.run("plain", `echo out ${i}; printf 'no newline'; echo err >&2; exit ${i + 3}`);
        assert.deepEqual(await Promise.all([text(script.stdout), text(script.stderr), script.exit]), [
          `out ${i}\nno newline`,
          "err\n",
          { code: i + 3, signal: null },
        ]);
      }
      const binary = runner.run("plain", "head -c 300000 /dev/urandom | od -An -v | head -c 100000; printf '\\000\\377'");
      const [bytes] = await Promise.all([text(binary.stdout), binary.exit]);
      assert.equal(bytes.length, 100_002);
      assert.equal((await import("node:fs")).readFileSync(join(server.home, "rc-runs"), "utf8"), "rc ran\n");
    } finally {
      runner.close();
    }
  });

  it("runs supervised jobs: start line, set-up apart, signals, stop, and their scratch directories go with the lease", async () => {
    const runner = await RemoteRunner.start(session);
    try {
      const token = newStartToken();
      const kept = runner.run(
        "job",
        jobScript({
          jobId: "kept",
          token,
          inputs: noInputs,
          command: ["sh", "-c", "echo made > out; echo done"],
          env: {},
          cleanUpAfter: false,
          underRunner: true,
        }),
        token,
        "kept",
      );
      assert.deepEqual(await Promise.all([text(kept.stdout), text(kept.stderr), kept.exit, kept.started]), ["done\n", "", { code: 0, signal: null }, true]);
      assert.ok(existsSync(join(server.home, ".cache", "offload", "jobs", "kept", "out")), "kept for its download");

      const stopToken = newStartToken();
      const stopped = runner.run(
        "job",
        jobScript({ jobId: "stopped", token: stopToken, inputs: noInputs, command: ["sleep", "30"], env: {}, cleanUpAfter: false, underRunner: true }),
        stopToken,
        "stopped",
      );
      void text(stopped.stdout);
      void text(stopped.stderr);
      assert.equal(await stopped.started, true);
      stopped.stop();
      assert.deepEqual(await stopped.exit, { code: 143, signal: null });

      const signalToken = newStartToken();
      const signalled = runner.run(
        "job",
        jobScript({
          jobId: "signalled",
          token: signalToken,
          inputs: noInputs,
          command: ["sh", "-c", "trap 'echo got-int; exit 7' INT; echo ready; while :; do sleep 0.05; done"],
          env: {},
          cleanUpAfter: true,
          underRunner: true,
        }),
        signalToken,
        "signalled",
      );
      const output = text(signalled.stdout);
      void text(signalled.stderr);
      await signalled.started;
      await new Promise((resolve) => setTimeout(resolve, 200));
      signalled.signal("INT");
      assert.deepEqual(await signalled.exit, { code: 7, signal: null });
      assert.equal(await output, "ready\ngot-int\n");

      await runner.release();
      assert.deepEqual(readdirSync(join(server.home, ".cache", "offload", "jobs")), [], "the lease's leftovers are gone");
      const after = runner.run("plain", "echo still here");
      assert.equal(await text(after.stdout), "still here\n");
    } finally {
      runner.close();
    }
  });

  it("stops its job and removes what the lease left when its channel ends", async () => {
    const runner = await RemoteRunner.start(session);
    const token = newStartToken();
    const marker = join(server.home, "survived");
    const job = runner.run(
      "job",
      jobScript({
        jobId: "abandoned",
        token,
        inputs: noInputs,
        command: ["sh", "-c", `sleep 2; touch ${marker}`],
        env: {},
        cleanUpAfter: false,
        underRunner: true,
      }),
      token,
      "abandoned",
    );
    void text(job.stdout);
    void text(job.stderr);
    await job.started;
    runner.close();
    await assert.rejects(job.exit, { code: "connection-lost" });
    for (let i = 0; i < 100 && existsSync(join(server.home, ".cache", "offload", "jobs", "abandoned")); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(existsSync(join(server.home, ".cache", "offload", "jobs", "abandoned")), false);
    await new Promise((resolve) => setTimeout(resolve, 2300));
    assert.equal(existsSync(marker), false, "the job was stopped");
  });

  it("refuses a script that lost bytes on the way instead of running what is left of it, and is not used again", async () => {
    // A channel that loses bytes: a filter between the channel and the runner drops every "DROPME".
    const channel = await session.exec(["sh", "-c", `sed -u s/DROPME// | sh -c "$1"`, "lossy", runnerScript()], { stdin: "pipe" });
    assert.equal(await channel.started, true);
    const runner = RemoteRunner.adopt(session, channel);
    const marker = join(server.home, "damaged-script-ran");
    const intact = runner.run("plain", "echo intact");
    assert.equal(await text(intact.stdout), "intact\n");
    assert.deepEqual(await intact.exit, { code: 0, signal: null });
    const damaged = runner.run("plain", `touch ${marker} # DROPME`);
    const stderr = text(damaged.stderr);
    void text(damaged.stdout);
    await assert.rejects(damaged.exit, { code: "connection-lost", message: /a script reached the runner damaged/ });
    assert.match(await stderr, /offload: a script reached the runner damaged \(\d+ of \d+ bytes\)/);
    assert.equal(existsSync(marker), false, "the damaged script did not run");
    assert.equal(runner.closed, true);
  });

  it(
    "reaps a job's watchdog before the job's end line: killed but not yet run, it would take a byte of the next script",
    { skip: freezerMissing },
    async () => {
      const runner = await RemoteRunner.start(session);
      const frozen = join(FREEZER, `offload-test-${process.pid}`);
      mkdirSync(frozen);
      try {
        const token = newStartToken();
        const job = runner.run("job", supervisedScript({ token, argv: ["sleep", "0.3"] }), token);
        void text(job.stdout);
        void text(job.stderr);
        // The watchdog reads the channel (its fd 0 and 3) and is the only one of the job's processes blocked reading it.
        const watchdog = await poll(
          () =>
            server.sessionPids().find((pid) => {
              const control = pipeOf(pid, 3);
              if (control === undefined || pipeOf(pid, 0) !== control) return false;
              try {
                return readFileSync(`/proc/${pid}/wchan`, "utf8").includes("pipe_read");
              } catch {
                return false;
              }
            }),
          10_000,
          "the job's watchdog",
        );
        // Frozen, the watchdog outlives its SIGKILL until thawed: the end line must wait for it.
        writeFileSync(join(frozen, "tasks"), String(watchdog));
        writeFileSync(join(frozen, "freezer.state"), "FROZEN");
        const ended = await Promise.race([job.exit.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 1_500))]);
        assert.equal(ended, false, "the end line came while the killed watchdog could still read the channel");
        writeFileSync(join(frozen, "freezer.state"), "THAWED");
        assert.deepEqual(await job.exit, { code: 0, signal: null });
        const line = "0123456789".repeat(50);
        const next = runner.run("plain", `printf '%s\\n' '${line}'`);
        assert.equal(await text(next.stdout), `${line}\n`);
        assert.deepEqual(await next.exit, { code: 0, signal: null });
      } finally {
        writeFileSync(join(frozen, "freezer.state"), "THAWED");
        await poll(() => (readFileSync(join(frozen, "tasks"), "utf8").trim() === "" ? true : undefined), 5_000, "the frozen cgroup to empty").catch(
          () => undefined,
        );
        rmdirSync(frozen);
        runner.close();
      }
    },
  );

  it("keeps its channel from the job's command: only the supervisor reads control lines", async () => {
    const runner = await RemoteRunner.start(session);
    try {
      const token = newStartToken();
      const job = runner.run("job", supervisedScript({ token, argv: ["sh", "-c", "[ -e /proc/$$/fd/3 ] && echo open || echo closed"] }), token);
      void text(job.stderr);
      assert.equal(await text(job.stdout), "closed\n");
      assert.deepEqual(await job.exit, { code: 0, signal: null });
    } finally {
      runner.close();
    }
  });
});
