import { test } from "node:test";
import assert from "node:assert/strict";
import { machinesNamed, nameFilter, selectMachines } from "./machine-selection.ts";
import { CliError, UsageError } from "./output.ts";

const a = { name: "build-a", port: 22, speed: 1 };
const aAgain = { name: "build-a", port: 22, speed: 2 };
const aOtherPort = { name: "build-a", port: 2222, speed: 1 };
const b = { name: "other-b", port: 22, speed: 1 };

test("REGEXP selects by name; each name:port once, the first one kept", () => {
  assert.deepEqual(selectMachines([a, aAgain, aOtherPort, b], undefined, "m.scm"), [a, aOtherPort, b]);
  assert.deepEqual(selectMachines([a, b], "^other", "m.scm"), [b]);
});

test("a REGEXP that matches no machine is an error; no machines at all is not", () => {
  assert.throws(
    () => selectMachines([a, b], "^zzz", "m.scm"),
    (error: unknown) => error instanceof CliError && !(error instanceof UsageError) && error.message === "no machine in m.scm matches ^zzz",
  );
  assert.deepEqual(selectMachines([], undefined, "m.scm"), []);
});

test("an invalid REGEXP is a usage error", () => {
  assert.throws(() => nameFilter("("), UsageError);
  assert.equal(nameFilter(undefined)("anything"), true);
  assert.equal(nameFilter("^b")("a"), false);
});

test("machinesNamed keeps duplicates and names of any type, and fails on a REGEXP that matches nothing", () => {
  const shown = [{ name: "build-a" }, { name: "build-a" }, { name: 22 }];
  const nameOf = (machine: { name: unknown }) => String(machine.name);
  assert.deepEqual(machinesNamed(shown, "^build", "m.scm", nameOf), [{ name: "build-a" }, { name: "build-a" }]);
  assert.deepEqual(machinesNamed(shown, undefined, "m.scm", nameOf), shown);
  assert.deepEqual(machinesNamed([], undefined, "m.scm", nameOf), []);
  assert.throws(
    () => machinesNamed(shown, "^zzz", "m.scm", nameOf),
    (error: unknown) => error instanceof CliError && error.message === "no machine in m.scm matches ^zzz",
  );
});
