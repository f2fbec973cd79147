import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cacheEntries, offloadFarm, writeFile, type OffloadFarm } from "../../test/helpers/farm.ts";
import { SshSession } from "../ssh/session.ts";
import { collectInputs } from "./local-inputs.ts";
import { missingKeys, uploadInputs } from "./transfer.ts";

describe("uploading inputs", () => {
  let farm: OffloadFarm;
  let session: SshSession;
  before(async () => {
    farm = await offloadFarm(1);
    session = await SshSession.connect(farm.machines[0]!);
  });
  after(async () => {
    session.close();
    await farm.stop();
  });

  it("sends only what the remote cache lacks, once per content", async () => {
    writeFile(farm.workDir, "a/one.txt", "same content");
    writeFile(farm.workDir, "a/two.txt", "same content");
    writeFile(farm.workDir, "a/big.bin", Buffer.alloc(3_000_000, 1));
    writeFile(farm.workDir, "a/empty", "");
    const inputs = await collectInputs(["a"], farm.workDir);
    assert.equal((await missingKeys(session, inputs.files)).size, 3);
    const first = await uploadInputs(session, inputs.files);
    assert.equal(first.files, 3);
    assert.equal(first.bytes, 12 + 3_000_000);
    assert.equal(cacheEntries(farm.servers[0]!).length, 3);
    const second = await uploadInputs(session, inputs.files);
    assert.deepEqual(second, { bytes: 0, files: 0 });
  });

  it("stops when cancelled", async () => {
    writeFile(farm.workDir, "c/big.bin", Buffer.alloc(20_000_000, 2));
    const inputs = await collectInputs(["c"], farm.workDir);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(uploadInputs(session, inputs.files, controller.signal), { code: "cancelled" });
  });
});
