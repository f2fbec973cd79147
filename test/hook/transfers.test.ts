/**
 * What goes over the wire for an accepted build: nothing when the build
 * machine has every input, derivations as text, other items as a signed
 * export into the remote importer, outputs of one build as inputs of the
 * next on another machine; and the statuses of failed and timed-out builds.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hookFarm, type HookFarm } from "../helpers/hook-farm.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import type { StoreServer } from "../helpers/store-server.ts";

async function outputOf(server: StoreServer, drvPath: string): Promise<string> {
  const store = await server.connect();
  try {
    return (await store.queryDerivationOutputs(drvPath))[0]!;
  } finally {
    store.close();
  }
}

/** Store entries of a store server whose names contain `name` (temporary ones included). */
function entriesNamed(server: StoreServer, name: string): string[] {
  return readdirSync(server.realStoreDir).filter((entry) => entry.includes(name));
}

describe("transfers of an offloaded build", () => {
  let farm: HookFarm;
  const gate = tempDir("offload-import-gate-");
  before(async () => {
    writeFileSync(join(gate, "open"), "");
    farm = await hookFarm(2, {}, () => ({}), { rc: `export OFFLOAD_TEST_IMPORT_GATE=${gate}` });
  });
  after(() => farm.stop());
  beforeEach(() => {
    rmSync(join(gate, "started"), { force: true });
    // Every test picks its machines; by default both may be used.
    farm.rewriteMachines(() => ({}));
  });

  it("sends nothing when the build machine already has every input", async () => {
    const drv = await farm.derivation("present", "echo present > $out");
    for (const remote of farm.remotes) {
      const store = await remote.connect();
      await store.addTextToStore("present.drv", readFileSync(farm.local.physical(drv)), []);
      store.close();
    }
    const result = await farm.driver().build(drv);
    assert.equal(result.outcome, "built");
    if (result.outcome !== "built") return;
    assert.ok(!result.exit.messages.some((line) => line.startsWith("sending ")), result.exit.messages.join("\n"));
    assert.equal(existsSync(join(gate, "started")), false, "no importer ran");
  });

  it("sends a missing derivation as text, with no importer on the build machine", async () => {
    const drv = await farm.derivation("as-text", "echo text > $out");
    const result = await farm.driver().build(drv);
    assert.equal(result.outcome, "built");
    if (result.outcome !== "built") return;
    assert.ok(result.exit.messages.includes("sending 1 store item (0 MiB) to '127.0.0.1'..."), result.exit.messages.join("\n"));
    assert.equal(existsSync(join(gate, "started")), false, "no importer ran");
  });

  it("streams other missing inputs signed into the build machine's importer", async () => {
    const tree = tempDir("offload-source-");
    mkdirSync(join(tree, "sub"));
    writeFileSync(join(tree, "sub", "data"), "payload\n");
    const store = await farm.local.connect();
    const source = await store.addToStore("source-tree", tree);
    store.close();
    const drv = await farm.derivation("uses-source", 'read line < "$src/sub/data"; echo "got $line" > $out', { inputSrcs: [source], env: { src: source } });
    const result = await farm.driver().build(drv);
    assert.equal(result.outcome, "built");
    if (result.outcome !== "built") return;
    assert.ok(result.exit.messages.includes("sending 2 store items (0 MiB) to '127.0.0.1'..."), result.exit.messages.join("\n"));
    assert.equal(existsSync(join(gate, "started")), true, "the importer ran");
    const remote = farm.remotes.find((server) => server.pathInfo(drv) !== undefined)!;
    assert.deepEqual(remote.pathInfo(source)?.narHash, farm.local.pathInfo(source)?.narHash);
    assert.equal(readFileSync(farm.local.physical(await outputOf(farm.local, drv)), "utf8"), "got payload\n");
  });

  it("builds a chain on two machines: the first build's output goes to the second machine", async () => {
    farm.rewriteMachines((index) => (index === 0 ? {} : { systems: ["no-such-system"] }));
    const first = await farm.derivation("chain-a", "echo a > $out");
    assert.equal((await farm.driver().build(first)).outcome, "built");
    const firstOut = await outputOf(farm.local, first);
    assert.ok(farm.remotes[0]!.pathInfo(firstOut) !== undefined && farm.remotes[1]!.pathInfo(firstOut) === undefined);
    farm.rewriteMachines((index) => (index === 1 ? {} : { systems: ["no-such-system"] }));
    const second = await farm.derivation("chain-b", 'read x < "$a"; echo "$x+b from $a" > $out', {
      inputDrvs: new Map([[first, ["out"]]]),
      env: { a: firstOut },
    });
    const result = await farm.driver().build(second);
    assert.equal(result.outcome, "built");
    assert.ok(farm.remotes[1]!.pathInfo(firstOut) !== undefined, "the first output was sent to the second machine");
    assert.equal(readFileSync(farm.local.physical(await outputOf(farm.local, second)), "utf8"), `a+b from ${firstOut}\n`);
    assert.deepEqual(farm.local.pathInfo(await outputOf(farm.local, second))?.references, [firstOut]);
  });

  it("exits 100 when the remote build fails, leaving nothing in the store", async () => {
    const drv = await farm.derivation("fails", "echo about to fail; exit 3");
    const result = await farm.driver().build(drv);
    assert.equal(result.outcome, "failed");
    if (result.outcome !== "failed") return;
    assert.equal(result.exit.status, 100);
    assert.ok(
      result.exit.messages.includes(`offload: error: derivation '${drv}' offloaded to '127.0.0.1' failed: build of \`${drv}' failed`),
      result.exit.messages.join("\n"),
    );
    assert.match(result.exit.log.toString(), /about to fail/);
    assert.match(result.exit.log.toString(), /failed with exit code 3/);
    assert.deepEqual(
      entriesNamed(farm.local, "fails").filter((entry) => !entry.endsWith(".drv")),
      [],
    );
  });

  it("exits 101 when the remote build times out", async () => {
    const drv = await farm.derivation("silent", "/bin/sleep 30; echo late > $out");
    const result = await farm.driver({ settings: { maxSilentTime: 1 } }).build(drv);
    assert.equal(result.outcome, "timed-out");
    if (result.outcome !== "timed-out") return;
    assert.equal(result.exit.status, 101);
    assert.deepEqual(
      entriesNamed(farm.local, "silent").filter((entry) => !entry.endsWith(".drv")),
      [],
    );
  });
});
