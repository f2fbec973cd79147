import { test } from "node:test";
import assert from "node:assert/strict";
import { Command } from "commander";
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from "../../grammar/reader.ts";
import { DEFAULT_MAX_CALL_DEPTH, DEFAULT_MAX_SECONDS, DEFAULT_MAX_STEPS } from "../scheme/evaluator.ts";
import { addLimitOptions, limitsGiven, loadOptionsFrom, type LimitOptions } from "./limit-options.ts";

function parsed(args: string[]): LimitOptions {
  const command = addLimitOptions(new Command().exitOverride().configureOutput({ writeErr: () => undefined }));
  command.parse(args, { from: "user" });
  return command.opts<LimitOptions>();
}

test("--help shows the defaults the reader and evaluator apply", () => {
  const help = addLimitOptions(new Command("x")).helpInformation().replace(/\s+/g, " ");
  assert.match(help, new RegExp(`--max-call-depth <n> nested calls before giving up \\(default: ${DEFAULT_MAX_CALL_DEPTH}\\)`));
  for (const value of [DEFAULT_MAX_STEPS, DEFAULT_MAX_DEPTH, DEFAULT_MAX_BYTES, DEFAULT_MAX_SECONDS]) assert.match(help, new RegExp(`\\(default: ${value}\\)`));
  assert.equal(DEFAULT_MAX_CALL_DEPTH, 1_000_000);
});

test("given limits become load options; absent ones stay to the reader and evaluator", () => {
  const options = parsed(["--max-steps", "10", "--max-file-size", "2048", "--no-file-access"]);
  assert.deepEqual(loadOptionsFrom(options), { maxSteps: 10, maxCallDepth: undefined, maxDepth: undefined, maxBytes: 2048, maxSeconds: undefined, fileAccess: false });
  assert.deepEqual(loadOptionsFrom(parsed([])), { maxSteps: undefined, maxCallDepth: undefined, maxDepth: undefined, maxBytes: undefined, maxSeconds: undefined, fileAccess: true });
  assert.throws(() => parsed(["--max-steps", "0"]), /positive number/);
});

test("limitsGiven tells whether a cached evaluation may be used", () => {
  assert.equal(limitsGiven(parsed([])), false);
  assert.equal(limitsGiven(parsed(["--max-depth", "3"])), true);
  assert.equal(limitsGiven(parsed(["--no-file-access"])), true);
});
