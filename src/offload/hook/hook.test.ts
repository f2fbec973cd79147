import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { PassThrough } from "node:stream";
import { hookFarm, type HookFarm } from "../../../test/helpers/hook-farm.ts";
import { runHook } from "./hook.ts";
import { hookOptions } from "./setup.ts";

/** Run the hook in this process on `input`; resolves to its status and what it wrote. */
async function hook(farm: HookFarm, input: string, env: NodeJS.ProcessEnv = farm.env): Promise<{ status: number; reply: string; log: string }> {
  const requests = new PassThrough();
  const buildLog = new PassThrough();
  let reply = "";
  let log = "";
  buildLog.on("data", (chunk: Buffer) => (log += chunk.toString()));
  requests.end(input);
  const options = hookOptions({
    args: { system: farm.local.system, maxSilentTime: 3600, printBuildTrace: true, buildTimeout: 86400 },
    env,
    machinesFile: env["OFFLOAD_MACHINES"]!,
    stateDir: farm.stateDir,
    verbose: false,
    holdMs: 0,
    connect: {},
  });
  const status = await runHook(options, { requests, reply: (text) => (reply += text), buildLog });
  return { status, reply, log };
}

describe("the hook's main loop", () => {
  let farm: HookFarm;
  before(async () => {
    farm = await hookFarm(1);
  });
  after(() => farm.stop());

  it("answers requests until the pipe ends, then exits 0", async () => {
    const drv = await farm.derivation("loop-decline", "echo x > $out", { system: "aarch64-linux" });
    const result = await hook(farm, `1 aarch64-linux ${drv} \n1 aarch64-linux ${drv} \n`);
    assert.deepEqual(result, { status: 0, reply: "# decline\n# decline\n", log: "" });
  });

  it("accepts, reads the two lines, builds, and exits 0 with the output in the store", async () => {
    const drv = await farm.derivation("loop-accept", "echo accepted; echo yes > $out");
    const store = await farm.local.connect();
    const [out] = await store.queryDerivationOutputs(drv);
    store.close();
    const result = await hook(farm, `1 ${farm.local.system} ${drv} \n${drv} \n${out} \n`);
    assert.equal(result.status, 0, result.reply);
    assert.match(result.reply, /^# accept\n/);
    assert.match(result.log, /accepted/);
    assert.equal(existsSync(farm.local.physical(out!)), true);
  });

  it("stops at a line that is not a request, with status 1 and Guix's message", async () => {
    const result = await hook(farm, "garbage\n");
    assert.deepEqual(result, { status: 1, reply: 'offload: error: invalid request line: "garbage"\n', log: "" });
  });
});
