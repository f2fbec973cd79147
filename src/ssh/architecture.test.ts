import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { guixCpu, systemSupport } from "./architecture.ts";

const x86 = { machine: "x86_64", kernel: "Linux" };
const arm64 = { machine: "aarch64", kernel: "Linux" };

describe("systemSupport", () => {
  it("knows native systems and the native 32-bit pairs", () => {
    assert.equal(systemSupport(x86, "x86_64-linux").kind, "native");
    assert.equal(systemSupport(x86, "i686-linux").kind, "native-pair");
    assert.equal(systemSupport(arm64, "aarch64-linux").kind, "native");
    assert.equal(systemSupport(arm64, "armhf-linux").kind, "native-pair");
    assert.equal(systemSupport({ machine: "armv7l", kernel: "Linux" }, "armhf-linux").kind, "native");
  });
  it("flags everything else as emulation, naming the QEMU binfmt entry", () => {
    assert.deepEqual(systemSupport(x86, "aarch64-linux"), { kind: "emulation", binfmt: "qemu-aarch64" });
    assert.deepEqual(systemSupport(x86, "armhf-linux"), { kind: "emulation", binfmt: "qemu-arm" });
    assert.deepEqual(systemSupport(arm64, "x86_64-linux"), { kind: "emulation", binfmt: "qemu-x86_64" });
    assert.deepEqual(systemSupport(arm64, "i686-linux"), { kind: "emulation", binfmt: "qemu-i386" });
  });
  it("separates GNU/Hurd systems and nonsense", () => {
    assert.equal(systemSupport(x86, "i586-gnu").kind, "hurd-vm");
    assert.equal(systemSupport(x86, "x86_64 linux").kind, "unknown-system");
    assert.equal(systemSupport(x86, "x86_64-windows").kind, "unknown-system");
  });
  it("maps uname spellings to Guix CPU names", () => {
    assert.equal(guixCpu("amd64"), "x86_64");
    assert.equal(guixCpu("arm64"), "aarch64");
    assert.equal(guixCpu("ppc64le"), "powerpc64le");
    assert.equal(guixCpu("sparc64"), "sparc64");
  });
});
