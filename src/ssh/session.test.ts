import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import ssh2 from "ssh2";
import type { ClientChannel } from "ssh2";
import { sharedClientKey, startSshd, type TestSshd } from "../../test/helpers/sshd.ts";
import { SshError } from "./errors.ts";
import { newStartToken, supervisedScript } from "./remote-shell.ts";
import { SshSession, type ConnectOptions } from "./session.ts";

const isolated: ConnectOptions = { agentSocket: "", timeoutMs: 10_000 };
let server: TestSshd;
let session: SshSession;

before(async () => {
  server = await startSshd();
  session = await SshSession.connect(server.machine(), isolated);
});
after(async () => {
  session.close();
  await server.stop();
});

/** Poll `condition` every 20 ms, at most `limit` times. */
async function waitFor(condition: () => boolean, what: string, limit = 250): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`gave up waiting for ${what}`);
}

/** Names of the server's per-connection processes (sshd, shells, commands). */
function sessionCommands(target: TestSshd): string[] {
  return target.sessionPids().flatMap((pid) => {
    try {
      return [readFileSync(`/proc/${pid}/comm`, "utf8").trim()];
    } catch {
      return [];
    }
  });
}

describe("SshSession.exec and run", () => {
  it("passes every argument exactly, however awkward", async () => {
    const args = ["", "two words", "it's", '"q"', "$HOME", "`id`", "$(id)", "a;b", "x\ny", "*", "~", "-n", "é 漢字 🚀", "A=b", "\\"];
    const { stdout } = await session.run(["printf", "%s\\0", ...args]);
    assert.deepEqual(stdout.toString("utf8").split("\0").slice(0, -1), args);
  });

  it("sets environment values and the working directory without AcceptEnv", async () => {
    const env = { ODD: `a'b "c" $d; e\nf`, LANG_TEST: "é" };
    const out = await session.output(["sh", "-c", 'printf "%s|%s|%s" "$ODD" "$LANG_TEST" "$(pwd)"'], { env, cwd: "/tmp" });
    assert.equal(out, `${env.ODD}|${env.LANG_TEST}|/tmp`);
  });

  it("starts in the remote home", async () => {
    assert.equal((await session.output(["pwd"])).trim(), server.home);
  });

  it("streams stdin and reports exit codes and signals", async () => {
    const input = Buffer.alloc(1024 * 1024, 7);
    assert.equal((await session.output(["wc", "-c"], { input })).trim(), String(input.length));
    assert.equal((await session.run(["sh", "-c", "exit 7"])).code, 7);
    const killed = await session.run(["sh", "-c", "kill -9 $$"]);
    assert.equal(killed.code, null);
    assert.match(killed.signal ?? "", /KILL/);
  });

  it("gives cat an immediate end of input with stdin ignore", async () => {
    const child = await session.exec(["cat"], { stdin: "ignore" });
    child.stdout.resume();
    child.stderr.resume();
    assert.deepEqual(await child.exit, { code: 0, signal: null });
  });

  it("delivers signals to the remote command, even after its stdin was closed", async () => {
    const token = newStartToken();
    const child = await session.supervise(supervisedScript({ token, argv: ["sleep", "30"] }), token);
    child.stdout.resume();
    child.stderr.resume();
    await waitFor(() => sessionCommands(server).includes("sleep"), "sleep to start");
    child.signal("TERM");
    const status = await child.exit;
    assert.equal(status.code, null);
    assert.match(status.signal ?? "", /TERM/);
  });

  it("kills a command that outlives its timeout", async () => {
    await assert.rejects(
      session.run(["sleep", "7.25"], { timeoutMs: 200 }),
      (error: unknown) => error instanceof SshError && error.code === "timeout" && /did not finish within 200 ms/.test(error.message),
    );
    await waitFor(() => !sessionCommands(server).includes("sleep"), "the timed-out sleep to be killed");
  });

  it("times out a command whose login shell never gets to start it", async () => {
    const stuck = await startSshd({ rc: "sleep 3" });
    try {
      const own = await SshSession.connect(stuck.machine(), isolated);
      await assert.rejects(own.run(["true"], { timeoutMs: 300 }), (error: unknown) => error instanceof SshError && error.code === "timeout");
      own.close();
    } finally {
      await stuck.stop();
    }
  });

  it("bounds collected output", async () => {
    await assert.rejects(
      session.run(["head", "-c", "100000", "/dev/zero"], { maxOutputBytes: 1000 }),
      (error: unknown) => error instanceof SshError && error.code === "remote-command-failed" && /exceeded 1000 bytes/.test(error.message),
    );
  });

  it("turns a failing command into remote-command-failed quoting stderr", async () => {
    await assert.rejects(
      session.output(["sh", "-c", "echo first >&2; echo 'it broke' >&2; exit 3"]),
      (error: unknown) => error instanceof SshError && error.code === "remote-command-failed" && /status 3: first \/ it broke/.test(error.message),
    );
  });

  it("runs more commands at once than sshd's MaxSessions by queueing channels", async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => session.output(["sh", "-c", 'sleep 0.1; echo "$0"', String(i)])));
    assert.deepEqual(
      results.map((text) => Number(text.trim())),
      Array.from({ length: 25 }, (_, i) => i),
    );
  });

  it("opens SFTP channels", async () => {
    const sftp = await session.sftp();
    const file = `${server.home}/sftp-file`;
    await new Promise<void>((resolve, reject) => sftp.writeFile(file, "over sftp", (error) => (error ? reject(error) : resolve())));
    sftp.end();
    assert.equal(readFileSync(file, "utf8"), "over sftp");
  });
});

