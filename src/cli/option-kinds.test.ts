import { test } from "node:test";
import assert from "node:assert/strict";
import { Command, InvalidArgumentError } from "commander";
import {
  parsePositiveNumber,
  parseSeconds,
  parseWholeNumber,
  positiveNumberOption,
  repeatableOption,
  secondsOption,
  wholeNumberOption,
} from "./option-kinds.ts";

function parse(command: Command, args: string[]): Record<string, unknown> {
  command.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  command.parse(args, { from: "user" });
  return command.opts();
}

test("seconds become milliseconds; 0 only where the option says what it means", () => {
  assert.equal(parseSeconds("1.5", false), 1500);
  assert.equal(parseSeconds("0", true), 0);
  for (const bad of ["0", "-1", "", " ", "soon", "Infinity", "NaN"]) assert.throws(() => parseSeconds(bad, false), InvalidArgumentError, bad);
  assert.throws(() => parseSeconds("-1", true), /0 or more/);
});

test("a seconds option applies its default in milliseconds and shows it in seconds", () => {
  const option = secondsOption("--wait <seconds>", "longest wait", { defaultSeconds: 3600, zeroMeans: "do not wait" });
  assert.equal(option.defaultValue, 3_600_000);
  assert.equal(option.defaultValueDescription, "3600");
  assert.match(option.description, /\(0: do not wait\)/);
  assert.deepEqual(parse(new Command().addOption(option), []), { wait: 3_600_000 });
  assert.deepEqual(parse(new Command().addOption(secondsOption("--wait <s>", "w", { zeroMeans: "now" })), ["--wait", "0"]), { wait: 0 });
  assert.throws(() => parse(new Command().addOption(secondsOption("--timeout <s>", "t")), ["--timeout", "0"]), /positive number of seconds/);
});

test("whole numbers have a minimum", () => {
  assert.equal(parseWholeNumber("2", 0), 2);
  assert.equal(parseWholeNumber("0", 0), 0);
  for (const bad of ["-1", "1.5", "", "two", "1e3"]) assert.throws(() => parseWholeNumber(bad, 0), InvalidArgumentError, bad);
  assert.throws(() => parseWholeNumber("0", 1), /at least 1/);
  assert.deepEqual(parse(new Command().addOption(wholeNumberOption("--retries <n>", "r", { min: 0, defaultValue: 2 })), []), { retries: 2 });
});

test("positive numbers: the applied default is only shown", () => {
  assert.equal(parsePositiveNumber("1e6"), 1_000_000);
  for (const bad of ["0", "-3", "", "x"]) assert.throws(() => parsePositiveNumber(bad), InvalidArgumentError, bad);
  const option = positiveNumberOption("--max-steps <n>", "steps", 50);
  assert.equal(option.description, "steps (default: 50)");
  assert.deepEqual(parse(new Command().addOption(option), []), {});
  assert.deepEqual(parse(new Command().addOption(positiveNumberOption("--max-steps <n>", "steps", 50)), ["--max-steps", "7"]), { maxSteps: 7 });
});

test("repeatable options collect every value in order", () => {
  assert.deepEqual(parse(new Command().addOption(repeatableOption("--input <path>", "i")), ["--input", "a", "--input", "b"]), { input: ["a", "b"] });
  assert.deepEqual(parse(new Command().addOption(repeatableOption("--input <path>", "i")), []), {});
});
