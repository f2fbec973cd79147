import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { join } from "node:path";
import { startSshd, tempDir, type TestSshd } from "../../../test/helpers/sshd.ts";
import { SshError } from "../../ssh/errors.ts";
import { LinkCache, sshLinkOpener } from "./machine-link.ts";

function collect(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    stream.on("end", () => resolve(text));
  });
}

describe("machine links over SSH", () => {
  let server: TestSshd;
  let echo: net.Server;
  const socketPath = join(tempDir("offload-link-"), "echo.sock");
  before(async () => {
    server = await startSshd();
    echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(socketPath, resolve));
  });
  after(async () => {
    echo.close();
    await server.stop();
  });

  it("opens a byte stream to a Unix socket on the machine (direct-streamlocal)", async () => {
    const links = new LinkCache(sshLinkOpener());
    const link = await links.get(server.machine());
    const stream = await link.openSocket(socketPath);
    const echoed = new Promise<string>((resolve) => stream.once("data", (chunk: Buffer) => resolve(chunk.toString("utf8"))));
    stream.write("ping");
    assert.equal(await echoed, "ping");
    stream.end();
    links.closeAll();
  });

  it("runs a command with standard input and reports its status", async () => {
    const links = new LinkCache(sshLinkOpener());
    const link = await links.get(server.machine());
    const child = await link.exec("tr a-z A-Z; echo err >&2; exit 3");
    const [out, err] = [collect(child.stdout), collect(child.stderr)];
    child.stdin.end("hello\n");
    assert.deepEqual(await child.exit, { code: 3, signal: null });
    assert.equal(await out, "HELLO\n");
    assert.equal(await err, "err\n");
    links.closeAll();
  });

  it("shares one link per machine and replaces a lost one", async () => {
    const links = new LinkCache(sshLinkOpener());
    const [a, b] = await Promise.all([links.get(server.machine()), links.get(server.machine())]);
    assert.equal(a, b);
    const lost = new Promise<SshError | undefined>((resolve) => a.onClose(resolve));
    server.killSessions();
    assert.equal((await lost)?.code, "connection-lost");
    assert.equal(a.closed, true);
    await assert.rejects(a.openSocket(socketPath), (error: unknown) => error instanceof SshError && error.code === "connection-lost");
    const c = await links.get(server.machine());
    assert.notEqual(c, a);
    assert.equal(c.closed, false);
    links.closeAll();
  });

  it("fails opening a socket that does not exist with channel-failed", async () => {
    const links = new LinkCache(sshLinkOpener());
    const link = await links.get(server.machine());
    await assert.rejects(link.openSocket("/nonexistent/socket"), (error: unknown) => error instanceof SshError && error.code === "channel-failed");
    links.closeAll();
  });
});
