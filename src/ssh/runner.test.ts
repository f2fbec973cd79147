import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { startSshd, type TestSshd } from "../../test/helpers/sshd.ts";
import { jobScript, newStartToken } from "./remote-shell.ts";
import { RemoteRunner } from "./runner.ts";
import { SshSession } from "./session.ts";

async function text(stream: Readable): Promise<string> {
  let all = "";
  for await (const chunk of stream) all += (chunk as Buffer).toString("utf8");
  return all;
}

const noInputs = { directories: [], files: [], symlinks: [] };

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
});
