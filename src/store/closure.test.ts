import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { topologicalOrder } from "./closure.ts";

describe("topological order", () => {
  const graph: Record<string, string[]> = { app: ["lib", "libc"], lib: ["libc", "lib"], libc: [], doc: ["app"] };
  const refs = (path: string): string[] => graph[path] ?? [];

  it("puts references before referrers, each item once, as Guix's topologically-sorted", () => {
    assert.deepEqual(topologicalOrder(["app"], refs), ["libc", "lib", "app"]);
    assert.deepEqual(topologicalOrder(["doc", "libc"], refs), ["libc", "lib", "app", "doc"]);
    assert.deepEqual(topologicalOrder(["libc", "app"], refs), ["libc", "lib", "app"]);
  });

  it("walks long chains without recursion", () => {
    const chain = (path: string): string[] => {
      const n = Number(path);
      return n > 0 ? [String(n - 1)] : [];
    };
    const order = topologicalOrder(["100000"], chain);
    assert.equal(order.length, 100_001);
    assert.equal(order[0], "0");
  });
});
