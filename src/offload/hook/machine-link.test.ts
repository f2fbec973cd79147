import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { join } from "node:path";
import { offloadCommand } from "../../../test/helpers/cli.ts";
import { startSshd, type TestSshd } from "../../../test/helpers/sshd.ts";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { SshError } from "../../ssh/errors.ts";
import type { HolderSettings } from "../../ssh/holder.ts";
import { SessionPool } from "../../ssh/pool.ts";
import { LinkCache } from "./machine-link.ts";

const accepted = (server: TestSshd): number => server.log().match(/Accepted publickey/g)?.length ?? 0;

describe("the hook's sessions", () => {
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

  async function echoed(links: LinkCache, text: string): Promise<string> {
    const stream = await (await links.get(server.machine())).openSocket(socketPath);
    const answer = new Promise<string>((resolve) => stream.once("data", (chunk: Buffer) => resolve(chunk.toString("utf8"))));
    stream.write(text);
    try {
      return await answer;
    } finally {
      stream.end();
    }
  }

  it("share one session per machine, and give bulk transfers another one without compression", async () => {
    const links = new LinkCache(new SessionPool());
    try {
      const [a, b] = await Promise.all([links.get(server.machine()), links.get(server.machine())]);
      assert.equal(a, b);
      assert.notEqual(a.negotiated.cs.compress, "none");
      const bulk = await links.bulk(server.machine());
      assert.notEqual(bulk, a);
      assert.equal(bulk.negotiated.cs.compress, "none");
      assert.equal(await links.bulk(server.machine(), true), a, "with the record's compression: the same session");
      assert.equal(await links.bulk(server.machine({ compression: "none" })), await links.get(server.machine({ compression: "none" })));
    } finally {
      links.closeAll();
    }
  });

  it("replace a lost session on the next get", async () => {
    const links = new LinkCache(new SessionPool());
    try {
      const first = await links.get(server.machine());
      const lost = new Promise<SshError | undefined>((resolve) => first.onClose(resolve));
      server.killSessions();
      assert.equal((await lost)?.code, "connection-lost");
      await assert.rejects(first.openSocket(socketPath), (error: unknown) => error instanceof SshError && error.code === "connection-lost");
      const second = await links.get(server.machine());
      assert.notEqual(second, first);
      assert.equal(await echoed(links, "again"), "again");
    } finally {
      links.closeAll();
    }
  });

  it("go through the machine's connection holder, which later processes' sessions share", async () => {
    const holder: HolderSettings = { stateDir: tempDir("offload-link-state-"), persistMs: 60_000, command: [...offloadCommand(), "hold"] };
    const before = accepted(server);
    // Two caches with pools of their own, as in two hook processes one after the other.
    for (const text of ["first", "second"]) {
      const links = new LinkCache(new SessionPool({}, holder));
      try {
        assert.equal((await links.get(server.machine())).viaHolder, true);
        assert.equal(await echoed(links, text), text);
      } finally {
        links.closeAll();
      }
    }
    assert.equal(accepted(server) - before, 1, "one SSH connection: the holder's");
    server.killSessions(); // the holder exits with its connection
  });
});
