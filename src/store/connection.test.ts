import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { StoreServer } from "../../test/helpers/store-server.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { ByteReader } from "./byte-reader.ts";
import { StoreConnection } from "./connection.ts";
import { DaemonError, StoreError } from "./errors.ts";
import { ExportReader, discardNar } from "./export-format.ts";
import { narDigest } from "./nar-writer.ts";
import { Stderr, WORKER_MAGIC_2 } from "./protocol.ts";
import { textPath } from "./store-path.ts";
import { WireWriter, encodeInt } from "./wire.ts";

/** A Unix-socket server that runs `behave` on each connection (for daemons that misbehave). */
async function fakeDaemon(behave: (socket: net.Socket) => void): Promise<{ path: string; close: () => Promise<void> }> {
  const path = join(tempDir("offload-fake-daemon-"), "socket");
  const server = net.createServer(behave);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Answers the handshake, then hands every later byte to `after`. */
function handshakeThen(after: (socket: net.Socket, data: Buffer) => void): (socket: net.Socket) => void {
  return (socket) => {
    let greeted = false;
    socket.on("data", (data) => {
      if (!greeted) {
        greeted = true;
        socket.write(new WireWriter().int(WORKER_MAGIC_2).int(0x164).toBuffer());
        return;
      }
      if (data.length === 32 - 8 || data.length === 24) {
        // version, affinity flag, reserve-space: the handshake's end
        socket.write(encodeInt(Stderr.Last));
        return;
      }
      after(socket, data);
    });
    socket.on("error", () => undefined);
  };
}

function collector(): { sink: PassThrough; bytes: () => Buffer } {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => parts.push(chunk));
  return { sink, bytes: () => Buffer.concat(parts) };
}

