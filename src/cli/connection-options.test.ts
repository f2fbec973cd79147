import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { REMOTE_WORK_DIR } from "../ssh/remote-shell.ts";
import { addConnectionOptions, connectOptionsFrom, type ConnectionOptions } from "./connection-options.ts";
import { CliError } from "./output.ts";

function parsed(args: string[]): ConnectionOptions {
  const command = addConnectionOptions(new Command().exitOverride().configureOutput({ writeErr: () => undefined }), 10);
  command.parse(args, { from: "user" });
  return command.opts<ConnectionOptions>();
}

test("the timeout defaults per command and is never 0", () => {
  assert.deepEqual(parsed([]), { timeout: 10_000, workDir: REMOTE_WORK_DIR });
  assert.equal(parsed(["--timeout", "0.5"]).timeout, 500);
  assert.throws(() => parsed(["--timeout", "0"]), /positive number of seconds/);
});

test("--passphrase-file gives the passphrase on its first line; an unreadable one is an error", () => {
  const dir = tempDir("cli-connection-");
  const file = join(dir, "passphrase");
  writeFileSync(file, "hunter22\nignored\n");
  assert.equal(connectOptionsFrom({ ...parsed([]), passphraseFile: file }).passphrase, "hunter22");
  assert.equal(connectOptionsFrom(parsed(["--timeout", "2"])).timeoutMs, 2000);
  assert.throws(
    () => connectOptionsFrom({ ...parsed([]), passphraseFile: join(dir, "missing") }),
    (error: unknown) => error instanceof CliError && /ENOENT/.test(error.message),
  );
});
