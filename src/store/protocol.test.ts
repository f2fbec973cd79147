import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Op, PROTOCOL_VERSION, Stderr, WORKER_MAGIC_1, WORKER_MAGIC_2, protocolMajor, protocolMinor } from "./protocol.ts";

describe("protocol numbers", () => {
  it("are Guix's (worker-protocol.hh)", () => {
    assert.equal(Buffer.from(WORKER_MAGIC_1.toString(16), "hex").toString(), "nixc");
    assert.equal(Buffer.from(WORKER_MAGIC_2.toString(16), "hex").toString(), "dxio");
    assert.equal(protocolMajor(PROTOCOL_VERSION), 0x100);
    assert.equal(protocolMinor(PROTOCOL_VERSION), 0x64);
    assert.equal(Op.ExportPath, 16);
    assert.equal(Op.ImportPaths, 27);
    assert.equal(Op.QueryPathInfo, 26);
    assert.equal(Buffer.from(Stderr.Last.toString(16), "hex").toString(), "alts");
    assert.equal(new Set(Object.values(Op)).size, Object.values(Op).length, "no two operations share a code");
  });
});
