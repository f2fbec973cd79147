import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { SchemeError } from "../scheme/errors.ts";
import { NIL, list, schemeString } from "../scheme/values.ts";
import { loadMachines, machineRecordsOf } from "./load.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIkqSLni8KQqtAS6lMphPW3Nlpi0wf2bwizs590BDzAe root@x";
const dir = tempDir("offload-load-");
let counter = 0;
function file(text: string): string {
  const path = join(dir, `m${counter++}.scm`);
  writeFileSync(path, text);
  return path;
}
const env = { HOME: "/home/tester" };

function loadError(text: string): SchemeError {
  try {
    loadMachines(file(text), { env });
  } catch (error) {
    assert.ok(error instanceof SchemeError);
    return error;
  }
  assert.fail("expected an error");
}

test("defaults are Guix's", () => {
  const { machines } = loadMachines(file(`(list (build-machine (name "a") (user "u") (host-key "${KEY}") (systems '("x86_64-linux"))))`), { env });
  assert.deepEqual(machines[0], {
    name: "a",
    port: 22,
    systems: ["x86_64-linux"],
    user: "u",
    hostKey: KEY,
    privateKey: "/home/tester/.ssh/id_rsa",
    compression: "zlib@openssh.com,zlib",
    compressionLevel: 3,
    daemonSocket: "/var/guix/daemon-socket/socket",
    overloadThreshold: 0.8,
    parallelBuilds: 1,
    speed: 1,
    features: [],
    location: machines[0]!.location,
    problems: [],
  });
  assert.equal(machines[0]!.location.line, 1);
  assert.equal(machines[0]!.location.column, 7);
  const noHome = loadMachines(file(`(list (build-machine (name "a") (user "u") (host-key "k") (systems '())))`), { env: {} });
  assert.equal(noHome.machines[0]!.privateKey, null);
});

test("clauses bind like let*, inherit copies all but location, system vs systems", () => {
  const { machines, warnings } = loadMachines(
    file(`
(define base (build-machine (name "base") (user "u") (host-key "${KEY}") (system "x86_64-linux") (speed 2.)))
(list base
      (build-machine (inherit base) (name (string-append "copy-of-" "base")) (port (+ 1 2221)))
      (build-machine (name "b") (user name) (host-key "${KEY}") (systems (list "aarch64-linux")) (system "ignored"))
      (build-machine (name "c") (user "u") (host-key "${KEY}")))`),
    { env },
  );
  assert.deepEqual(
    machines.map((m) => [m.name, m.port, m.systems, m.user, m.speed, m.location.line]),
    [
      ["base", 22, ["x86_64-linux"], "u", 2, 2],
      ["copy-of-base", 2222, ["x86_64-linux"], "u", 2, 4],
      ["b", 22, ["aarch64-linux"], "b", 1, 5],
      ["c", 22, [], "u", 1, 6],
    ],
  );
  assert.deepEqual(
    warnings.map((w) => [w.code, w.location?.line]),
    [
      ["deprecated-system", 2],
      ["deprecated-system", 4],
      ["missing-systems", 6],
    ],
  );
});

test("the four record errors, in Guix's order, with locations", () => {
  const invalid = loadError(`(list (build-machine\n  (name "a")\n  (user)))`);
  assert.equal(invalid.code, "invalid-field-specifier");
  assert.equal(invalid.location!.line, 3);
  const duplicate = loadError(`(build-machine (name "a") (user "u") (name "b") (host-key "k"))`);
  assert.equal(duplicate.code, "duplicate-field-initializer");
  assert.equal(duplicate.location!.column, 38);
  const extraneous = loadError(`(build-machine (name "a") (user "u") (host-key "k") (sytems '()))`);
  assert.equal(extraneous.code, "extraneous-field-initializers");
  assert.equal(extraneous.message, "extraneous field initializers (sytems) (did you mean systems?)");
  const missing = loadError(`(build-machine (name "a"))`);
  assert.equal(missing.message, "missing field initializers (user host-key)");
});

