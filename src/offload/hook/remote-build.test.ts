import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { PassThrough } from "node:stream";
import { startSshd } from "../../../test/helpers/sshd.ts";
import { SessionPool } from "../../ssh/pool.ts";
import { hookConfig } from "./config.ts";
import { HookError } from "./errors.ts";
import { LinkCache } from "./machine-link.ts";
import { remoteBuild, type RemoteBuildContext } from "./remote-build.ts";

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function context(lines: string[]): RemoteBuildContext {
  return {
    args: { system: "x86_64-linux", maxSilentTime: 3600, printBuildTrace: false, buildTimeout: 86_400 },
    config: hookConfig({}),
    links: new LinkCache(new SessionPool({ timeoutMs: 10_000 })),
    localStore: () => Promise.reject(new Error("no local store in this test")),
    buildLog: new PassThrough(),
    onInfo: (line) => lines.push(line),
    verbose: false,
    daemonSocket: () => "/nonexistent/daemon-socket",
    compressBulk: false,
  };
}

const job = { drvPath: "/gnu/store/00000000000000000000000000000000-x.drv", inputs: [], outputs: [] };

describe("remote build", () => {
  it("fails naming the machine, which is at fault, when it cannot be reached", async () => {
    const server = await startSshd();
    const machine = server.machine({ port: await closedPort() });
    await server.stop();
    const lines: string[] = [];
    await assert.rejects(
      remoteBuild(job, machine, context(lines)),
      (error: unknown) =>
        error instanceof HookError &&
        error.code === "remote" &&
        error.machine === "127.0.0.1" &&
        /^failed to connect to '127\.0\.0\.1': connection to 127\.0\.0\.1:\d+ refused/.test(error.message),
    );
    assert.deepEqual(lines, []);
  });

  it("fails naming the machine when its daemon does not answer at the socket", async () => {
    const server = await startSshd();
    const ctx = context([]);
    try {
      await assert.rejects(
        remoteBuild(job, server.machine(), ctx),
        (error: unknown) =>
          error instanceof HookError &&
          error.code === "remote" &&
          error.machine === "127.0.0.1" &&
          /failed to connect over SSH to daemon at '127\.0\.0\.1', socket \/nonexistent\/daemon-socket/.test(error.message),
      );
    } finally {
      ctx.links.closeAll();
      await server.stop();
    }
  });
});
