import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadMachines } from "../../src/machines/load.ts";
import { generateKeyPair, machineRecord, writeMachinesFile } from "./sshd.ts";
import { tempDir } from "./temp-dir.ts";
import type { BuildMachine } from "../../src/machines/types.ts";

function record(name: string, overrides: Partial<BuildMachine> = {}): BuildMachine {
  const dir = tempDir("offload-sshd-helper-");
  return machineRecord({
    name,
    port: 2222,
    hostKey: generateKeyPair(dir).publicLine,
    privateKey: join(dir, "id"),
    overloadThreshold: null,
    parallelBuilds: 2,
    speed: 1.5,
    features: ["kvm"],
    ...overrides,
  });
}

describe("writeMachinesFile", () => {
  it("writes records that load back as given, daemon-socket included where it is not Guix's default", () => {
    const file = join(tempDir("offload-machines-file-"), "machines.scm");
    const written = writeMachinesFile(file, [record("a"), record("b", { daemonSocket: "/run/other/it's socket" })]);
    assert.equal(readFileSync(file, "utf8").match(/daemon-socket/g)?.length, 1);
    const loaded = loadMachines(file).machines;
    const fields = (machine: BuildMachine): Partial<BuildMachine> => ({
      ...machine,
      location: undefined,
      hostKey: machine.hostKey.split(" ").slice(0, 2).join(" "),
    });
    assert.deepEqual(loaded.map(fields), written.map(fields));
    assert.deepEqual(
      loaded.map((machine) => machine.location.line),
      written.map((machine) => machine.location.line),
    );
  });
});
