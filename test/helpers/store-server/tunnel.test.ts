import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { narChunks } from "../../../src/store/nar-writer.ts";
import { randomTree } from "../../store/trees.ts";
import { tempDir } from "../temp-dir.ts";
import { TUNNEL_SINK_SIZE, TunnelSink, dumpCalls } from "./tunnel.ts";

describe("the daemon's tunnel sink and dump pattern", () => {
  it("buffers small writes, sends a write that would fill the buffer on its own", () => {
    const sent: number[] = [];
    const sink = new TunnelSink((chunk) => sent.push(chunk.length));
    sink.write(Buffer.alloc(100));
    sink.write(Buffer.alloc(200));
    sink.write(Buffer.alloc(TUNNEL_SINK_SIZE - 300)); // reaches the size: flush 300, then this one alone
    sink.write(Buffer.alloc(10));
    sink.flush();
    sink.flush();
    assert.deepEqual(sent, [300, TUNNEL_SINK_SIZE - 300, 10]);
  });

  it("dumps the same bytes as our NAR writer, pausing after each 64 KiB of contents", async () => {
    const dir = tempDir("offload-tunnel-");
    const tree = join(dir, "tree");
    randomTree(tree, 11);
    writeFileSync(join(tree, "big"), Buffer.alloc(200_000, 1));
    const parts: Buffer[] = [];
    let pauses = 0;
    for (const _ of dumpCalls(tree, (bytes) => parts.push(bytes))) pauses++;
    const ours: Buffer[] = [];
    for await (const chunk of narChunks(tree)) ours.push(chunk);
    assert.ok(Buffer.concat(parts).equals(Buffer.concat(ours)));
    assert.ok(pauses >= 4);
  });
});
