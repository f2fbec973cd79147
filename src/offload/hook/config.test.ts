import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultHookMachinesFile, hookConfig, realPath } from "./config.ts";

describe("hook configuration", () => {
  it("has Guix's defaults", () => {
    assert.deepEqual(hookConfig({}), {
      storeDir: "/gnu/store",
      realStoreDir: "/gnu/store",
      daemonSocket: "/var/guix/daemon-socket/socket",
      configDir: "/etc/guix",
      aclFile: "/etc/guix/acl",
    });
    assert.equal(defaultHookMachinesFile({}), "/etc/guix/machines.scm");
  });

  it("follows the variables Guix honours, and OFFLOAD_REAL_STORE_DIR", () => {
    const config = hookConfig({
      NIX_STORE_DIR: "/s/store/",
      GUIX_DAEMON_SOCKET: "/s/socket",
      GUIX_CONFIGURATION_DIRECTORY: "/s/etc",
      OFFLOAD_REAL_STORE_DIR: "/mnt/store",
    });
    assert.deepEqual(config, { storeDir: "/s/store", realStoreDir: "/mnt/store", daemonSocket: "/s/socket", configDir: "/s/etc", aclFile: "/s/etc/acl" });
    assert.equal(realPath(config, "/s/store/abc-x"), "/mnt/store/abc-x");
    assert.equal(realPath(config, "/elsewhere/abc-x"), "/elsewhere/abc-x");
    assert.equal(defaultHookMachinesFile({ GUIX_CONFIGURATION_DIRECTORY: "/s/etc" }), "/s/etc/machines.scm");
    assert.equal(hookConfig({ GUIX_DAEMON_SOCKET: "" }).daemonSocket, "/var/guix/daemon-socket/socket", "empty is unset");
  });
});
