/**
 * The daemon-side driver against what a real guix-daemon did
 * (fixtures/hook/daemon-transcript.json, recorded by real-daemon.test.ts):
 * the same builds through the same recorder must give the same transcript —
 * the hook's arguments, working directory, session, descriptors, request
 * lines, the two lines after `# accept`, the end of the request pipe and the
 * exit status.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { comparable, DAEMON_TRANSCRIPT_FIXTURE, hookRecorder, readRecording, type HookTranscript } from "../helpers/hook-recorder.ts";
import { hookFarm, OFFLOAD_GUIX, type HookFarm } from "../helpers/hook-farm.ts";
import { tempDir } from "../helpers/temp-dir.ts";

describe("the daemon-side driver", () => {
  let farm: HookFarm;
  before(async () => {
    farm = await hookFarm(1);
  });
  after(() => farm.stop());

  it("says to the hook what a real guix-daemon says", async () => {
    const recorder = hookRecorder(OFFLOAD_GUIX);
    // The real recording's accepted build has busybox as its one input source.
    const tree = tempDir("offload-busybox-stand-in-");
    mkdirSync(join(tree, "bin"));
    writeFileSync(join(tree, "bin", "busybox"), "stand-in\n");
    const store = await farm.local.connect();
    const busybox = await store.addToStore("busybox", tree);
    store.close();
    const declined = await farm.derivation("a-declined", "echo local > $out", { env: { requiredSystemFeatures: "no-such-feature" } });
    const accepted = await farm.derivation("b-accepted", "echo remote > $out", { inputSrcs: [busybox] });
    const driver = farm.driver({ program: [recorder.program] });
    assert.equal((await driver.build(declined)).outcome, "declined");
    assert.equal((await driver.build(accepted)).outcome, "built");
    assert.equal(await driver.close(), null, "no hook left idle after an accept");
    const recorded = readRecording(recorder.dir, { storeDir: farm.storeDir, system: farm.local.system });
    const expected = JSON.parse(readFileSync(fileURLToPath(DAEMON_TRANSCRIPT_FIXTURE), "utf8")) as HookTranscript;
    assert.deepEqual(comparable(recorded), comparable(expected));
  });
});
