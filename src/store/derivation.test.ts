import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { StoreError } from "./errors.ts";
import {
  checkDerivationOutputs,
  expectedOutputPaths,
  hashDerivationModulo,
  makeDerivation,
  parseDerivation,
  unparseDerivation,
  type Derivation,
} from "./derivation.ts";
import { textPath } from "./store-path.ts";

/** Nix's `derivation` builtin computes output and .drv paths exactly as the daemon checks them. */
function nixPaths(storeDir: string, expression: string): [string, string] {
  const out = execFileSync("nix-instantiate", ["--store", `dummy://?store=${storeDir}`, "--readonly-mode", "--eval", "--strict", "--json", "-E", expression], {
    encoding: "utf8",
  });
  return JSON.parse(out) as [string, string];
}

describe("derivations", () => {
  const storeDir = "/tmp/offload drv/store";

  it("gives the output and .drv paths Nix gives", () => {
    const [out, drv] = nixPaths(
      storeDir,
      `let d = derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; args = ["-c" "echo \\"hi\\" > $out"]; extra = "a\\nb\\tc\\\\"; }; in [ d.outPath d.drvPath ]`,
    );
    const made = makeDerivation(
      { name: "x", system: "x86_64-linux", builder: "/bin/sh", args: ["-c", 'echo "hi" > $out'], env: { extra: "a\nb\tc\\" } },
      storeDir,
    );
    assert.equal(made.derivation.outputs.get("out")!.path, out);
    assert.equal(made.path, drv);
  });

  it("expectedOutputPaths gives each output the path Nix gives it", () => {
    const [out, dev] = nixPaths(
      storeDir,
      `let d = derivation { name = "m"; system = "s"; builder = "/b"; outputs = ["out" "dev"]; }; in [ d.out.outPath d.dev.outPath ]`,
    );
    const { derivation } = makeDerivation({ name: "m", system: "s", builder: "/b", outputs: ["out", "dev"], env: { outputs: "out dev" } }, storeDir);
    assert.deepEqual(
      [...expectedOutputPaths(derivation, "m", storeDir, () => derivation)],
      [
        ["out", out],
        ["dev", dev],
      ],
    );
  });

  it("hashes input derivations modulo, and multiple outputs, as Nix does", () => {
    const [out, drv] = nixPaths(
      storeDir,
      `let a = derivation { name = "a"; system = "s"; builder = "/b"; outputs = ["out" "dev"]; };
           b = derivation { name = "b"; system = "s"; builder = "/b"; src = a.dev; }; in [ b.outPath b.drvPath ]`,
    );
    const a = makeDerivation({ name: "a", system: "s", builder: "/b", outputs: ["out", "dev"], env: { outputs: "out dev" } }, storeDir);
    const lookup = (path: string): Derivation => {
      assert.equal(path, a.path);
      return a.derivation;
    };
    const b = makeDerivation(
      { name: "b", system: "s", builder: "/b", env: { src: a.derivation.outputs.get("dev")!.path }, inputDrvs: new Map([[a.path, ["dev"]]]) },
      storeDir,
      lookup,
    );
    assert.equal(b.derivation.outputs.get("out")!.path, out);
    assert.equal(b.path, drv);
  });

  it("fixed-output derivations have content-addressed outputs (Nix agrees)", () => {
    const hash = "a".repeat(64);
    const [out, drv] = nixPaths(
      storeDir,
      `let d = derivation { name = "f"; system = "s"; builder = "/b"; outputHash = "${hash}"; outputHashAlgo = "sha256"; outputHashMode = "recursive"; }; in [ d.outPath d.drvPath ]`,
    );
    const made = makeDerivation(
      {
        name: "f",
        system: "s",
        builder: "/b",
        fixed: { hashAlgo: "r:sha256", hash },
        env: { outputHash: hash, outputHashAlgo: "sha256", outputHashMode: "recursive" },
      },
      storeDir,
    );
    assert.equal(made.derivation.outputs.get("out")!.path, out);
    assert.equal(made.path, drv);
  });

  it("prints a parsed derivation back to the same text", () => {
    const made = makeDerivation({ name: "x", system: "x86_64-linux", builder: "/bin/sh", args: ["-c", 'a"b\\c\nd\re\tf'], env: { z: "1", a: "é" } }, storeDir);
    assert.equal(unparseDerivation(parseDerivation(made.text)), made.text);
    assert.equal(made.path, textPath("x.drv", made.text, [], storeDir));
  });

  it("refuses malformed text", () => {
    for (const bad of [
      "",
      "Derive(",
      'Derive([("out","relative","","")],[],[],"s","/b",[],[])',
      'Derive([],[],[],"s","/b",[],[])x',
      'Derive([],[],[],"s","/b",[],[("a","b)])',
    ]) {
      assert.throws(
        () => parseDerivation(bad),
        (error: unknown) => error instanceof StoreError && error.code === "derivation-format",
      );
    }
  });

  it("checks output paths as the daemon does when a .drv is registered", () => {
    const made = makeDerivation({ name: "x", system: "s", builder: "/b" }, storeDir);
    checkDerivationOutputs(made.path, made.derivation, storeDir, () => assert.fail("no inputs"));
    const wrong = parseDerivation(made.text);
    wrong.env.set("out", "/tmp/offload drv/store/00000000000000000000000000000000-x");
    assert.throws(() => checkDerivationOutputs(made.path, wrong, storeDir, () => assert.fail("no inputs")), /has incorrect output `.*-x', should be `.*-x'/);
  });

  it("memoizes input hashes across a graph", () => {
    const a = makeDerivation({ name: "a", system: "s", builder: "/b" }, storeDir);
    let lookups = 0;
    const lookup = (): Derivation => {
      lookups++;
      return a.derivation;
    };
    const b = makeDerivation({ name: "b", system: "s", builder: "/b", inputDrvs: new Map([[a.path, ["out"]]]) }, storeDir, lookup);
    const memo = new Map<string, Buffer>();
    hashDerivationModulo(b.derivation, lookup, memo);
    hashDerivationModulo(b.derivation, lookup, memo);
    assert.equal(lookups, 2, "once for makeDerivation, once for the first hash");
  });
});
