import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { importerCommand } from "./remote-build.ts";

describe("remote build", () => {
  it("runs the importer against the chosen daemon socket, quoted for the remote shell", () => {
    assert.equal(importerCommand("/var/guix/daemon-socket/socket"), "GUIX_DAEMON_SOCKET=/var/guix/daemon-socket/socket exec guix archive --import");
    const odd = "/tmp/a b/'socket'";
    const command = importerCommand(odd).replace("exec guix archive --import", `exec sh -c 'printf %s "$GUIX_DAEMON_SOCKET"'`);
    assert.equal(execFileSync("sh", ["-c", command], { encoding: "utf8" }), odd);
  });
});
