import { existsSync, linkSync, mkdirSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cacheEntries, withOneMachineSession, writeFile } from "../../test/helpers/farm.ts";
import { chooseEvictions, parseCacheListing, RECENT_USE_MS, trimCache, type CacheEntry } from "./input-cache.ts";
import { collectInputs } from "./local-inputs.ts";
import { uploadInputs } from "./transfer.ts";

const key = (c: string): string => c.repeat(64);
const entry = (c: string, bytes: number, usedAt: number, links = 1): CacheEntry => ({ key: key(c), bytes, usedAt, links });

describe("the input cache's size cap", () => {
  it("reads the listing and the machine's clock", () => {
    const { entries, nowMs } = parseCacheListing(`1700000000.25 10 1 ${key("a")}\n1700000001 20 2 ${key("b")}-x\nnoise\nnow 1700000100\n`);
    assert.deepEqual(entries, [
      { usedAt: 1_700_000_000_000, bytes: 10, links: 1, key: key("a") },
      { usedAt: 1_700_000_001_000, bytes: 20, links: 2, key: `${key("b")}-x` },
    ]);
    assert.equal(nowMs, 1_700_000_100_000);
  });

  it("removes the least recently used first, until the cache fits, never one in use or used lately", () => {
    const entries = [entry("a", 100, 1000), entry("b", 100, 500, 2), entry("c", 100, 3000), entry("d", 100, 2000), entry("e", 100, 9000)];
    const { removed, keptOverCapBytes } = chooseEvictions(entries, 250, 8000);
    assert.deepEqual(
      removed.map((e) => e.key[0]),
      ["a", "d", "c"],
      "b is in use, e was used lately",
    );
    assert.equal(keptOverCapBytes, 0);
    const tight = chooseEvictions(entries, 0, 8000);
    assert.equal(tight.keptOverCapBytes, 200, "what must stay stays, over the cap");
    assert.deepEqual(chooseEvictions(entries, 10_000, 8000).removed, [], "under the cap nothing goes");
  });

  describe("on a real machine", () => {
    const one = withOneMachineSession();

    it("trims to the cap, keeping entries a job holds and entries used in the last hour; a dry run only says", async () => {
      const names = ["old-1", "old-2", "held", "fresh"];
      for (const [index, name] of names.entries()) writeFile(one.farm.workDir, `cache/${name}`, Buffer.alloc(100_000, index + 1));
      const inputs = await collectInputs(
        names.map((name) => `cache/${name}`),
        one.farm.workDir,
      );
      await uploadInputs(one.session, inputs.files);
      const cas = join(one.farm.servers[0]!.home, ".cache", "offload", "cas");
      const keyOf = (name: string): string => inputs.files.find((file) => file.remotePath === `cache/${name}`)!.key;
      const longAgo = (Date.now() - 2 * RECENT_USE_MS) / 1000;
      for (const [index, name] of ["old-1", "old-2", "held"].entries()) utimesSync(join(cas, keyOf(name)), longAgo + index, longAgo + index);
      // A running job's scratch directory holds "held".
      mkdirSync(join(one.farm.servers[0]!.home, ".cache", "offload", "jobs", "running-job"), { recursive: true });
      linkSync(join(cas, keyOf("held")), join(one.farm.servers[0]!.home, ".cache", "offload", "jobs", "running-job", "held"));

      const dry = await trimCache(one.session, { maxBytes: 150_000, dryRun: true });
      assert.deepEqual(
        dry.removed.map((e) => e.key),
        [keyOf("old-1"), keyOf("old-2")],
      );
      assert.equal(cacheEntries(one.farm.servers[0]!).length, 4, "a dry run removes nothing");

      const trimmed = await trimCache(one.session, { maxBytes: 150_000 });
      assert.equal(trimmed.bytes, 400_000);
      assert.equal(trimmed.removedBytes, 200_000);
      assert.equal(trimmed.keptOverCapBytes, 50_000);
      assert.deepEqual(cacheEntries(one.farm.servers[0]!).sort(), [keyOf("held"), keyOf("fresh")].sort());
      assert.equal(existsSync(join(one.farm.servers[0]!.home, ".cache", "offload", "jobs", "running-job", "held")), true);
    });

    it("counts a check of the cache as a use (the entry is touched)", async () => {
      writeFile(one.farm.workDir, "touched/x", "touch me");
      const inputs = await collectInputs(["touched/x"], one.farm.workDir);
      await uploadInputs(one.session, inputs.files);
      const file = join(one.farm.servers[0]!.home, ".cache", "offload", "cas", inputs.files[0]!.key);
      utimesSync(file, 1_000_000, 1_000_000);
      await uploadInputs(one.session, inputs.files);
      const listing = await trimCache(one.session, { maxBytes: Number.MAX_SAFE_INTEGER, dryRun: true });
      assert.ok(listing.removed.length === 0);
      assert.ok(statSync(file).mtimeMs > Date.now() - 60_000, "used just now");
    });
  });
});
