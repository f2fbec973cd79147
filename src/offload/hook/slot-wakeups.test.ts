import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { SlotWaiter, wakeSlotWaiters, wakeupPrefix } from "./slot-wakeups.ts";

const moduleUrl = new URL("./slot-wakeups.ts", import.meta.url).href;

/** Wake the waiters of `stateDir` from another process, as a hook that frees a slot does. */
function wakeFromAnotherProcess(stateDir: string): Promise<string> {
  const script = `const { wakeSlotWaiters } = await import(${JSON.stringify(moduleUrl)}); console.log(await wakeSlotWaiters(${JSON.stringify(stateDir)}));`;
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { cwd: fileURLToPath(new URL("../../..", import.meta.url)) },
      (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
    ),
  );
}

describe("slot wake-ups", () => {
  it("wakes a waiter from another process", async () => {
    const stateDir = tempDir("offload-wake-");
    const waiter = await SlotWaiter.register(stateDir);
    assert.ok(waiter.name.startsWith(wakeupPrefix(stateDir)));
    const waiting = waiter.wait(60_000);
    assert.equal(await wakeFromAnotherProcess(stateDir), "1");
    assert.equal(await waiting, "woken");
    waiter.close();
  });

  it("keeps a wake-up that comes between two waits", async () => {
    const stateDir = tempDir("offload-wake-");
    const waiter = await SlotWaiter.register(stateDir);
    assert.equal(await wakeSlotWaiters(stateDir), 1);
    for (let i = 0; i < 100 && (await waiter.wait(0)) !== "woken"; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await waiter.wait(0), "timeout");
    waiter.close();
  });

  it("does not wake waiters of another state directory, and ends a wait on abort", async () => {
    const mine = await SlotWaiter.register(tempDir("offload-wake-"));
    assert.equal(await wakeSlotWaiters(tempDir("offload-wake-")), 0);
    const controller = new AbortController();
    const waiting = mine.wait(60_000, controller.signal);
    controller.abort();
    assert.equal(await waiting, "aborted");
    mine.close();
    assert.equal(await wakeSlotWaiters(tempDir("offload-wake-")), 0);
  });
});
