import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeDerivation, parseDerivation } from "../../../src/store/derivation.ts";
import { textPath } from "../../../src/store/store-path.ts";
import { PathDatabase } from "./database.ts";

describe("the test daemon's database", () => {
  const storeDir = "/tmp/db-store";
  const hash = Buffer.alloc(32);
  const texts = new Map<string, string>();
  const db = new PathDatabase(storeDir, (path) => parseDerivation(texts.get(path)!));

  it("registers paths whose references are valid or registered with them", () => {
    const a = textPath("a", "a", [], storeDir);
    const b = textPath("b", "b", [], storeDir);
    assert.throws(() => db.register([{ path: b, narHash: hash, narSize: 1, references: [a], deriver: "" }]), /path ‘.*-a’ is not valid/);
    assert.equal(db.isValid(b), false, "nothing registered after a refusal");
    db.register([
      { path: b, narHash: hash, narSize: 1, references: [a, b], deriver: "" },
      { path: a, narHash: hash, narSize: 1, references: [], deriver: "" },
    ]);
    assert.deepEqual(db.info(b).references, [a, b].sort());
    assert.deepEqual(db.referrers(a), [b]);
    assert.throws(() => db.info(textPath("c", "c", [], storeDir)), /is not valid/);
  });

  it("re-registering updates only the hash and size", () => {
    const a = textPath("a", "a", [], storeDir);
    const before = db.info(a).registrationTime;
    db.register([{ path: a, narHash: Buffer.alloc(32, 1), narSize: 2, references: [], deriver: "x", registrationTime: before + 100 }]);
    assert.equal(db.info(a).narSize, 2);
    assert.equal(db.info(a).deriver, "");
    assert.equal(db.info(a).registrationTime, before);
  });

  it("checks derivations' outputs and records them", () => {
    const good = makeDerivation({ name: "d", system: "s", builder: "/b", outputs: ["out", "doc"] }, storeDir);
    texts.set(good.path, good.text);
    db.register([{ path: good.path, narHash: hash, narSize: 1, references: [], deriver: "" }]);
    assert.deepEqual(db.outputNamesOf(good.path), ["doc", "out"]);
    assert.equal(db.outputsOf(good.path).length, 2);
    const bad = good.text.replace(good.derivation.outputs.get("doc")!.path, textPath("forged", "", [], storeDir));
    const badPath = textPath("bad.drv", bad, [], storeDir);
    texts.set(badPath, bad);
    assert.throws(() => db.register([{ path: badPath, narHash: hash, narSize: 1, references: [], deriver: "" }]), /incorrect output/);
  });
});
