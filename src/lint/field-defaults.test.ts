import { test } from "node:test";
import assert from "node:assert/strict";
import { writeString } from "../scheme/printer.ts";
import { fieldDefaults } from "./field-defaults.ts";

test("the defaults are Guix's, as the evaluator gives them", () => {
  const shown = Object.fromEntries([...fieldDefaults()].map(([name, value]) => [name, writeString(value)]));
  assert.deepEqual(shown, {
    port: "22",
    systems: "#f",
    system: "#f",
    compression: '"zlib@openssh.com,zlib"',
    "compression-level": "3",
    "daemon-socket": '"/var/guix/daemon-socket/socket"',
    "overload-threshold": "0.8",
    "parallel-builds": "1",
    speed: "1.0",
    features: "()",
  });
});

test("required fields, private-key (it depends on HOME) and location have none", () => {
  for (const field of ["name", "user", "host-key", "private-key", "location"]) assert.equal(fieldDefaults().has(field), false, field);
});
