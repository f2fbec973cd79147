import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChannelLimiter } from "./channel-limit.ts";

describe("ChannelLimiter", () => {
  it("hands out at most `limit` slots and serves waiters in order", async () => {
    const limiter = new ChannelLimiter(2);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const order: string[] = [];
    const third = limiter.acquire().then((release) => (order.push("third"), release));
    const fourth = limiter.acquire().then((release) => (order.push("fourth"), release));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, []);
    assert.equal(limiter.inUse, 2);
    first();
    first(); // twice is harmless
    const releaseThird = await third;
    assert.deepEqual(order, ["third"]);
    second();
    (await fourth)();
    releaseThird();
    assert.equal(limiter.inUse, 0);
  });

  it("lowers its limit but never below one", async () => {
    const limiter = new ChannelLimiter(10);
    limiter.lowerTo(3);
    assert.equal(limiter.limit, 3);
    limiter.lowerTo(0);
    assert.equal(limiter.limit, 1);
    limiter.lowerTo(5);
    assert.equal(limiter.limit, 1);
  });

  it("refuses waiters and later requests after a failure", async () => {
    const limiter = new ChannelLimiter(1);
    await limiter.acquire();
    const waiting = limiter.acquire();
    limiter.fail(new Error("gone"));
    await assert.rejects(waiting, /gone/);
    await assert.rejects(limiter.acquire(), /gone/);
  });
});
