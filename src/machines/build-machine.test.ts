import assert from "node:assert/strict";
import { test } from "node:test";
import { createInterpreter } from "../scheme/interpreter.ts";
import { writeString } from "../scheme/printer.ts";
import { buildMachineFields, defineBuildMachineModule, OFFLOAD_MODULE } from "./build-machine.ts";

function interpreter(env: Record<string, string> = { HOME: "/home/u" }) {
  return createInterpreter({ extend: (t) => defineBuildMachineModule(t, { env }), defaultModules: [OFFLOAD_MODULE] });
}

test("the documented example holds: machines files see (guix scripts offload) without importing it", () => {
  assert.equal(writeString(interpreter().evalString('(build-machine? (build-machine (name "a") (user "u") (host-key "k")))')), "#t");
});

test("Guix's fields, in Guix's order, with Guix's defaults; location is innate", () => {
  const fields = buildMachineFields({ env: {} });
  assert.deepEqual(
    fields.map((f) => f.name),
    [
      "name",
      "port",
      "systems",
      "system",
      "user",
      "private-key",
      "host-key",
      "compression",
      "compression-level",
      "daemon-socket",
      "overload-threshold",
      "parallel-builds",
      "speed",
      "features",
      "location",
    ],
  );
  assert.deepEqual(
    fields.filter((f) => !f.default).map((f) => f.name),
    ["name", "user", "host-key"],
  );
  assert.equal(fields.find((f) => f.name === "location")?.innate, true);
});

test("records print as Guile prints them; the exported accessors are Guix's", () => {
  const text = writeString(interpreter().evalString('(build-machine (name "a") (user "u") (host-key "k"))', "<command line>"));
  assert.match(text, /^#<<build-machine> name: "a" port: 22 systems: #f system: #f user: "u" private-key: "\/home\/u\/\.ssh\/id_rsa" host-key: "k" /);
  assert.match(text, / location: #f>$/);
  assert.equal(writeString(interpreter().evalString('(build-machine-systems (build-machine (name "a") (user "u") (host-key "k") (system "x")))')), '("x")');
  assert.throws(
    () => interpreter().evalString('(build-machine-speed (build-machine (name "a") (user "u") (host-key "k")))'),
    /not implemented|Unbound variable/,
  );
});
