import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cacheEntries, withOneMachineSession, writeFile } from "../../test/helpers/farm.ts";
import { collectInputs } from "./local-inputs.ts";
import { missingKeys, uploadInputs } from "./transfer.ts";

describe("uploading inputs", () => {
  const one = withOneMachineSession();

  it("sends only what the remote cache lacks, once per content", async () => {
    writeFile(one.farm.workDir, "a/one.txt", "same content");
    writeFile(one.farm.workDir, "a/two.txt", "same content");
    writeFile(one.farm.workDir, "a/big.bin", Buffer.alloc(3_000_000, 1));
    writeFile(one.farm.workDir, "a/empty", "");
    const inputs = await collectInputs(["a"], one.farm.workDir);
    assert.equal((await missingKeys(one.session, inputs.files)).size, 3);
    const first = await uploadInputs(one.session, inputs.files);
    assert.equal(first.files, 3);
    assert.equal(first.bytes, 12 + 3_000_000);
    assert.equal(cacheEntries(one.farm.servers[0]!).length, 3);
    const second = await uploadInputs(one.session, inputs.files);
    assert.deepEqual(second, { bytes: 0, files: 0 });
  });

  it("stops when cancelled", async () => {
    writeFile(one.farm.workDir, "c/big.bin", Buffer.alloc(20_000_000, 2));
    const inputs = await collectInputs(["c"], one.farm.workDir);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(uploadInputs(one.session, inputs.files, controller.signal), { code: "cancelled" });
  });
});
