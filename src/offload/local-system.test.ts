import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { localSystem } from "./local-system.ts";

describe("localSystem", () => {
  it("spells architectures the Guix way", () => {
    assert.equal(localSystem("x64", "linux"), "x86_64-linux");
    assert.equal(localSystem("arm64", "linux"), "aarch64-linux");
    assert.equal(localSystem("ia32", "linux"), "i686-linux");
    assert.equal(localSystem("arm", "linux"), "armhf-linux");
  });

  it("matches this host", () => {
    assert.match(localSystem(), /^[a-z0-9_]+-[a-z]+$/);
  });
});
