/**
 * The store layer over an SSH `direct-streamlocal@openssh.com` channel (how
 * the build hook will reach a build machine's daemon): a real OpenSSH server
 * forwards to the test daemon's Unix socket, and the connection, exports and
 * imports work over the channel as over the socket.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PassThrough, Readable, type Duplex } from "node:stream";
import { after, before, describe, it } from "node:test";
import ssh2 from "ssh2";
import { StoreConnection } from "../../src/store/connection.ts";
import { StoreServer } from "../helpers/store-server.ts";
import { startSshd, type TestSshd } from "../helpers/sshd.ts";

const { Client } = ssh2;

function channelTo(sshd: TestSshd, socketPath: string): Promise<{ channel: Duplex; client: InstanceType<typeof Client> }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once("error", reject);
    client.once("ready", () => {
      client.openssh_forwardOutStreamLocal(socketPath, (error, channel) => (error ? reject(error) : resolve({ channel, client })));
    });
    client.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKey: readFileSync(sshd.clientKey.privateKeyFile),
      hostVerifier: () => true,
    });
  });
}

describe("store connection over SSH", () => {
  let sshd: TestSshd;
  let local: StoreServer;
  let remote: StoreServer;
  before(async () => {
    sshd = await startSshd();
    local = await StoreServer.start();
    remote = await StoreServer.start({ storeDir: local.storeDir, authorizedKeys: [local.signingKey.publicKey] });
  });
  after(async () => {
    await local.stop();
    await remote.stop();
    await sshd.stop();
  });

  it("talks to a remote daemon's socket through a direct-streamlocal channel: query, import, export", async () => {
    const { channel, client } = await channelTo(sshd, remote.socketPath);
    const store = await StoreConnection.handshake(channel, { storeDir: remote.storeDir });
    const mine = await local.connect();
    const path = await mine.addTextToStore("sent", "over ssh\n".repeat(10_000));
    const exported = new PassThrough();
    const parts: Buffer[] = [];
    exported.on("data", (chunk: Buffer) => parts.push(chunk));
    await mine.exportPaths([path], exported, { sign: true });
    assert.deepEqual(await store.importPaths(Readable.from([Buffer.concat(parts)])), [path]);
    assert.deepEqual((await store.queryPathInfo(path)).narHash, (await mine.queryPathInfo(path)).narHash);
    const back = new PassThrough();
    const backParts: Buffer[] = [];
    back.on("data", (chunk: Buffer) => backParts.push(chunk));
    await store.exportPath(path, back, { sign: false });
    assert.ok(Buffer.concat(backParts).length > 90_000);
    store.close();
    mine.close();
    client.end();
  });

  it("fails the current operation and breaks the connection when the SSH connection dies", async () => {
    const { channel, client } = await channelTo(sshd, remote.socketPath);
    const store = await StoreConnection.handshake(channel, { storeDir: remote.storeDir });
    sshd.killSessions();
    await assert.rejects(store.queryValidPaths([]), /connection/);
    assert.equal(store.isBroken, true);
    client.end();
  });
});
