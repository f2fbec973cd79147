/**
 * Failures of an accepted build: the build machine's SSH server killed
 * while inputs go out, while it builds and while outputs come back (a
 * transient failure, the machine backed off, nothing partial in the local
 * store; with another machine free, the build moves there), outputs with a
 * bad signature or from a key missing from the ACL, and a build machine
 * whose archive tries to write outside its store item.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { activeBackoff, recordSuccess } from "../../src/offload/backoff.ts";
import { ByteReader } from "../../src/store/byte-reader.ts";
import { exportTrailer } from "../../src/store/export-format.ts";
import { generateSigningKeyPair } from "../../src/store/keys.ts";
import { Op, PROTOCOL_VERSION, Stderr, WORKER_MAGIC_2 } from "../../src/store/protocol.ts";
import { signHash } from "../../src/store/signature.ts";
import { WireWriter } from "../../src/store/wire.ts";
import { createHash } from "node:crypto";
import { waitFor } from "../helpers/farm.ts";
import { hookFarm, type HookFarm } from "../helpers/hook-farm.ts";
import { tempDir } from "../helpers/temp-dir.ts";

/** Entries of the local store that are not the .drv files and sources the tests added. */
function leftovers(farm: HookFarm, before: ReadonlySet<string>): string[] {
  return readdirSync(farm.local.realStoreDir).filter((entry) => !before.has(entry) && !entry.endsWith(".drv") && !entry.endsWith("-killed-source"));
}

