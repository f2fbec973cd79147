import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { slotsInUse, tryAcquireSlot, type Slot } from "./slots.ts";

const stateDir = mkdtempSync(join(tmpdir(), "offload-slots-"));
after(() => rmSync(stateDir, { recursive: true, force: true }));

const slotsModule = fileURLToPath(new URL("./slots.ts", import.meta.url));

/** A separate node process that takes `count` slots, prints "held N", then sleeps. */
function holderProcess(machine: { name: string; port: number; parallelBuilds: number }, count: number): Promise<{ child: ChildProcess; held: number }> {
  const code = `
    const { tryAcquireSlot } = await import(${JSON.stringify(slotsModule)});
    let held = 0;
    for (let i = 0; i < ${count}; i++) if (await tryAcquireSlot(${JSON.stringify(machine)}, ${JSON.stringify(stateDir)})) held++;
    process.stdout.write("held " + held + "\\n");
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /held (\d+)\n/.exec(out);
      if (match) resolve({ child, held: Number(match[1]) });
    });
    child.once("exit", (code) => reject(new Error(`holder exited early with ${code}: ${out}`)));
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/** Poll (bounded) for a condition about the marker files, which are written in the background. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition());
}

describe("slots", () => {
  it("holds at most parallel-builds slots and frees them on release", async () => {
    const machine = { name: "alpha", port: 22, parallelBuilds: 2 };
    const first = await tryAcquireSlot(machine, stateDir);
    const second = await tryAcquireSlot(machine, stateDir);
    const third = await tryAcquireSlot(machine, stateDir);
    assert.ok(first && second);
    assert.equal(third, null);
    assert.deepEqual([first.index, second.index].sort(), [0, 1]);
    assert.equal(slotsInUse(machine, stateDir), 2);
    assert.equal(existsSync(first.markerFile), false, "no marker for a slot just taken");
    await waitUntil(() => existsSync(first.markerFile) && readFileSync(first.markerFile, "utf8").includes("since"));
    assert.match(readFileSync(first.markerFile, "utf8"), new RegExp(`pid ${process.pid}`));
    first.release();
    first.release();
    await waitUntil(() => !existsSync(first.markerFile));
    assert.equal(slotsInUse(machine, stateDir), 1);
    const again = await tryAcquireSlot(machine, stateDir);
    assert.equal(again?.index, first.index);
    again?.release();
    second.release();
    assert.equal(slotsInUse(machine, stateDir), 0);
  });

  it("keeps machines, ports and state directories apart", async () => {
    const a = { name: "beta", port: 22, parallelBuilds: 1 };
    const b = { name: "beta", port: 2222, parallelBuilds: 1 };
    const otherState = mkdtempSync(join(tmpdir(), "offload-slots-other-"));
    const held: Slot[] = [];
    try {
      for (const [machine, dir] of [
        [a, stateDir],
        [b, stateDir],
        [a, otherState],
      ] as const) {
        const slot = await tryAcquireSlot(machine, dir);
        assert.ok(slot, `slot for ${machine.name}:${machine.port} in ${dir}`);
        held.push(slot);
      }
      assert.equal(slotsInUse(a, stateDir), 1);
      assert.equal(slotsInUse(b, stateDir), 1);
      assert.equal(slotsInUse(a, otherState), 1);
    } finally {
      for (const slot of held) slot.release();
      rmSync(otherState, { recursive: true, force: true });
    }
  });

  it("never hands out a slot for parallel-builds 0", async () => {
    assert.equal(await tryAcquireSlot({ name: "zero", port: 22, parallelBuilds: 0 }, stateDir), null);
  });

  it("is shared between processes, and kill -9 of a holder frees its slots", async () => {
    const machine = { name: "gamma", port: 22, parallelBuilds: 3 };
    const { child, held } = await holderProcess(machine, 2);
    try {
      assert.equal(held, 2);
      assert.equal(slotsInUse(machine, stateDir), 2);
      const mine = await tryAcquireSlot(machine, stateDir);
      assert.ok(mine);
      assert.equal(await tryAcquireSlot(machine, stateDir), null);
      child.kill("SIGKILL");
      await waitExit(child);
      assert.equal(slotsInUse(machine, stateDir), 1);
      const freed = [await tryAcquireSlot(machine, stateDir), await tryAcquireSlot(machine, stateDir)];
      assert.ok(freed.every((slot) => slot !== null));
      for (const slot of [mine, ...freed]) slot?.release();
    } finally {
      child.kill("SIGKILL");
    }
  });
});
