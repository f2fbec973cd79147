/**
 * The hook as a real guix-daemon's build hook (skipped, with one line, unless
 * OFFLOAD_TEST_GUIX_DAEMON and OFFLOAD_TEST_GUIX are set and we are root):
 * two real daemons in their own mount namespaces, the build machine's sshd
 * in its namespace on 127.0.0.2, busybox as the builder.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { StoreConnection } from "../../src/store/connection.ts";
import { DaemonError } from "../../src/store/errors.ts";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { comparable, DAEMON_TRANSCRIPT_FIXTURE, hookRecorder, readRecording, type HookTranscript } from "../helpers/hook-recorder.ts";
import { OFFLOAD_GUIX, stopHolders } from "../helpers/hook-farm.ts";
import { localSystem } from "../helpers/sshd.ts";
import { realOffloadSkipReason, startRealOffload, type RealOffload } from "../helpers/real-offload.ts";

describe("offloading from a real guix-daemon", { skip: realOffloadSkipReason() }, () => {
  let setup: RealOffload;
  let store: StoreConnection;
  let busybox: string;
  let log = "";
  before(async () => {
    setup = await startRealOffload({ hook: "offload" });
    store = await setup.local.connect();
    store.onLog = (text) => {
      log += text.toString("utf8");
    };
    await store.setOptions({ printBuildTrace: true, verbosity: 3, useSubstitutes: false, offload: true });
    busybox = await setup.addBusybox(store);
  });
  after(async () => {
    store?.close();
    // The hooks' connection holders would keep the build machine's SSH session (and this process) for their idle time.
    if (setup !== undefined) stopHolders(setup.stateDir);
    await setup?.stop();
  });

  async function outputOf(drv: string): Promise<string> {
    return (await store.queryDerivationOutputs(drv))[0]!;
  }

  it("offloads a build whose inputs must be sent, and the daemon registers the output as the build machine has it", async () => {
    log = "";
    const drv = await setup.derivation(store, busybox, "first", "echo first-output > $out");
    await store.buildPaths([drv]);
    assert.match(log, /sending 2 store items \(\d+ MiB\) to '127\.0\.0\.2'\.\.\./, log);
    assert.match(log, new RegExp(`offloading '${drv}' to '127\\.0\\.0\\.2'\\.\\.\\.`));
    assert.match(log, new RegExp(`@ build-remote ${drv} 127\\.0\\.0\\.2`));
    const out = await outputOf(drv);
    assert.equal(readFileSync(setup.local.physical(out), "utf8"), "first-output\n");
    const remote = await setup.remote.connect();
    try {
      const here = await store.queryPathInfo(out);
      const there = await remote.queryPathInfo(out);
      assert.deepEqual({ ...here, registrationTime: 0 }, { ...there, registrationTime: 0 });
      assert.equal(here.deriver, drv);
      assert.ok(await remote.isValidPath(busybox), "busybox was imported on the build machine");
    } finally {
      remote.close();
    }
  });

  it("offloads a chain: the second build uses the first one's output", async () => {
    log = "";
    const first = await setup.derivation(store, busybox, "chain-one", "echo one > $out");
    await store.buildPaths([first]);
    const firstOut = await outputOf(first);
    const second = await setup.derivation(store, busybox, "chain-two", `read x < ${firstOut}; echo "$x two from ${firstOut}" > $out`, {
      inputDrvs: new Map([[first, ["out"]]]),
    });
    await store.buildPaths([second]);
    const secondOut = await outputOf(second);
    assert.equal(readFileSync(setup.local.physical(secondOut), "utf8"), `one two from ${firstOut}\n`);
    assert.deepEqual((await store.queryPathInfo(secondOut)).references, [firstOut]);
    assert.match(log, new RegExp(`offloading '${second}' to '127\\.0\\.0\\.2'`));
  });

  it("reports a failing build as the daemon's build failure (hook status 100)", async () => {
    log = "";
    const drv = await setup.derivation(store, busybox, "failing", "echo going to fail; exit 7");
    await assert.rejects(store.buildPaths([drv]), (error: unknown) => error instanceof DaemonError && error.status === 100);
    assert.match(log, new RegExp(`offload: error: derivation '${drv}' offloaded to '127\\.0\\.0\\.2' failed: `), log);
    assert.match(log, new RegExp(`@ build-failed ${drv} - 1 `), log);
    assert.equal(await store.isValidPath(await outputOf(drv)), false);
  });

  it("offload test --guix passes on the build machine, and fails saying why when this host's ACL lacks its key", async () => {
    const env = { GUIX_DAEMON_SOCKET: setup.local.socketPath, GUIX_CONFIGURATION_DIRECTORY: setup.local.configDir };
    const machinesFile = join(setup.local.configDir, "machines.scm");
    const passing = await runCli(["test", "--guix", "--transfer-size", "1024", machinesFile], { env });
    assert.equal(passing.code, 0, passing.stdout + passing.stderr);
    assert.match(passing.stdout, /✓ daemon +guix-daemon at \/var\/guix\/daemon-socket\/socket answers through SSH, protocol 1\.100/);
    assert.match(passing.stdout, /✓ keys +this host's key is authorized on '127\.0\.0\.2'/);
    setup.local.setAuthorizedKeys([]);
    try {
      const failing = await runCli(["test", "--guix", "--transfer-size", "1024", machinesFile], { env });
      assert.equal(failing.code, 1);
      assert.match(failing.stdout, /✗ keys +failed to import '\/gnu\/store\/.*-back' from '127\.0\.0\.2': unauthorized public key/);
    } finally {
      setup.local.setAuthorizedKeys([setup.remote.signingKey.publicKey]);
    }
  });
});

describe("what a real guix-daemon says to its build hook", { skip: realOffloadSkipReason() }, () => {
  it("matches the recorded transcript that the CI driver is checked against (OFFLOAD_RECORD_FIXTURES=1 records it again)", async () => {
    const recorder = hookRecorder(OFFLOAD_GUIX);
    // --max-jobs=4: the declined build then builds locally while the next request still says 1 (local slots free).
    const setup = await startRealOffload({ hook: "offload", guixProgram: recorder.program, daemonArgs: ["--max-jobs=4"] });
    try {
      const store = await setup.local.connect();
      await store.setOptions({ keepGoing: true, useSubstitutes: false, offload: true, printBuildTrace: true });
      const busybox = await setup.addBusybox(store);
      const declined = await setup.derivation(store, busybox, "a-declined", "echo local > $out", { env: { requiredSystemFeatures: "no-such-feature" } });
      const accepted = await setup.derivation(store, busybox, "b-accepted", "echo remote > $out");
      await store.buildPaths([declined, accepted]).catch(() => undefined);
      store.close();
      const recorded = readRecording(recorder.dir, { storeDir: "/gnu/store", system: localSystem() });
      const fixture = fileURLToPath(DAEMON_TRANSCRIPT_FIXTURE);
      if (process.env["OFFLOAD_RECORD_FIXTURES"] === "1") writeFileSync(fixture, `${JSON.stringify(recorded, null, 2)}\n`);
      const expected = JSON.parse(readFileSync(fixture, "utf8")) as HookTranscript;
      assert.deepEqual(comparable(recorded), comparable(expected));
    } finally {
      stopHolders(setup.stateDir);
      await setup.stop();
    }
  });
});
