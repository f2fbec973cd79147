import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { build } from "esbuild";
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_CALL_DEPTH,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_MEMORY,
  DEFAULT_MAX_SECONDS,
  DEFAULT_MAX_STEPS,
} from "../scheme/limit-defaults.ts";
import { addLimitOptions, loadOptionsFrom, type LimitOptions } from "./limit-options.ts";

function parsed(args: string[]): LimitOptions {
  const command = addLimitOptions(new Command().exitOverride().configureOutput({ writeErr: () => undefined }));
  command.parse(args, { from: "user" });
  return command.opts<LimitOptions>();
}

test("--help shows the defaults the reader and evaluator apply", () => {
  const help = addLimitOptions(new Command("x")).helpInformation().replace(/\s+/g, " ");
  assert.match(help, new RegExp(`--max-call-depth <n> nested calls before giving up \\(default: ${DEFAULT_MAX_CALL_DEPTH}\\)`));
  assert.match(help, /--max-memory <bytes> Scheme data the file's evaluation may hold \(default: 536870912\)/);
  for (const value of [DEFAULT_MAX_STEPS, DEFAULT_MAX_DEPTH, DEFAULT_MAX_BYTES, DEFAULT_MAX_SECONDS, DEFAULT_MAX_MEMORY])
    assert.match(help, new RegExp(`\\(default: ${value}\\)`));
  assert.equal(DEFAULT_MAX_CALL_DEPTH, 1_000_000);
});

test("given limits become load options; absent ones stay to the reader and evaluator", () => {
  const options = parsed(["--max-steps", "10", "--max-file-size", "2048", "--max-memory", "1048576", "--no-file-access"]);
  assert.deepEqual(loadOptionsFrom(options), {
    maxSteps: 10,
    maxCallDepth: undefined,
    maxDepth: undefined,
    maxBytes: 2048,
    maxSeconds: undefined,
    maxMemory: 1048576,
    fileAccess: false,
  });
  assert.deepEqual(loadOptionsFrom(parsed([])), {
    maxSteps: undefined,
    maxCallDepth: undefined,
    maxDepth: undefined,
    maxBytes: undefined,
    maxSeconds: undefined,
    maxMemory: undefined,
    fileAccess: true,
  });
  assert.throws(() => parsed(["--max-steps", "0"]), /positive number/);
  assert.throws(() => parsed(["--max-memory", "lots"]), /positive number/);
});

test("the limit options load neither the reader, the evaluator nor Chevrotain", async () => {
  // Every engine command adds these options: what they import, each command's start-up pays for.
  const bundled = await build({
    entryPoints: [fileURLToPath(new URL("./limit-options.ts", import.meta.url))],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
  });
  const inputs = Object.keys(bundled.metafile.inputs);
  assert.ok(
    inputs.some((input) => input.endsWith("src/scheme/limit-defaults.ts")),
    inputs.join(", "),
  );
  for (const heavy of ["grammar/reader.ts", "src/scheme/evaluator.ts", "node_modules/chevrotain/"]) {
    assert.deepEqual(
      inputs.filter((input) => input.includes(heavy)),
      [],
      `${heavy} is imported`,
    );
  }
});
