import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BuildMachine } from "../../machines/types.ts";
import { activeBackoff } from "../backoff.ts";
import type { ProbeFacts } from "../probe-cache.ts";
import { tryAcquireSlot } from "../slots.ts";
import { machineRecord } from "../../../test/helpers/sshd.ts";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { HookDecider } from "./decision.ts";
import type { HookRequest } from "./request.ts";
import { wakeSlotWaiters } from "./slot-wakeups.ts";

function machine(name: string, overrides: Partial<BuildMachine> = {}): BuildMachine {
  return machineRecord({ name, systems: ["x86_64-linux"], ...overrides });
}

const idle: ProbeFacts = { load: [0, 0, 0], cores: 4, diskFreeBytes: 10 * 1024 ** 3 };
const request = (drv: string, features: string[] = [], system = "x86_64-linux"): HookRequest => ({
  amWilling: true,
  system,
  drvPath: `/gnu/store/${drv}.drv`,
  features,
});

describe("hook decisions", () => {
  it("declines when no machine has the system or the features", async () => {
    const decider = new HookDecider({ stateDir: tempDir(), probe: async () => idle, holdMs: 0 });
    const machines = [machine("a"), machine("b", { features: ["kvm"] })];
    const other = await decider.decide(machines, request("x", [], "aarch64-linux"));
    assert.equal(other.reply, "decline");
    assert.deepEqual(other.reply === "decline" && other.exclusions.map((e) => e.reason), ["other-systems", "other-systems"]);
    assert.equal((await decider.decide(machines, request("y", ["big-parallel"]))).reply, "decline");
    assert.equal((await decider.decide([], request("z"))).reply, "decline");
    assert.equal((await decider.decide([machine("c", { problems: ["field port should be a number"] })], request("w"))).reply, "decline");
  });

  it("accepts on a machine with the features, holding one of its slots", async () => {
    const stateDir = tempDir();
    const decider = new HookDecider({ stateDir, probe: async () => idle, holdMs: 0 });
    const decision = await decider.decide([machine("a"), machine("b", { features: ["kvm"] })], request("x", ["kvm"]));
    assert.equal(decision.reply, "accept");
    if (decision.reply !== "accept") return;
    assert.equal(decision.machine.name, "b");
    assert.equal(await tryAcquireSlot(decision.machine, stateDir), null, "the slot is held");
    decision.slot.release();
  });

  it("postpones when every matching machine is overloaded, backed off or unreachable", async () => {
    const stateDir = tempDir();
    const loaded = new HookDecider({ stateDir, probe: async () => ({ ...idle, load: [4, 4, 4] }), holdMs: 60_000 });
    assert.equal((await loaded.decide([machine("a")], request("x"))).reply, "postpone");
    const dead = new HookDecider({ stateDir, probe: async () => Promise.reject(new Error("connection refused")), holdMs: 60_000 });
    const decision = await dead.decide([machine("b")], request("y"));
    assert.equal(decision.reply, "postpone");
    assert.equal(activeBackoff(machine("b"), stateDir)?.lastError, "connection refused");
    assert.equal((await dead.decide([machine("b")], request("y"))).reply, "postpone", "backed off: not probed again");
  });

  it("postpones at once when every slot is taken and holding is off", async () => {
    const stateDir = tempDir();
    const busy = await tryAcquireSlot(machine("a"), stateDir);
    const decider = new HookDecider({ stateDir, probe: async () => idle, holdMs: 0 });
    const decision = await decider.decide([machine("a")], request("x"));
    assert.equal(decision.reply, "postpone");
    assert.deepEqual(decision.reply === "postpone" && decision.exclusions.map((e) => e.reason), ["busy"]);
    busy!.release();
  });

  it("holds the reply while the machines are busy and accepts when a slot is freed", async () => {
    const stateDir = tempDir();
    const busy = await tryAcquireSlot(machine("a"), stateDir);
    const decider = new HookDecider({ stateDir, probe: async () => idle, holdMs: 600_000, pollMs: 600_000 });
    let settled = false;
    const deciding = decider.decide([machine("a")], request("x")).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(settled, false, "still holding");
    busy!.release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await wakeSlotWaiters(stateDir);
    const decision = await deciding;
    assert.equal(decision.reply, "accept");
    if (decision.reply === "accept") decision.slot.release();
    decider.close();
  });

  it("lets only the designated derivation hold; the others of the round are postponed at once", async () => {
    const stateDir = tempDir();
    const busy = await tryAcquireSlot(machine("a"), stateDir);
    const controller = new AbortController();
    const decider = new HookDecider({ stateDir, probe: async () => idle, holdMs: 600_000, pollMs: 50 });
    const first = decider.decide([machine("a")], request("first"), controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    assert.equal((await first).reply, "postpone", "the daemon went away: the hold ends");
    // Were the second request allowed to hold, this would wait ten minutes and time the test out.
    assert.equal((await decider.decide([machine("a")], request("second"))).reply, "postpone");
    busy!.release();
    decider.close();
  });
});
