import { test } from "node:test";
import assert from "node:assert/strict";
import { CommanderError } from "commander";
import { OffloadCommand, usageLine } from "./command.ts";

test("commander's messages become one offload line with the hint folded in", () => {
  assert.equal(
    usageLine("error: unknown option '--machine'\n(Did you mean --machines?)", "offload run"),
    "offload: error: unknown option '--machine'; did you mean '--machines'? See offload run --help",
  );
  assert.equal(
    usageLine("error: missing required argument 'jobs-file'", "offload build"),
    "offload: error: missing required argument 'jobs-file'. See offload build --help",
  );
  assert.equal(
    usageLine("error: option '--timeout <seconds>' argument 'soon' is invalid. expected a positive number of seconds", "offload test"),
    "offload: error: option '--timeout <seconds>' argument 'soon' is invalid: expected a positive number of seconds. See offload test --help",
  );
});

test("a usage error in a subcommand is written once, names the subcommand, and exits 2", () => {
  let written = "";
  const program = new OffloadCommand("offload").exitOverride().configureOutput({ writeErr: (text) => (written += text) });
  program
    .command("run")
    .option("--machines <file>")
    .action(() => undefined);
  assert.throws(
    () => program.parse(["run", "--machine", "x"], { from: "user" }),
    (error: unknown) => error instanceof CommanderError && error.exitCode === 2 && error.code === "commander.unknownOption",
  );
  assert.equal(written, "offload: error: unknown option '--machine'; did you mean '--machines'? See offload run --help\n");
});
