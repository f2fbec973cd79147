import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatBytes, formatDuration, formatMs, formatRate, parseSize } from "./units.ts";

describe("units", () => {
  it("formats bytes in binary units", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(1023), "1023 B");
    assert.equal(formatBytes(1536), "1.5 KiB");
    assert.equal(formatBytes(100 * 1024 * 1024), "100 MiB");
    assert.equal(formatBytes(12.34 * 1024 ** 3), "12.3 GiB");
  });
  it("prints whole sizes as Guix's number->size does, without a trailing .0", () => {
    // ranking.ts used to print "3.0 GiB" and "50.0 MiB"; Guix prints "3 GiB".
    assert.equal(formatBytes(3 * 1024 ** 3), "3 GiB");
    assert.equal(formatBytes(50 * 1024 * 1024), "50 MiB");
    assert.equal(formatBytes(512), "512 B");
  });
  it("formats rates and durations", () => {
    assert.equal(formatRate(1024 * 1024, 500), "2 MiB/s");
    assert.equal(formatDuration(59), "59s");
    assert.equal(formatDuration(3600), "1h 0m");
    assert.equal(formatDuration(93784), "1d 2h 3m");
    assert.equal(formatMs(850), "850 ms");
    assert.equal(formatMs(30000), "30 s");
    assert.equal(formatMs(1500), "1.5 s");
  });
  it("reads sizes as people write them, in binary units", () => {
    assert.equal(parseSize("2G"), 2 * 1024 ** 3);
    assert.equal(parseSize("2GiB"), 2 * 1024 ** 3);
    assert.equal(parseSize("1.5 MiB"), 1.5 * 1024 ** 2);
    assert.equal(parseSize("512k"), 512 * 1024);
    assert.equal(parseSize("100"), 100);
    assert.equal(parseSize("0"), 0);
    assert.equal(parseSize("lots"), null);
    assert.equal(parseSize("-1G"), null);
    assert.equal(parseSize("2P"), null);
  });
});