describe("StoreConnection", () => {
  let server: StoreServer;
  before(async () => {
    server = await StoreServer.start();
  });
  after(async () => {
    await server.stop();
  });

  it("performs the handshake and the basic operations", async () => {
    const store = await server.connect();
    assert.equal(store.daemonVersion, 0x164);
    const path = await store.addTextToStore("hello", "Hello!\n");
    assert.equal(path, textPath("hello", "Hello!\n", [], server.storeDir));
    assert.equal(await store.isValidPath(path), true);
    const info = await store.queryPathInfo(path);
    assert.deepEqual(info.narHash, (await narDigest(server.physical(path))).hash);
    assert.equal(info.deriver, null);
    const referrer = await store.addTextToStore("referrer", `uses ${path}`, [path]);
    assert.deepEqual(await store.queryReferences(referrer), [path]);
    assert.deepEqual(await store.queryReferrers(path), [referrer]);
    assert.deepEqual(await store.queryValidPaths([referrer, textPath("absent", "", [], server.storeDir), path]), [path, referrer].sort());
    await store.addTempRoot(path);
    assert.ok(server.tempRoots.has(path));
    store.close();
  });

  it("checks paths before sending them, so the daemon never hangs up on us", async () => {
    const store = await server.connect();
    assert.throws(
      () => store.queryPathInfo("/etc/passwd"),
      (error: unknown) => error instanceof StoreError && error.code === "store-path",
    );
    assert.equal(await store.isValidPath(textPath("x", "", [], server.storeDir)), false);
    store.close();
  });

  it("reports daemon errors as DaemonError and stays usable", async () => {
    const store = await server.connect();
    const missing = textPath("missing", "m", [], server.storeDir);
    await assert.rejects(
      store.queryPathInfo(missing),
      (error: unknown) => error instanceof DaemonError && error.status === 1 && error.daemonMessage === `path \`${missing}' is not valid`,
    );
    assert.equal(store.isBroken, false);
    assert.equal(await store.isValidPath(missing), false);
    store.close();
  });

  it("serializes concurrent operations on one connection, and runs many connections at once", async () => {
    const stores = await Promise.all(Array.from({ length: 8 }, () => server.connect()));
    const results = await Promise.all(
      stores.flatMap((store, i) =>
        Array.from({ length: 25 }, (_, j) =>
          store.addTextToStore(`item-${i}-${j}`, `${i}/${j}`).then((path) => store.queryPathInfo(path).then((info) => [path, info] as const)),
        ),
      ),
    );
    assert.equal(results.length, 200);
    for (const [path, info] of results) assert.equal(info.narSize, server.pathInfo(path)!.narSize);
    for (const store of stores) store.close();
  });

  it("streams AddToStore, ExportPath and ImportPaths; the export signature verifies and imports elsewhere", async () => {
    const dir = tempDir("offload-connection-");
    const tree = join(dir, "tree");
    mkdirSync(tree);
    writeFileSync(join(tree, "big"), Buffer.alloc(300_000, 3));
    const store = await server.connect();
    const path = await store.addToStore("tree", tree);
    assert.deepEqual((await store.queryPathInfo(path)).narHash, (await narDigest(tree)).hash);
    const { sink, bytes } = collector();
    await store.exportPaths([path], sink, { sign: true });
    const other = await StoreServer.start({ storeDir: server.storeDir, authorizedKeys: [server.signingKey.publicKey] });
    const remote = await other.connect();
    assert.deepEqual(await remote.importPaths(Readable.from([bytes()])), [path]);
    assert.deepEqual((await remote.queryPathInfo(path)).narHash, (await store.queryPathInfo(path)).narHash);
    remote.close();
    await other.stop();
    store.close();
  });

  it("honours a slow sink's backpressure during an export", async () => {
    const dir = tempDir("offload-connection-slow-");
    writeFileSync(join(dir, "f"), Buffer.alloc(2_000_000, 9));
    const store = await server.connect();
    const path = await store.addToStore("slow", join(dir, "f"), { recursive: false });
    const hash = createHash("sha256");
    let pending = 0;
    let maxPending = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        pending++;
        maxPending = Math.max(maxPending, pending);
        hash.update(chunk);
        setTimeout(() => {
          pending--;
          callback();
        }, 1);
      },
    });
    await store.exportPath(path, slow, { sign: false });
    assert.ok(maxPending <= 2, "writes wait for the sink");
    const { sink, bytes } = collector();
    await store.exportPath(path, sink, { sign: false });
    assert.deepEqual(hash.digest(), createHash("sha256").update(bytes()).digest());
    const item = await new ExportReader(ByteReader.fromBuffer(bytes()), server.storeDir).readItem(discardNar);
    assert.equal(item.path, path);
    store.close();
  });

  it("fails an operation cleanly when the daemon goes away, and never reuses the connection", async () => {
    const fake = await fakeDaemon(
      handshakeThen((socket) => {
        // Start answering, then vanish mid-message.
        socket.write(new WireWriter().int(Stderr.Next).toBuffer());
        socket.destroy();
      }),
    );
    const store = await StoreConnection.connect(fake.path);
    const first = store.isValidPath(textPath("a", ""));
    const second = store.isValidPath(textPath("b", ""));
    await assert.rejects(first, (error: unknown) => error instanceof StoreError && error.code === "connection-broken");
    await assert.rejects(second, (error: unknown) => error instanceof StoreError && error.code === "connection-broken");
    assert.equal(store.isBroken, true);
    await assert.rejects(store.isValidPath(textPath("c", "")), /closed|connection/);
    await fake.close();
  });

  it("refuses garbage from the peer and breaks the connection", async () => {
    const fake = await fakeDaemon(handshakeThen((socket) => socket.write(encodeInt(0x12345678))));
    const store = await StoreConnection.connect(fake.path);
    await assert.rejects(
      store.isValidPath(textPath("a", "")),
      (error: unknown) => error instanceof StoreError && error.code === "protocol" && /invalid message code 0x12345678/.test(error.message),
    );
    assert.equal(store.isBroken, true);
    await fake.close();
  });

  it("refuses a peer that is not a daemon", async () => {
    const fake = await fakeDaemon((socket) => {
      socket.on("data", () => socket.write(Buffer.from("SSH-2.0-OpenSSH_9.2\r\n")));
      socket.on("error", () => undefined);
    });
    await assert.rejects(StoreConnection.connect(fake.path), /handshake failed/);
    await fake.close();
    await assert.rejects(
      StoreConnection.connect(join(tempDir("offload-nosocket-"), "none")),
      (error: unknown) => error instanceof StoreError && error.code === "connection-failed",
    );
  });

  it("breaks the connection when a local stream fails in the middle of an operation", async () => {
    const store = await server.connect();
    const path = await store.addTextToStore("doomed", "x".repeat(100_000));
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error("disk full"));
      },
    });
    failing.on("error", () => undefined);
    await assert.rejects(store.exportPath(path, failing, { sign: false }), StoreError);
    assert.equal(store.isBroken, true);
    const fresh = await server.connect();
    assert.equal(await fresh.isValidPath(path), true, "the daemon is fine; only that connection is gone");
    fresh.close();
  });

  it("surfaces log text as events", async () => {
    const store = await server.connect();
    const logs: string[] = [];
    store.onLog = (text) => logs.push(text.toString());
    const path = await store.addTextToStore("logged", "l");
    await store.exportPath(path, new PassThrough().resume(), { sign: false });
    assert.deepEqual(logs, [`exporting path \`${path}'\n`]);
    store.close();
  });
});