describe("failures of an offloaded build", () => {
  let farm: HookFarm;
  const gate = tempDir("offload-import-gate-");
  before(async () => {
    farm = await hookFarm(2, {}, () => ({}), { rc: `export OFFLOAD_TEST_IMPORT_GATE=${gate}` });
  });
  after(() => farm.stop());
  afterEach(() => {
    writeFileSync(join(gate, "open"), "");
    rmSync(join(gate, "started"), { force: true });
    for (const machine of farm.machines) recordSuccess(machine, farm.stateDir);
  });

  for (const stage of ["input transfer", "build", "output transfer"] as const) {
    it(`fails transiently when sshd is killed during the ${stage}, backs the machine off, and leaves nothing partial`, async () => {
      farm.rewriteMachines((index) => (index === 0 ? {} : { systems: ["no-such-system"] }));
      const server = farm.servers[0]!;
      const marker = join(tempDir("offload-marker-"), "started");
      const before = new Set(readdirSync(farm.local.realStoreDir));
      let drv: string;
      let reached: () => boolean;
      if (stage === "input transfer") {
        rmSync(join(gate, "open"), { force: true });
        const tree = tempDir("offload-source-");
        writeFileSync(join(tree, "data"), `input for ${stage}\n`);
        const store = await farm.local.connect();
        const source = await store.addToStore("killed-source", tree);
        store.close();
        drv = await farm.derivation("killed-input", 'read x < "$src/data"; echo "$x" > $out', { inputSrcs: [source], env: { src: source } });
        reached = () => existsSync(join(gate, "started"));
      } else if (stage === "build") {
        drv = await farm.derivation("killed-build", `echo started > ${marker}; /bin/sleep 60; echo done > $out`);
        reached = () => existsSync(marker);
      } else {
        drv = await farm.derivation("killed-output", "/usr/bin/head -c 134217728 /dev/urandom > $out");
        // The output is being restored under a temporary (dot) name.
        reached = () => readdirSync(farm.local.realStoreDir).some((entry) => entry.startsWith(".") && !before.has(entry));
      }
      const building = farm.driver().build(drv);
      await waitFor(reached, 120_000, `the ${stage}`);
      server.killSessions();
      const result = await building;
      assert.equal(result.outcome, "hook-failed");
      if (result.outcome !== "hook-failed") return;
      assert.equal(result.exit.status, 1);
      assert.ok(
        result.exit.messages.some((line) => line.startsWith("offload: error: ")),
        result.exit.messages.join("\n"),
      );
      assert.ok(activeBackoff(farm.machines[0]!, farm.stateDir) !== null, "the machine is backed off");
      assert.deepEqual(leftovers(farm, before), [], "nothing partial in the local store");
    });
  }

  it("moves the build to another machine when the first one dies during the build", async () => {
    farm.rewriteMachines(() => ({}));
    const marker = join(tempDir("offload-marker-"), "started");
    const drv = await farm.derivation("moves", `if [ -e ${marker} ]; then echo moved > $out; else echo started > ${marker}; /bin/sleep 60; fi`);
    const building = farm.driver().build(drv);
    await waitFor(() => existsSync(marker), 120_000, "the first build");
    const first = farm.remotes.findIndex((remote) => remote.pathInfo(drv) !== undefined);
    farm.servers[first]!.killSessions();
    const result = await building;
    assert.equal(result.outcome, "built");
    if (result.outcome !== "built") return;
    assert.ok(
      result.exit.messages.some((line) => line.startsWith("offload: warning: ") && line.includes("trying")),
      result.exit.messages.join("\n"),
    );
    assert.ok(activeBackoff(farm.machines[first]!, farm.stateDir) !== null);
  });

  it("refuses outputs whose signature is invalid, and outputs signed by a key missing from the ACL", async () => {
    farm.rewriteMachines((index) => (index === 0 ? {} : { systems: ["no-such-system"] }));
    const remote = farm.remotes[0]!;
    const impostor = generateSigningKeyPair();
    const honest = [farm.local.signingKey.publicKey, ...farm.remotes.map((server) => server.signingKey.publicKey)];
    // The remote daemon claims the impostor's public key but signs with its own secret key.
    writeFileSync(join(remote.configDir, "signing-key.pub"), impostor.publicText);
    farm.local.setAuthorizedKeys([...honest, impostor.publicKey]);
    try {
      const before = new Set(readdirSync(farm.local.realStoreDir));
      const invalid = await farm.driver().build(await farm.derivation("badsig", "echo bad > $out"));
      assert.equal(invalid.outcome, "hook-failed");
      if (invalid.outcome === "hook-failed")
        assert.ok(
          invalid.exit.messages.some((line) => /invalid signature/.test(line)),
          invalid.exit.messages.join("\n"),
        );
      assert.deepEqual(leftovers(farm, before), []);
    } finally {
      writeFileSync(join(remote.configDir, "signing-key.pub"), remote.signingKey.publicText);
    }
    farm.local.setAuthorizedKeys([farm.local.signingKey.publicKey]);
    try {
      const before = new Set(readdirSync(farm.local.realStoreDir));
      const unauthorized = await farm.driver().build(await farm.derivation("noacl", "echo noacl > $out"));
      assert.equal(unauthorized.outcome, "hook-failed");
      if (unauthorized.outcome === "hook-failed")
        assert.ok(
          unauthorized.exit.messages.some((line) => /unauthorized public key/.test(line)),
          unauthorized.exit.messages.join("\n"),
        );
      assert.deepEqual(leftovers(farm, before), []);
    } finally {
      farm.local.setAuthorizedKeys(honest);
    }
  });

  it("refuses an archive that tries to write outside its store item, writing nothing", async () => {
    const hostile = await startHostileDaemon(farm);
    farm.rewriteMachines((index) => (index === 0 ? { daemonSocket: hostile.socket } : { systems: ["no-such-system"] }));
    try {
      const before = new Set(readdirSync(farm.local.realStoreDir));
      const parentBefore = new Set(readdirSync(dirname(farm.local.realStoreDir)));
      const result = await farm.driver().build(await farm.derivation("escape", "echo never built > $out"));
      assert.equal(result.outcome, "hook-failed");
      if (result.outcome === "hook-failed")
        assert.ok(
          result.exit.messages.some((line) => /refusing '.*escape' from '127\.0\.0\.1'/.test(line)),
          result.exit.messages.join("\n"),
        );
      assert.deepEqual(leftovers(farm, before), []);
      assert.deepEqual(
        readdirSync(dirname(farm.local.realStoreDir)).filter((entry) => !parentBefore.has(entry)),
        [],
      );
      assert.equal(hostile.exported(), true, "the hostile archive was sent");
    } finally {
      hostile.stop();
    }
  });
});

