import assert from "node:assert/strict";
import { hostname } from "node:os";
import { test } from "node:test";
import { currentUid, hostFact, passwdEntry } from "./host-facts.ts";

test("the documented examples hold", () => {
  assert.equal(hostFact("hostname"), hostname());
  assert.match(hostFact("passwd:root") ?? "", /^root:[^:]*:0:0:/);
  assert.equal(passwdEntry("root")?.dir, "/root");
});

test("accounts by name or id; absent ones; the uid", () => {
  assert.equal(passwdEntry(0)?.name, "root");
  assert.equal(passwdEntry("no-such-user-offload-test"), undefined);
  assert.equal(hostFact("passwd:no-such-user-offload-test"), null);
  assert.equal(hostFact("passwd:#0"), hostFact("passwd:root"));
  assert.equal(hostFact("uid"), String(currentUid()));
  assert.equal(hostFact("unknown-fact"), null);
});
