import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { SchemeError } from "../scheme/errors.ts";
import { loadMachineList, machinesArguments, machinesOption, MACHINES_ENV } from "./machines-file.ts";
import { UsageError } from "./output.ts";

const dir = tempDir("cli-machines-file-");

function parsed(args: string[], env: Record<string, string> = {}): Command {
  const saved = process.env[MACHINES_ENV];
  if (env[MACHINES_ENV] === undefined) delete process.env[MACHINES_ENV];
  else process.env[MACHINES_ENV] = env[MACHINES_ENV];
  try {
    const command = new Command()
      .exitOverride()
      .addOption(machinesOption())
      .argument("[file]")
      .argument("[regexp]")
      .action(() => undefined);
    command.parse(args, { from: "user" });
    return command;
  } finally {
    if (saved === undefined) delete process.env[MACHINES_ENV];
    else process.env[MACHINES_ENV] = saved;
  }
}

const resolved = (args: string[], env?: Record<string, string>) => {
  const command = parsed(args, env);
  return machinesArguments(command.args, command);
};

test("[FILE [REGEXP]] as guix offload test takes them; --machines names the file, then the argument is REGEXP", () => {
  assert.deepEqual(resolved([]), { file: "/etc/guix/machines.scm", regexp: undefined });
  assert.deepEqual(resolved(["m.scm", "^b"]), { file: "m.scm", regexp: "^b" });
  assert.deepEqual(resolved(["--machines", "m.scm"]), { file: "m.scm", regexp: undefined });
  assert.deepEqual(resolved(["--machines", "m.scm", "^b"]), { file: "m.scm", regexp: "^b" });
  assert.throws(() => resolved(["--machines", "m.scm", "other.scm", "^b"]), UsageError);
});

test("$OFFLOAD_MACHINES is the default; a FILE argument wins over it", () => {
  assert.deepEqual(resolved([], { [MACHINES_ENV]: "env.scm" }), { file: "env.scm", regexp: undefined });
  assert.deepEqual(resolved(["m.scm"], { [MACHINES_ENV]: "env.scm" }), { file: "m.scm", regexp: undefined });
  assert.deepEqual(resolved(["--machines", "m.scm"], { [MACHINES_ENV]: "env.scm" }), { file: "m.scm", regexp: undefined });
});

test("reading limits apply when given (the cached evaluation is not used then)", async () => {
  const file = join(dir, "loop.scm");
  writeFileSync(file, `(define (count n) (if (= n 0) '() (count (- n 1))))\n(count 100000)\n(list)\n`);
  const stateDir = join(dir, "state");
  assert.deepEqual(await loadMachineList(file, stateDir, {}), []);
  await assert.rejects(loadMachineList(file, stateDir, { maxSteps: 50 }), (error: unknown) => error instanceof SchemeError && error.code === "limit-exceeded");
});
