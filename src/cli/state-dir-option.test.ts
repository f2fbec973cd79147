import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { Command } from "commander";
import { defaultStateDir, STATE_DIR_ENV } from "../offload/state-dir.ts";
import { stateDirOption } from "./state-dir-option.ts";

function stateDir(args: string[], env: string | undefined): string {
  const saved = process.env[STATE_DIR_ENV];
  if (env === undefined) delete process.env[STATE_DIR_ENV];
  else process.env[STATE_DIR_ENV] = env;
  try {
    const command = new Command().exitOverride().addOption(stateDirOption());
    command.parse(args, { from: "user" });
    return command.opts<{ stateDir: string }>().stateDir;
  } finally {
    if (saved === undefined) delete process.env[STATE_DIR_ENV];
    else process.env[STATE_DIR_ENV] = saved;
  }
}

test("--state-dir, else $OFFLOAD_STATE_DIR, else this user's default; always absolute", () => {
  assert.equal(stateDir([], undefined), defaultStateDir({}));
  assert.equal(stateDir([], "rel/env"), resolve("rel/env"));
  assert.equal(stateDir(["--state-dir", "rel/cli"], "rel/env"), resolve("rel/cli"));
});
