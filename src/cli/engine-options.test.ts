import { test } from "node:test";
import assert from "node:assert/strict";
import { Command } from "commander";
import { localSystem } from "../offload/local-system.ts";
import { addEngineOptions, addRequirementOptions, featureList } from "./engine-options.ts";

function parsed(args: string[]): Record<string, unknown> {
  const command = addRequirementOptions(addEngineOptions(new Command().exitOverride().configureOutput({ writeErr: () => undefined })));
  command.parse(args, { from: "user" });
  return command.opts();
}

test("engine options default as documented, in milliseconds", () => {
  assert.deepEqual(parsed([]), { wait: 3_600_000, retries: 2, connectTimeout: 30_000, persist: 60_000, cacheSize: 2 * 1024 ** 3, system: localSystem() });
  assert.deepEqual(parsed(["--wait", "0", "--retries", "0", "--connect-timeout", "1.5", "--features", "kvm,gpu", "--features", "big"]), {
    wait: 0,
    retries: 0,
    connectTimeout: 1500,
    persist: 60_000,
    cacheSize: 2 * 1024 ** 3,
    system: localSystem(),
    features: ["kvm,gpu", "big"],
  });
});

test("--wait 0 means do not wait; a connect timeout of 0 and negative retries are usage errors", () => {
  assert.throws(() => parsed(["--connect-timeout", "0"]), /positive number of seconds/);
  assert.throws(() => parsed(["--retries", "-1"]), /whole number/);
  assert.throws(() => parsed(["--wait", "-1"]), /0 or more/);
});

test("features: repeated and comma-separated, blanks dropped", () => {
  assert.deepEqual(featureList(["kvm, big-mem", "gpu", ","]), ["kvm", "big-mem", "gpu"]);
  assert.deepEqual(featureList(undefined), []);
});
