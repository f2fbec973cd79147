import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ByteReader } from "./byte-reader.ts";
import { encodeSetOptions, setOptionsOverrides } from "./build-options.ts";
import { Op } from "./protocol.ts";

async function fields(bytes: Buffer, ints: number): Promise<{ ints: number[]; pairs: Array<[string, string]> }> {
  const reader = ByteReader.fromBuffer(bytes);
  const values: number[] = [];
  for (let i = 0; i < ints; i++) values.push(await reader.readInt());
  const pairs: Array<[string, string]> = [];
  const count = await reader.readInt();
  for (let i = 0; i < count; i++) pairs.push([await reader.readText(), await reader.readText()]);
  assert.equal(await reader.atEnd(), true);
  return { ints: values, pairs };
}

describe("SetOptions", () => {
  it("sends Guix's defaults to a current daemon (protocol 0x164)", async () => {
    const { ints, pairs } = await fields(encodeSetOptions({}, 0x64), 10);
    // op, keep-failed, keep-going, fallback, verbosity, use-build-hook, build-verbosity, log-type, print-build-trace, use-substitutes
    assert.deepEqual(ints, [Op.SetOptions, 0, 0, 0, 0, 1, 0, 0, 1, 1]);
    assert.deepEqual(pairs, [["print-extended-build-trace", "0"]]);
  });

  it("sends time limits as overrides, in Guix's order", async () => {
    const { pairs } = await fields(
      encodeSetOptions({ maxSilentTime: 3600, timeout: 86400, printBuildTrace: false, maxBuildJobs: 2, overrides: [["x", "y"]] }, 0x64),
      10,
    );
    assert.deepEqual(pairs, [
      ["build-timeout", "86400"],
      ["build-max-silent-time", "3600"],
      ["build-max-jobs", "2"],
      ["x", "y"],
    ]);
  });

  it("sends the fixed fields older daemons expect", async () => {
    const { ints } = await fields(encodeSetOptions({ maxBuildJobs: 4, maxSilentTime: 60, buildCores: 8 }, 0x60), 13);
    assert.deepEqual(ints, [Op.SetOptions, 0, 0, 0, 0, 4, 60, 1, 0, 0, 1, 8, 1]);
  });

  it("lists overrides for every option Guix turns into one", () => {
    const pairs = setOptionsOverrides({
      printExtendedBuildTrace: true,
      multiplexedBuildOutput: true,
      buildCores: 2,
      substituteUrls: ["a", "b"],
      rounds: 3,
      userName: "u",
      terminalColumns: 80,
      locale: "C",
    });
    assert.deepEqual(
      pairs.map(([k]) => k),
      ["print-extended-build-trace", "multiplexed-build-output", "build-cores", "substitute-urls", "build-repeat", "user-name", "terminal-columns", "locale"],
    );
    assert.deepEqual(pairs[3], ["substitute-urls", "a b"]);
    assert.deepEqual(pairs[4], ["build-repeat", "2"]);
  });
});
