import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freePort, startSshd, type TestSshd } from "../../test/helpers/sshd.ts";
import { SshError } from "./errors.ts";
import { JOBS_PER_CONNECTION, laneOf, SessionPool } from "./pool.ts";

let first: TestSshd;
let second: TestSshd;

before(async () => {
  [first, second] = await Promise.all([startSshd(), startSshd()]);
});
after(async () => {
  await Promise.all([first.stop(), second.stop()]);
});

/** How many logins a server has accepted so far. */
function logins(server: TestSshd): number {
  return server.log().match(/Accepted publickey/g)?.length ?? 0;
}

describe("SessionPool", () => {
  it("shares one connection per machine, even between concurrent callers", async () => {
    const pool = new SessionPool({ agentSocket: "" });
    const before = logins(first);
    const sessions = await Promise.all(Array.from({ length: 5 }, () => pool.get(first.machine())));
    assert.ok(sessions.every((session) => session === sessions[0]));
    assert.equal(await pool.get(first.machine()), sessions[0]);
    const outputs = await Promise.all(sessions.map((session, i) => session.output(["echo", String(i)])));
    assert.deepEqual(outputs, ["0\n", "1\n", "2\n", "3\n", "4\n"]);
    assert.equal(logins(first) - before, 1);
    assert.notEqual(await pool.get(second.machine()), sessions[0]);
    assert.equal(pool.size, 2);
    pool.closeAll();
  });

  it("keeps records that connect differently apart, but not ones differing in a key comment", async () => {
    const pool = new SessionPool({ agentSocket: "" });
    const plain = await pool.get(first.machine());
    const [type, base64] = first.hostKeys[0]!.publicLine.split(" ");
    assert.equal(await pool.get(first.machine({ hostKey: `${type} ${base64} another comment` })), plain);
    assert.notEqual(await pool.get(first.machine({ compression: "none" })), plain);
    pool.closeAll();
  });

  it("reconnects after the connection was lost", async () => {
    const pool = new SessionPool({ agentSocket: "" });
    const lostOne = await pool.get(first.machine());
    const lost = new Promise<SshError | undefined>((resolve) => lostOne.onClose(resolve));
    first.killSessions("SIGKILL");
    assert.equal((await lost)?.code, "connection-lost");
    const fresh = await pool.get(first.machine());
    assert.notEqual(fresh, lostOne);
    assert.equal((await fresh.output(["echo", "back"])).trim(), "back");
    pool.closeAll();
  });

  it("does not keep failed connection attempts", async () => {
    const pool = new SessionPool({ agentSocket: "" });
    const machine = first.machine({ port: await freePort() });
    await assert.rejects(pool.get(machine), (error: unknown) => error instanceof SshError && error.code === "refused");
    assert.equal(pool.size, 0);
  });

  it("closes everything with closeAll and connects afresh afterwards", async () => {
    const pool = new SessionPool({ agentSocket: "" });
    const session = await pool.get(first.machine());
    const closed = new Promise<SshError | undefined>((resolve) => session.onClose(resolve));
    pool.closeAll();
    assert.equal(await closed, undefined);
    assert.equal(pool.size, 0);
    const again = await pool.get(first.machine());
    assert.notEqual(again, session);
    pool.closeAll();
  });

  // Moved from offload/connections.ts, the engine's own pool before there was one.
  it("maps slots to lanes", () => {
    assert.equal(laneOf(0), 0);
    assert.equal(laneOf(JOBS_PER_CONNECTION - 1), 0);
    assert.equal(laneOf(JOBS_PER_CONNECTION), 1);
  });

  it("reuses one session per lane and reconnects after a loss", async () => {
    const pool = new SessionPool({ agentSocket: "", timeoutMs: 5_000 });
    try {
      const machine = first.machine();
      const [a, b] = await Promise.all([pool.get(machine, laneOf(0)), pool.get(machine, laneOf(1))]);
      assert.equal(a, b);
      const other = await pool.get(machine, laneOf(JOBS_PER_CONNECTION));
      assert.notEqual(other, a);
      first.killSessions();
      await new Promise<void>((resolve) => a.onClose(() => resolve()));
      const fresh = await pool.get(machine, laneOf(0));
      assert.notEqual(fresh, a);
      assert.equal((await fresh.output(["echo", "ok"])).trim(), "ok");
    } finally {
      pool.closeAll();
    }
  });

  it("does not cache a failed connect", async () => {
    const pool = new SessionPool({ agentSocket: "", timeoutMs: 5_000 });
    const dead = first.machine({ port: await freePort() });
    await assert.rejects(pool.get(dead), { code: "refused" });
    await assert.rejects(pool.get(dead), { code: "refused" });
    pool.closeAll();
  });
});