describe("SshSession lifetime", () => {
  it("reports a clean close to onClose without an error, and refuses new commands", async () => {
    const own = await SshSession.connect(server.machine(), isolated);
    const closed = new Promise<SshError | undefined>((resolve) => own.onClose(resolve));
    own.close();
    assert.equal(await closed, undefined);
    assert.equal(own.closed, true);
    await assert.rejects(own.run(["true"]), (error: unknown) => error instanceof SshError && error.code === "connection-lost");
  });

  it("fails a running command with connection-lost when the server is killed mid-command", async () => {
    const victim = await startSshd();
    try {
      const own = await SshSession.connect(victim.machine(), isolated);
      const lost = new Promise<SshError | undefined>((resolve) => own.onClose(resolve));
      const running = own.run(["sleep", "30"]);
      await waitFor(() => sessionCommands(victim).includes("sleep"), "sleep to start");
      victim.killSessions("SIGKILL");
      await assert.rejects(running, (error: unknown) => error instanceof SshError && error.code === "connection-lost");
      assert.equal((await lost)?.code, "connection-lost");
    } finally {
      await victim.stop();
    }
  });

  it("notices a peer that stops answering through keep-alives", async () => {
    const frozen = await startSshd();
    try {
      const own = await SshSession.connect(frozen.machine(), { ...isolated, keepaliveIntervalMs: 100, keepaliveCountMax: 2 });
      const lost = new Promise<SshError | undefined>((resolve) => own.onClose(resolve));
      frozen.killSessions("SIGSTOP");
      const error = await lost;
      assert.equal(error?.code, "connection-lost");
      assert.match(error?.message ?? "", /no answer to keep-alives/);
      frozen.killSessions("SIGKILL");
    } finally {
      await frozen.stop();
    }
  });
});

describe("the ssh2 1.17 behaviour session.ts works around", () => {
  it("ssh2 leaves a dead connection's channels open for sending, which throws once compression is torn down", async () => {
    const victim = await startSshd();
    try {
      const machine = victim.machine();
      const client = new ssh2.Client();
      await new Promise<void>((resolve, reject) => {
        client.once("ready", () => resolve());
        client.once("error", reject);
        client.connect({
          host: machine.name,
          port: machine.port,
          username: machine.user,
          privateKey: readFileSync(sharedClientKey().privateKeyFile),
          hostVerifier: () => true,
          algorithms: { compress: ["zlib@openssh.com"] },
        });
      });
      client.on("error", () => undefined);
      const channel = await new Promise<ClientChannel>((resolve, reject) =>
        client.exec("sleep 30", (error, opened) => (error ? reject(error) : resolve(opened))),
      );
      channel.on("error", () => undefined);
      channel.resume();
      channel.stderr.resume();
      await waitFor(() => sessionCommands(victim).includes("sleep"), "sleep to start");
      const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
      victim.killSessions("SIGKILL");
      await closed;
      const internals = channel as unknown as { outgoing: { state: string } };
      assert.equal(internals.outgoing.state, "open", "ssh2 now marks a dead connection's channels closed: disarm() in session.ts may be unneeded");
      assert.throws(() => channel.eof(), /Invalid Zlib instance/);
    } finally {
      await victim.stop();
    }
  });

  it("lets a command's input end after its compressed connection died, without crashing", async () => {
    const victim = await startSshd();
    try {
      const own = await SshSession.connect(victim.machine(), isolated);
      assert.equal(own.negotiated.cs.compress, "zlib@openssh.com");
      const child = await own.exec(["sleep", "30"], { stdin: "pipe" });
      child.stdout.resume();
      child.stderr.resume();
      await waitFor(() => sessionCommands(victim).includes("sleep"), "sleep to start");
      const lost = new Promise<void>((resolve) => own.onClose(() => resolve()));
      victim.killSessions("SIGKILL");
      await lost;
      const finished = new Promise<void>((resolve) => child.stdin.once("finish", () => resolve()));
      child.stdin.end();
      await finished;
      await new Promise((resolve) => setImmediate(resolve)); // where the EOF would have been sent
      await assert.rejects(child.exit, (error: unknown) => error instanceof SshError && error.code === "connection-lost");
    } finally {
      await victim.stop();
    }
  });
});
