import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { withOneMachineSession } from "../../test/helpers/farm.ts";
import { nativeCryptoAvailable } from "./crypto-path.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const withoutNative = join(repo, "test", "helpers", "without-native-crypto.cjs");
const tsx = join(repo, "node_modules", "tsx", "dist", "loader.mjs");
const binding = join(dirname(createRequire(import.meta.url).resolve("ssh2/lib/protocol/crypto.js")), "crypto", "build", "Release", "sshcrypto.node");

describe("crypto path", () => {
  it("is native exactly when ssh2's binding was built", () => {
    assert.equal(nativeCryptoAvailable(), existsSync(binding));
  });

  describe("of a connection", () => {
    const one = withOneMachineSession();
    it("names the negotiated cipher and the code doing it", () => {
      const { cipher, path } = one.session.crypto;
      assert.match(cipher, /^(aes(128|256)-(gcm@openssh\.com|ctr)|chacha20-poly1305@openssh\.com)$/);
      assert.equal(path, nativeCryptoAvailable() ? "native" : "javascript");
    });
  });

  it("falls back to JavaScript without the binding, and the SSH tests still pass", { timeout: 300_000 }, () => {
    const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${withoutNative}`.trim() };
    const probe = spawnSync(
      process.execPath,
      [
        "--import",
        tsx,
        "--input-type=module",
        "-e",
        `import { nativeCryptoAvailable } from ${JSON.stringify(new URL("./crypto-path.ts", import.meta.url).href)}; process.stdout.write(String(nativeCryptoAvailable()));`,
      ],
      { env, encoding: "utf8", cwd: repo },
    );
    assert.equal(probe.stdout, "false", probe.stderr);
    const files = ["src/ssh/session.test.ts", "src/ssh/connect.test.ts", "src/offload/transfer.test.ts", "src/offload/attempt.test.ts"];
    const run = spawnSync(process.execPath, ["--import", tsx, "--test", "--test-reporter=dot", ...files], {
      env,
      encoding: "utf8",
      cwd: repo,
      timeout: 280_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`.slice(-4000));
  });
});