test("the whole top-level form is expanded before it runs", () => {
  const error = loadError(`(list (build-machine (name (error "ran too early")) (user "u") (host-key "k")) (build-machine (name "x")))`);
  assert.equal(error.code, "missing-field-initializers");
});

test("not a list, file errors, and reading key files beside the machines file", () => {
  const bare = loadMachines(file(`(build-machine (name "a") (user "u") (host-key "k"))`), { env });
  assert.deepEqual(bare.machines, []);
  assert.equal(bare.warnings[0]!.code, "not-a-list");
  const missingKeyFile = file(
    `(list (build-machine (name "a") (user "u")\n  (host-key (call-with-input-file "nope.pub" (@ (ice-9 textual-ports) get-string-all)))))`,
  );
  const missingKey = loadMachines(missingKeyFile, { env });
  assert.deepEqual(missingKey.machines, [], "Guix uses no machines when a file read while loading is missing");
  assert.deepEqual(
    missingKey.warnings.map((w) => [w.code, w.file, w.location?.line, w.location?.column]),
    [["missing-file", "nope.pub", 2, 13]],
  );
  assert.match(missingKey.warnings[0]!.message, new RegExp(`^Guix sees no build machines: nope\\.pub does not exist \\(read at ${missingKeyFile}:2:13\\)`));
  writeFileSync(join(dir, "host.pub"), `${KEY}\n`);
  const keyed = loadMachines(
    file(
      `(use-modules (ice-9 textual-ports)) (list (build-machine (name "a") (user "u") (systems '("x")) (host-key (call-with-input-file "host.pub" get-string-all))))`,
    ),
    { env },
  );
  assert.equal(keyed.machines[0]!.hostKey, `${KEY}\n`);
  const absent = loadMachines(join(dir, "absent.scm"), { env });
  assert.deepEqual(
    absent.warnings.map((w) => [w.code, w.file, w.location]),
    [["missing-file", join(dir, "absent.scm"), null]],
  );
  assert.throws(
    () => loadMachines(dir, { env }),
    (e: unknown) => e instanceof SchemeError && e.code === "file-error",
    "other file errors stay fatal",
  );
  const cycle = file(`(load "${join(dir, "cycle.scm")}")`);
  writeFileSync(join(dir, "cycle.scm"), `(load "cycle.scm")`);
  assert.throws(() => loadMachines(cycle, { env }), /load cycle/);
});

test("fields of the wrong type make the machine unusable, with a warning and the problem on the machine", () => {
  const path = file(`(list (build-machine (name "a") (port "22") (user "u") (host-key "${KEY}") (systems '("x86_64-linux")) (speed 'fast))
      (build-machine (name "b") (user "u") (host-key "${KEY}") (systems '("x86_64-linux"))))`);
  const { machines, warnings } = loadMachines(path, { env });
  assert.deepEqual(machines[0]!.problems, ['field port should be a number, got "22"', "field speed should be a number, got fast"]);
  assert.deepEqual(machines[1]!.problems, []);
  assert.deepEqual(
    warnings.map((w) => [w.code, w.message, w.location?.line]),
    [
      ["wrong-field-type", "machine 'a': field port should be a number; this machine cannot be used", 1],
      ["wrong-field-type", "machine 'a': field speed should be a number; this machine cannot be used", 1],
    ],
  );
});

test("machineRecordsOf accepts only lists of build-machine records (the documented examples)", () => {
  const { records } = loadMachines(file(`(list (build-machine (name "a") (user "u") (host-key "k") (systems '())))`), { env });
  assert.deepEqual(machineRecordsOf(NIL), []);
  assert.deepEqual(machineRecordsOf(list(records[0]!)), [records[0]]);
  assert.equal(machineRecordsOf(list(records[0]!, schemeString("other"))), undefined);
  assert.equal(machineRecordsOf(records[0]!), undefined);
});
