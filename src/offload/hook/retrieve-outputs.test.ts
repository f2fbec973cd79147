import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { StoreConnection } from "../../store/connection.ts";
import { StoreServer } from "../../../test/helpers/store-server.ts";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { hookConfig, type HookConfig } from "./config.ts";
import { HookError } from "./errors.ts";
import { retrieveOutputs } from "./retrieve-outputs.ts";

describe("retrieving outputs", () => {
  let local: StoreServer;
  let remote: StoreServer;
  let store: StoreConnection;
  let config: HookConfig;
  before(async () => {
    const storeDir = join(tempDir("offload-retrieve-"), "gnu", "store");
    local = await StoreServer.start({ storeDir });
    remote = await StoreServer.start({ storeDir });
    local.setAuthorizedKeys([local.signingKey.publicKey, remote.signingKey.publicKey]);
    store = await remote.connect();
    config = hookConfig({ NIX_STORE_DIR: storeDir, OFFLOAD_REAL_STORE_DIR: local.realStoreDir, GUIX_CONFIGURATION_DIRECTORY: local.configDir });
  });
  after(async () => {
    store.close();
    await Promise.all([local.stop(), remote.stop()]);
  });
  const options = (): Parameters<typeof retrieveOutputs>[1] => ({ remote: store, config, host: "build1", onInfo: () => undefined });

  it("installs an item signed by an authorized key, read-only, under its store path", async () => {
    const path = await store.addTextToStore("output-one", "one\n");
    const lines: string[] = [];
    await retrieveOutputs([path], { ...options(), onInfo: (line) => lines.push(line) });
    const file = local.physical(path);
    assert.equal(readFileSync(file, "utf8"), "one\n");
    assert.equal(statSync(file).mode & 0o777, 0o444);
    assert.deepEqual(lines, ["retrieving 1 store item from 'build1'..."]);
  });

  it("refuses an item signed by a key not in the ACL, leaving nothing", async () => {
    const path = await store.addTextToStore("output-refused", "refused\n");
    local.setAuthorizedKeys([local.signingKey.publicKey]);
    const before = readdirSync(local.realStoreDir);
    try {
      await assert.rejects(
        retrieveOutputs([path], options()),
        (error: unknown) => error instanceof HookError && error.code === "refused-item" && /unauthorized public key/.test(error.message),
      );
    } finally {
      local.setAuthorizedKeys([local.signingKey.publicKey, remote.signingKey.publicKey]);
    }
    assert.deepEqual(readdirSync(local.realStoreDir), before);
  });

  it("installs all the outputs or none", async () => {
    const good = await store.addTextToStore("output-good", "good\n");
    const missing = `${config.storeDir}/${"0".repeat(32)}-output-missing`;
    const before = readdirSync(local.realStoreDir);
    await assert.rejects(retrieveOutputs([good, missing], options()));
    assert.deepEqual(readdirSync(local.realStoreDir), before, "the first output is not left behind");
  });

  it("never replaces what is already at an output's path", async () => {
    const path = await store.addTextToStore("output-twice", "twice\n");
    await retrieveOutputs([path], options());
    const before = readdirSync(local.realStoreDir);
    await assert.rejects(retrieveOutputs([path], options()), (error: unknown) => error instanceof HookError && error.code === "local-store");
    assert.deepEqual(readdirSync(local.realStoreDir), before);
  });
});
