import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startSshd, type TestSshd } from "../../../test/helpers/sshd.ts";
import { HookError } from "./errors.ts";
import { LinkCache, sshLinkOpener } from "./machine-link.ts";
import { parseProbe, probeBuildMachine, probeScript } from "./remote-probe.ts";

describe("build machine probe", () => {
  it("runs under a POSIX shell and reads back what it printed", () => {
    const text = execFileSync("sh", ["-c", probeScript("/nonexistent/gnu/store")], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
    const facts = parseProbe(text, "local");
    assert.ok(facts.cores >= 1);
    assert.ok(facts.diskFreeBytes > 0, "free space of the nearest existing parent");
    assert.equal(facts.daemonSocketOverride, null);
  });

  it("refuses output it cannot read", () => {
    assert.throws(() => parseProbe("load=x\n", "b"), (error: unknown) => error instanceof HookError && error.code === "remote" && /the load/.test(error.message));
    assert.throws(() => parseProbe("load=1 1 1\ncores=2\navailkb=\n", "b"), /free space of the store/);
  });

  describe("over SSH", () => {
    let server: TestSshd;
    before(async () => {
      server = await startSshd({ rc: "export GUIX_DAEMON_SOCKET=/elsewhere/socket" });
    });
    after(() => server.stop());

    it("sees the remote GUIX_DAEMON_SOCKET, which wins over the record's daemon-socket", async () => {
      const links = new LinkCache(sshLinkOpener());
      const facts = await probeBuildMachine(await links.get(server.machine()), "/gnu/store", 15_000);
      assert.equal(facts.daemonSocketOverride, "/elsewhere/socket");
      assert.ok(facts.load.every((value) => value >= 0));
      links.closeAll();
    });
  });
});
