import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { offloadCommand } from "../../test/helpers/cli.ts";
import { startSshd, type TestSshd } from "../../test/helpers/sshd.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { SshError } from "./errors.ts";
import { connectViaHolder } from "./holder.ts";
import { scriptOutput, withScriptHost } from "./script-host.ts";
import { SshSession } from "./session.ts";

describe("script hosts", () => {
  let server: TestSshd;
  before(async () => {
    server = await startSshd();
  });
  after(() => server.stop());

  it("scriptOutput gives a script's output, and names the machine and the status when it fails", async () => {
    const session = await SshSession.connect(server.machine());
    try {
      assert.equal(await scriptOutput(session, "echo hi"), "hi\n");
      await assert.rejects(
        scriptOutput(session, "echo one >&2; echo two >&2; exit 3"),
        (error: unknown) =>
          error instanceof SshError && error.code === "remote-command-failed" && error.message === "a script failed on 127.0.0.1 with status 3: one / two",
      );
    } finally {
      session.close();
    }
  });

  // A runner's shell exports RUNNER_OWNER (remote-shell.ts runnerScript); a login shell has none.
  const where = 'if [ -n "${RUNNER_OWNER-}" ]; then echo runner; else echo login shell; fi';

  it("withScriptHost runs scripts over the session itself when it is a connection of its own", async () => {
    const session = await SshSession.connect(server.machine());
    try {
      assert.equal(await withScriptHost(session, async (host) => host), session);
      assert.equal(await withScriptHost(session, (host) => scriptOutput(host, where)), "login shell\n");
    } finally {
      session.close();
    }
  });

  it("withScriptHost runs scripts on a connection holder's ready runner", async () => {
    const settings = { stateDir: tempDir("offload-script-host-state-"), persistMs: 60_000, command: [...offloadCommand(), "hold"] };
    const session = await connectViaHolder(server.machine(), {}, settings);
    assert.ok(session?.viaHolder, "through a holder");
    try {
      const outputs = await withScriptHost(session, async (host) => {
        assert.equal(host.underRunner, true);
        return [await scriptOutput(host, where), await scriptOutput(host, "echo two")];
      });
      assert.deepEqual(outputs, ["runner\n", "two\n"]);
    } finally {
      session.close();
      server.killSessions(); // the holder exits with its connection
    }
  });
});
