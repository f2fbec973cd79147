import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { offloadCommand } from "../../../test/helpers/cli.ts";
import { startSshd, type TestSshd } from "../../../test/helpers/sshd.ts";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { SessionPool } from "../../ssh/pool.ts";
import { storeProbeScript } from "../../ssh/remote-shell.ts";
import { HookError } from "./errors.ts";
import { parseProbe, probeBuildMachine } from "./remote-probe.ts";

describe("build machine probe", () => {
  it("runs under a POSIX shell and reads back what it printed", () => {
    const text = execFileSync("sh", ["-c", storeProbeScript("/nonexistent/gnu/store")], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    const facts = parseProbe(text, "local");
    assert.ok(facts.cores >= 1);
    assert.ok(facts.diskFreeBytes > 0, "free space of the nearest existing parent");
    assert.equal(facts.daemonSocketOverride, null);
  });

  it("refuses output it cannot read", () => {
    assert.throws(
      () => parseProbe("load=x\n", "b"),
      (error: unknown) => error instanceof HookError && error.code === "remote" && /the load/.test(error.message),
    );
    assert.throws(() => parseProbe("load=1 1 1\ncores=2\navailkb=\n", "b"), /free space of the store/);
  });

  describe("over SSH", () => {
    let server: TestSshd;
    before(async () => {
      server = await startSshd({ rc: "export GUIX_DAEMON_SOCKET=/elsewhere/socket" });
    });
    after(() => server.stop());

    it("sees the remote GUIX_DAEMON_SOCKET, which wins over the record's daemon-socket", async () => {
      const pool = new SessionPool();
      try {
        const facts = await probeBuildMachine(await pool.get(server.machine()), "/gnu/store", 15_000);
        assert.equal(facts.daemonSocketOverride, "/elsewhere/socket");
        assert.ok(facts.load.every((value) => value >= 0));
      } finally {
        pool.closeAll();
      }
    });

    it("sees the same through a connection holder, on one of its ready runners", async () => {
      const pool = new SessionPool({}, { stateDir: tempDir("offload-probe-state-"), persistMs: 60_000, command: [...offloadCommand(), "hold"] });
      try {
        const session = await pool.get(server.machine());
        assert.equal(session.viaHolder, true);
        const facts = await probeBuildMachine(session, "/gnu/store", 15_000);
        assert.equal(facts.daemonSocketOverride, "/elsewhere/socket");
        assert.ok(facts.cores >= 1 && facts.diskFreeBytes > 0);
      } finally {
        pool.closeAll();
        server.killSessions(); // the holder exits with its connection
      }
    });
  });
});