/**
 * A build machine daemon that says every input is there, that every build
 * succeeds, and exports for any output a directory with an entry named
 * `..` holding a file — signed with a key the hook's host trusts.
 */
async function startHostileDaemon(farm: HookFarm): Promise<{ socket: string; exported: () => boolean; stop: () => void }> {
  const key = generateSigningKeyPair();
  farm.local.setAuthorizedKeys([farm.local.signingKey.publicKey, ...farm.remotes.map((server) => server.signingKey.publicKey), key.publicKey]);
  const dir = tempDir("offload-hostile-");
  mkdirSync(join(dir, "s"));
  const socket = join(dir, "s", "socket");
  let exported = false;
  const server = net.createServer((connection) => {
    connection.on("error", () => undefined);
    const reader = new ByteReader(connection, () => new Error("client went away"));
    const send = (writer: WireWriter): boolean => connection.write(writer.toBuffer());
    void (async () => {
      await reader.readInt();
      send(new WireWriter().int(WORKER_MAGIC_2).int(PROTOCOL_VERSION));
      await reader.readInt(); // client version
      if ((await reader.readInt()) !== 0) await reader.readInt(); // cpu affinity
      await reader.readInt(); // reserve space
      send(new WireWriter().int(Stderr.Last));
      // Bounded by the client's requests.
      for (;;) {
        const op = await reader.readInt();
        if (op === Op.SetOptions) {
          for (let i = 0; i < 9; i++) await reader.readInt();
          const overrides = await reader.readInt();
          for (let i = 0; i < overrides * 2; i++) await reader.readString();
          send(new WireWriter().int(Stderr.Last));
        } else if (op === Op.AddTempRoot) {
          await reader.readString();
          send(new WireWriter().int(Stderr.Last).int(1));
        } else if (op === Op.QueryValidPaths) {
          const paths = await reader.readTexts();
          send(new WireWriter().int(Stderr.Last).strings(paths));
        } else if (op === Op.BuildPaths) {
          await reader.readTexts();
          await reader.readInt();
          send(new WireWriter().int(Stderr.Last).int(1));
        } else if (op === Op.QueryPathInfo) {
          await reader.readString();
          send(new WireWriter().int(Stderr.Last).string("").string("0".repeat(64)).strings([]).int(0).int(512));
        } else if (op === Op.ExportPath) {
          const path = await reader.readText();
          await reader.readInt();
          const item = hostileItem(path, key.secretKey);
          exported = true;
          send(new WireWriter().int(Stderr.Write).string(item).int(Stderr.Last).int(1));
        } else {
          send(new WireWriter().int(Stderr.Error).string(`unsupported operation ${op}`).int(1));
          connection.end();
          return;
        }
      }
    })().catch(() => connection.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, exported: () => exported, stop: () => server.close() };
}

/** An export item whose NAR has a directory entry named `..`, signed by `secretKey`. */
function hostileItem(path: string, secretKey: ReturnType<typeof generateSigningKeyPair>["secretKey"]): Buffer {
  const tokens = [
    "nix-archive-1",
    "(",
    "type",
    "directory",
    "entry",
    "(",
    "name",
    "..",
    "node",
    "(",
    "type",
    "regular",
    "contents",
    "escaped\n",
    ")",
    ")",
    ")",
  ];
  const nar = new WireWriter();
  for (const token of tokens) nar.string(token);
  const signed = Buffer.concat([nar.toBuffer(), exportTrailer({ path, references: [], deriver: "" })]);
  const signature = signHash(createHash("sha256").update(signed).digest(), secretKey);
  return Buffer.concat([signed, new WireWriter().int(1).string(Buffer.from(signature, "latin1")).toBuffer()]);
}
