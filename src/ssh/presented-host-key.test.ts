import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startSilentServer, startSshd, type TestSshd } from "../../test/helpers/sshd.ts";
import { parsePinnedHostKey } from "./host-key.ts";
import { presentedHostKey } from "./presented-host-key.ts";

describe("the host key a server presents", () => {
  let server: TestSshd;
  before(async () => {
    server = await startSshd({ hostKeyTypes: ["rsa", "ed25519"] });
  });
  after(() => server.stop());

  const blobOf = (line: string): Buffer => parsePinnedHostKey(line, "test").blob;

  it("is the first offered algorithm the server has a key for, with every type it announced", async () => {
    const [rsa, ed25519] = server.hostKeys;
    const first = await presentedHostKey(server.machine(), ["ssh-ed25519", "rsa-sha2-512"], 10_000);
    assert.deepEqual(first.key, blobOf(ed25519!.publicLine));
    assert.ok(first.offered.includes("ssh-ed25519") && first.offered.includes("rsa-sha2-512"), first.offered.join(","));
    const other = await presentedHostKey(server.machine(), ["ecdsa-sha2-nistp256", "rsa-sha2-512", "ssh-ed25519"], 10_000);
    assert.deepEqual(other.key, blobOf(rsa!.publicLine));
  });

  it("is none from a server that never speaks SSH, once the time is up", async () => {
    const silent = await startSilentServer();
    try {
      assert.deepEqual(await presentedHostKey({ name: "127.0.0.1", port: silent.port, user: "nobody" }, ["ssh-ed25519"], 300), { key: null, offered: [] });
    } finally {
      await silent.stop();
    }
  });
});
