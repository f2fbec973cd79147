import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StoreConnection } from "../../store/connection.ts";
import { hookFarm, type HookFarm } from "../../../test/helpers/hook-farm.ts";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { hookConfig } from "./config.ts";
import { HookError } from "./errors.ts";
import { SessionPool } from "../../ssh/pool.ts";
import { sendInputs, startImporter, type SendOptions } from "./send-inputs.ts";

describe("sending inputs", () => {
  let farm: HookFarm;
  let local: StoreConnection;
  let remote: StoreConnection;
  const pool = new SessionPool();
  const gate = tempDir("offload-import-gate-");
  before(async () => {
    writeFileSync(join(gate, "open"), "");
    farm = await hookFarm(1, {}, () => ({}), { rc: `export OFFLOAD_TEST_IMPORT_GATE=${gate}` });
    local = await farm.local.connect();
    remote = await farm.remotes[0]!.connect();
  });
  after(async () => {
    pool.closeAll();
    local.close();
    remote.close();
    await farm.stop();
  });
  beforeEach(() => rmSync(join(gate, "started"), { force: true }));

  async function options(lines: string[] = []): Promise<SendOptions> {
    return {
      remote,
      localStore: async () => local,
      link: await pool.get(farm.machines[0]!),
      config: hookConfig(farm.env),
      daemonSocket: farm.remotes[0]!.socketPath,
      onInfo: (line) => lines.push(line),
    };
  }

  it("sends nothing when everything is there", async () => {
    const path = await local.addTextToStore("everywhere", "x");
    await remote.addTextToStore("everywhere", "x");
    const lines: string[] = [];
    assert.deepEqual(await sendInputs([path], await options(lines)), { items: [], bytes: 0 });
    assert.deepEqual(lines, []);
  });

  it("sends text items as text, references first, adding the missing references of the inputs", async () => {
    const base = await local.addTextToStore("base", "base text");
    const top = await local.addTextToStore("top", `refers to ${base}`, [base]);
    const lines: string[] = [];
    const sent = await sendInputs([top], await options(lines));
    assert.deepEqual(sent.items, [base, top]);
    assert.deepEqual(lines, ["sending 2 store items (0 MiB) to '127.0.0.1'..."]);
    assert.deepEqual(await remote.queryValidPaths([base, top]), [base, top].sort());
    assert.equal(existsSync(join(gate, "started")), false, "no importer");
  });

  it("streams other items signed into the remote importer", async () => {
    const tree = tempDir("offload-tree-");
    writeFileSync(join(tree, "file"), "content\n");
    const source = await local.addToStore("tree", tree);
    const sent = await sendInputs([source], await options());
    assert.deepEqual(sent.items, [source]);
    assert.equal(existsSync(join(gate, "started")), true, "the importer ran");
    assert.equal(await remote.isValidPath(source), true);
  });

  it("fails, naming the machine, when the build machine refuses this host's signature", async () => {
    const tree = tempDir("offload-tree-");
    writeFileSync(join(tree, "file"), "refused\n");
    const source = await local.addToStore("refused-tree", tree);
    const server = farm.remotes[0]!;
    server.setAuthorizedKeys([server.signingKey.publicKey]);
    try {
      await assert.rejects(
        sendInputs([source], await options()),
        (error: unknown) =>
          error instanceof HookError &&
          error.code === "remote" &&
          error.machine === "127.0.0.1" &&
          /importing store items on '127\.0\.0\.1' failed \(status 1\): .*unauthorized public key/.test(error.message),
      );
    } finally {
      server.setAuthorizedKeys([server.signingKey.publicKey, farm.local.signingKey.publicKey]);
    }
  });

  it("starts the importer against exactly the daemon socket given (quoted for the remote shell)", async () => {
    const odd = join(tempDir("offload-odd-"), "a b", "it's $HOME socket");
    const importer = await startImporter(await pool.get(farm.machines[0]!), odd);
    const stderr: Buffer[] = [];
    importer.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    importer.stdout.resume();
    importer.stdin.end();
    assert.equal((await importer.exit).code, 1);
    assert.ok(Buffer.concat(stderr).toString("utf8").includes(odd), Buffer.concat(stderr).toString("utf8"));
  });
});
