import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import type { StoreConnection } from "../../src/store/connection.ts";
import { makeDerivation, type DerivationSpec } from "../../src/store/derivation.ts";
import { DaemonError } from "../../src/store/errors.ts";
import { generateSigningKeyPair } from "../../src/store/keys.ts";
import { textPath } from "../../src/store/store-path.ts";
import { StoreServer, canUnshareMounts } from "./store-server.ts";
import { tempDir } from "./temp-dir.ts";

function daemonError(status: number, message: RegExp) {
  return (error: unknown): boolean => error instanceof DaemonError && error.status === status && message.test(error.daemonMessage);
}

async function exportOf(store: StoreConnection, paths: string[]): Promise<Buffer> {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => parts.push(chunk));
  await store.exportPaths(paths, sink, { sign: true });
  return Buffer.concat(parts);
}

describe("test store server", () => {
  let server: StoreServer;
  let store: StoreConnection;
  const logs: string[] = [];
  before(async () => {
    server = await StoreServer.start();
    store = await server.connect();
    store.onLog = (text) => logs.push(text.toString());
  });
  after(async () => {
    store.close();
    await server.stop();
  });

  async function derivation(name: string, script: string, extra: Partial<DerivationSpec> = {}): Promise<ReturnType<typeof makeDerivation>> {
    const made = makeDerivation({ name, system: server.system, builder: "/bin/sh", args: ["-c", script], ...extra }, server.storeDir, (path) => {
      throw new Error(`unexpected lookup of ${path}`);
    });
    assert.equal(await store.addTextToStore(`${name}.drv`, made.text, made.references), made.path);
    return made;
  }

  it("runs builders with the daemon's environment and nothing else", async () => {
    await store.setOptions({ printBuildTrace: false });
    const drv = await derivation("env", "/usr/bin/env > $out", { env: { custom: "value" } });
    await store.buildPaths([drv.path]);
    const out = drv.derivation.outputs.get("out")!.path;
    const env = Object.fromEntries(
      readFileSync(server.physical(out), "utf8")
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    const top = env["NIX_BUILD_TOP"]!;
    assert.deepEqual(env, {
      HOME: "/homeless-shelter",
      NIX_BUILD_CORES: "1",
      NIX_BUILD_TOP: top,
      NIX_STORE: server.storeDir,
      PATH: "/path-not-set",
      PWD: top,
      TEMP: top,
      TEMPDIR: top,
      TMP: top,
      TMPDIR: top,
      builder: "/bin/sh",
      custom: "value",
      name: "env",
      out,
      system: server.system,
    });
    assert.ok(!existsSync(top), "the build directory is removed");
    const info = await store.queryPathInfo(out);
    assert.equal(info.deriver, drv.path);
  });

  it("scans outputs for references to inputs", async () => {
    const input = await store.addTextToStore("input", "i");
    const other = await store.addTextToStore("other", "o");
    const drv = await derivation("refs", `echo ${input} > $out`, { inputSrcs: [input, other] });
    await store.buildPaths([drv.path]);
    assert.deepEqual((await store.queryPathInfo(drv.derivation.outputs.get("out")!.path)).references, [input]);
  });

  it("reports failures with the daemon's statuses: 100 failed, 101 timed out, 1 otherwise", async () => {
    await store.setOptions({ printBuildTrace: false });
    const failing = await derivation("fails", "exit 2");
    await assert.rejects(store.buildPaths([failing.path]), daemonError(100, /^build of `.*-fails\.drv' failed$/));
    const lazy = await derivation("lazy", "true");
    await assert.rejects(store.buildPaths([lazy.path]), daemonError(1, /build of/));
    assert.ok(logs.some((line) => line.includes("failed to produce output path")));
    await store.setOptions({ printBuildTrace: false, timeout: 1 });
    const chatty = await derivation("chatty", "while :; do echo tick; /bin/sleep 0.2; done");
    await assert.rejects(store.buildPaths([chatty.path]), daemonError(101, /build of/));
    assert.ok(logs.some((line) => /timed out after 1 seconds\n$/.test(line)));
    await store.setOptions({ printBuildTrace: false });
    const missing = textPath("never-added.drv", "", [], server.storeDir);
    await assert.rejects(store.buildPaths([missing]), daemonError(1, /build of/));
    assert.ok(logs.some((line) => line.includes(`cannot build missing derivation ‘${missing}’`)));
  });

  it("forwards build output only when verbosity allows", async () => {
    logs.length = 0;
    await store.setOptions({ printBuildTrace: false, buildVerbosity: 2, verbosity: 0 });
    const quiet = await derivation("quiet", "echo secret-output; echo done > $out");
    await store.buildPaths([quiet.path]);
    assert.ok(!logs.some((line) => line.includes("secret-output")));
    await store.setOptions({ printBuildTrace: true });
    const loud = await derivation("loud", "echo loud-output; echo done > $out");
    await store.buildPaths([loud.path]);
    assert.ok(logs.some((line) => line.includes("loud-output")));
    assert.ok(logs.some((line) => line.startsWith(`@ build-started ${loud.path} - ${server.system} `)));
    assert.ok(logs.includes(`@ build-succeeded ${loud.path} -\n`));
    // The log file named in "@ build-started" holds the builder's output, gzipped.
    const started = logs.find((line) => line.startsWith(`@ build-started ${loud.path}`))!;
    const logFile = started.trim().split(" ").at(-2)!;
    assert.equal(gunzipSync(readFileSync(logFile)).toString(), "loud-output\n");
  });

  it("refuses to sign with a secret key others can read", async () => {
    const path = await store.addTextToStore("to-sign", "s");
    const secret = join(server.configDir, "signing-key.sec");
    chmodSync(secret, 0o644);
    try {
      await assert.rejects(
        store.exportPath(path, new PassThrough().resume(), { sign: true }),
        daemonError(1, /should be secret \(inaccessible to everybody else\)!$/),
      );
    } finally {
      chmodSync(secret, 0o600);
    }
  });

  it("reads the ACL per connection, as each daemon worker starts its own guix authenticate", async () => {
    const other = await StoreServer.start({ storeDir: server.storeDir, authorizedKeys: [] });
    const path = await store.addTextToStore("acl-test", "a");
    const bytes = await exportOf(store, [path]);
    const first = await other.connect();
    await assert.rejects(first.importPaths(Readable.from([bytes])), daemonError(1, /^unauthorized public key: /));
    other.setAuthorizedKeys([generateSigningKeyPair().publicKey, server.signingKey.publicKey]);
    await assert.rejects(first.importPaths(Readable.from([bytes])), daemonError(1, /^unauthorized public key: /), "same connection, same ACL");
    const second = await other.connect();
    assert.deepEqual(await second.importPaths(Readable.from([bytes])), [path]);
    first.close();
    second.close();
    await other.stop();
  });

  const visibilities: Array<"symlink" | "namespace"> = canUnshareMounts() ? ["symlink", "namespace"] : ["symlink"];
  for (const visibility of visibilities) {
    it(`two servers share a store directory, each with its own files (${visibility})`, async () => {
      const shared = join(tempDir("offload-shared-store-"), "gnu", "store");
      const a = await StoreServer.start({ storeDir: shared, storeVisibility: visibility });
      const b = await StoreServer.start({ storeDir: shared, storeVisibility: visibility, authorizedKeys: [a.signingKey.publicKey] });
      const [sa, sb] = [await a.connect(), await b.connect()];
      const drvA = makeDerivation({ name: "where", system: a.system, builder: "/bin/sh", args: ["-c", "echo built-on-a > $out"] }, shared);
      await sa.addTextToStore("where.drv", drvA.text);
      await sa.buildPaths([drvA.path]);
      const out = drvA.derivation.outputs.get("out")!.path;
      assert.equal(readFileSync(a.physical(out), "utf8"), "built-on-a\n");
      assert.equal(await sb.isValidPath(out), false);
      assert.ok(!existsSync(b.physical(out)), "b's store has no trace of a's build");
      assert.deepEqual(await sb.importPaths(Readable.from([await exportOf(sa, [out])])), [out]);
      assert.equal(readFileSync(b.physical(out), "utf8"), "built-on-a\n");
      sa.close();
      sb.close();
      await a.stop();
      await b.stop();
    });
  }
});
