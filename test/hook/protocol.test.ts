/**
 * The hook under the daemon's side of the protocol (test/helpers/hook-driver.ts):
 * decline, postpone, accept, the same process for declined and postponed
 * requests and a new one after an accept, the log on fd 4, exit statuses,
 * and what the hook does with garbage from the daemon.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sleep, waitFor } from "../helpers/farm.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { tryAcquireSlot } from "../../src/offload/slots.ts";
import { wakeSlotWaiters } from "../../src/offload/hook/slot-wakeups.ts";
import { DAEMON_DEFAULTS, HookAgent, HookProtocolError } from "../helpers/hook-driver.ts";
import { hookFarm, OFFLOAD_GUIX, type HookFarm } from "../helpers/hook-farm.ts";

/** No stack trace ever reaches the daemon's pipe. */
function assertNoStackTrace(lines: readonly string[]): void {
  for (const line of lines) assert.doesNotMatch(line, /^\s+at |node:internal|Error: /, line);
}

describe("the hook under the daemon's protocol", () => {
  let farm: HookFarm;
  before(async () => {
    farm = await hookFarm(1, { features: ["big"] });
  });
  after(() => farm.stop());

  it("declines a build for another system and one needing a missing feature, in the same process", async () => {
    const driver = farm.driver();
    const otherSystem = await farm.derivation("arm", "echo arm > $out", { system: "aarch64-linux" });
    const needsKvm = await farm.derivation("kvm", "echo kvm > $out", { env: { requiredSystemFeatures: "kvm big" } });
    assert.equal((await driver.build(otherSystem)).outcome, "declined");
    assert.equal((await driver.build(needsKvm)).outcome, "declined");
    assert.equal(driver.agents.length, 1, "declining keeps the same hook process");
    const idle = await driver.close();
    assert.equal(idle?.status, 0, "the hook exits 0 when the daemon closes its requests");
  });

  it("accepts a build, sends the log to fd 4 and the messages to the reply pipe, then the next request gets a new process", async () => {
    const driver = farm.driver();
    const first = await farm.derivation("first", "echo building-first; echo one > $out", { env: { requiredSystemFeatures: "big" } });
    const second = await farm.derivation("second", "echo two > $out");
    const one = await driver.build(first);
    assert.equal(one.outcome, "built");
    if (one.outcome !== "built") return;
    assert.match(one.exit.log.toString(), /building-first/, "the remote builder's output on fd 4");
    assert.ok(one.exit.messages.includes(`offloading '${first}' to '127.0.0.1'...`), one.exit.messages.join("\n"));
    assert.ok(one.exit.messages.includes(`@ build-remote ${first} 127.0.0.1`));
    assert.deepEqual(driver.missingOutputs(first), [], "the output is valid locally");
    const [outPath] = await outputsOf(farm, first);
    assert.equal(readFileSync(farm.local.physical(outPath!), "utf8"), "one\n");
    assert.equal(farm.local.pathInfo(outPath!)?.deriver, first);
    const two = await driver.build(second);
    assert.equal(two.outcome, "built");
    assert.equal(driver.agents.length, 2, "one process per accepted build");
    assert.notEqual(driver.agents[0]!.pid, driver.agents[1]!.pid);
  });

  it("postpones while every slot is taken and accepts when the daemon asks again after a slot freed", async () => {
    const driver = farm.driver({ env: { ...farm.env, OFFLOAD_HOOK_HOLD: "0" }, pollIntervalMs: 200 });
    const drv = await farm.derivation("later", "echo later > $out");
    const taken = await tryAcquireSlot(farm.machines[0]!, farm.stateDir);
    assert.ok(taken !== null);
    try {
      const building = driver.build(drv);
      building.catch(() => undefined);
      // The driver re-asks every 200 ms; free the slot after the first postpone.
      await waitFor(() => driver.agents.length > 0, 12_000, "the hook");
      const agent = driver.agents[0]!;
      await waitFor(() => agent.transcript.includes("# postpone"), 12_000, "a postpone");
      taken.release();
      const result = await building.catch((error: unknown) => assert.fail(`${String(error)}; the hook said: ${agent.transcript.join(" | ")}`));
      assert.equal(result.outcome, "built");
      assert.equal(result.answers[0]!.reply, "postpone");
      assert.equal(result.answers.at(-1)!.reply, "accept");
      assert.ok(result.answers.slice(0, -1).every((answer) => answer.reply === "postpone"));
      assert.equal(driver.agents.length, 1, "the postponing process is the one that accepts");
    } finally {
      taken.release();
    }
  });

  it("holds the reply while every slot is taken, and accepts as soon as one frees, without a re-ask", async () => {
    // A postpone would end the build at once (maxWaitMs), failing the test.
    const driver = farm.driver({ pollIntervalMs: 600_000, maxWaitMs: 1 });
    const drv = await farm.derivation("held", "echo held > $out");
    const taken = await tryAcquireSlot(farm.machines[0]!, farm.stateDir);
    assert.ok(taken !== null);
    try {
      const building = driver.build(drv);
      building.catch(() => undefined);
      await waitFor(() => driver.agents.length > 0, 12_000, "the hook");
      await sleep(300);
      taken.release();
      await wakeSlotWaiters(farm.stateDir);
      const result = await building.catch((error: unknown) => assert.fail(`${String(error)}; the hook said: ${driver.agents[0]?.transcript.join(" | ")}`));
      assert.equal(result.outcome, "built");
      assert.deepEqual(
        result.answers.map((answer) => answer.reply),
        ["accept"],
      );
    } finally {
      taken.release();
    }
  });

  it("frees its slot when the daemon kills it in the middle of a build", async () => {
    const marker = join(tempDir("offload-marker-"), "started");
    const drv = await farm.derivation("killed-hook", `echo started > ${marker}; /bin/sleep 60; echo late > $out`);
    const driver = farm.driver();
    const building = driver.build(drv);
    await waitFor(() => existsSync(marker), 120_000, "the build");
    assert.equal(await tryAcquireSlot(farm.machines[0]!, farm.stateDir), null, "the hook holds the only slot");
    driver.agents[0]!.kill();
    const result = await building;
    assert.equal(result.outcome, "hook-failed");
    const slot = await tryAcquireSlot(farm.machines[0]!, farm.stateDir);
    assert.ok(slot !== null, "the slot is free again");
    slot.release();
  });

  it("declines everything when the machines file is missing", async () => {
    const driver = farm.driver({ env: { ...farm.env, OFFLOAD_MACHINES: `${farm.machinesFile}.missing` } });
    assert.equal((await driver.build(await farm.derivation("nofile", "echo x > $out"))).outcome, "declined");
    await driver.close();
  });

  it("reports a machines file that does not load with its location, and fails without replying, as guix offload", async () => {
    const broken = `${farm.machinesFile}.broken.scm`;
    writeFileSync(broken, '(list (build-machine\n  (name "x")))\n');
    const driver = farm.driver({ env: { ...farm.env, OFFLOAD_MACHINES: broken } });
    await assert.rejects(
      driver.build(await farm.derivation("broken", "echo x > $out")),
      (error: unknown) => error instanceof HookProtocolError && error.message === "unexpected EOF reading a line",
    );
    const agent = driver.agents[0]!;
    const exit = await agent.wait(30_000);
    assert.equal(exit.status, 1);
    assert.ok(
      agent.transcript.some((line) => line.startsWith(`offload: error: ${broken}:1:`) && line.includes("missing field initializers")),
      agent.transcript.join("\n"),
    );
    assertNoStackTrace(agent.transcript);
  });

  it("answers garbage from the daemon with a clear message and status 1, never a stack trace", async () => {
    const settings = { system: farm.local.system, ...DAEMON_DEFAULTS };
    const garbage = HookAgent.start([OFFLOAD_GUIX], settings, farm.env);
    await garbage.writeRequests("hello daemon\n", true);
    const exit = await garbage.wait(60_000);
    assert.equal(exit.status, 1);
    assert.deepEqual(garbage.transcript, ['offload: error: invalid request line: "hello daemon"']);

    const closed = HookAgent.start([OFFLOAD_GUIX], settings, farm.env);
    const answer = await closed.ask(driverRequest(await farm.derivation("cut", "echo cut > $out"), farm.local.system));
    assert.equal(answer.reply, "accept");
    closed.closeRequests();
    const cut = await closed.wait(60_000);
    assert.equal(cut.status, 1);
    assert.ok(
      cut.messages.some((line) => /closed the pipe before sending the inputs and outputs/.test(line)),
      cut.messages.join("\n"),
    );
    assertNoStackTrace(closed.transcript);
    assert.equal(await tryAcquireSlot(farm.machines[0]!, farm.stateDir).then((slot) => (slot?.release(), slot !== null)), true, "its slot is free again");

    const wrongArgs = HookAgent.start([OFFLOAD_GUIX], { ...settings, system: "Not A System" }, farm.env);
    wrongArgs.closeRequests();
    const refused = await wrongArgs.wait(60_000);
    assert.equal(refused.status, 1);
    assert.match(wrongArgs.transcript.join("\n"), /^offload: error: invalid arguments: /);
  });
});

function driverRequest(drvPath: string, system: string): { amWilling: boolean; system: string; drvPath: string; features: string[] } {
  return { amWilling: true, system, drvPath, features: [] };
}

async function outputsOf(farm: HookFarm, drvPath: string): Promise<string[]> {
  const store = await farm.local.connect();
  try {
    return await store.queryDerivationOutputs(drvPath);
  } finally {
    store.close();
  }
}
