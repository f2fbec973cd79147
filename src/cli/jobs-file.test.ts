import { test } from "node:test";
import assert from "node:assert/strict";
import { JobsFileError, parseJobsFile } from "./jobs-file.ts";

test("jobs with every field, and defaults for the rest", () => {
  const jobs = parseJobsFile(
    JSON.stringify({
      jobs: [
        { command: ["true"] },
        {
          name: "t",
          command: ["make"],
          system: "aarch64-linux",
          features: ["kvm"],
          inputs: ["src"],
          outputs: ["out"],
          env: { A: "b" },
          timeout: 2,
          "max-silent-time": 0.5,
          dir: "sub",
        },
      ],
    }),
    "/work/jobs.json",
    "x86_64-linux",
  );
  assert.deepEqual(jobs[0], {
    name: "job-1",
    system: "x86_64-linux",
    features: [],
    command: ["true"],
    env: {},
    inputs: [],
    outputs: [],
    dir: "/work",
    timeoutMs: undefined,
    maxSilentMs: undefined,
  });
  assert.deepEqual(jobs[1], {
    name: "t",
    system: "aarch64-linux",
    features: ["kvm"],
    command: ["make"],
    env: { A: "b" },
    inputs: ["src"],
    outputs: ["out"],
    dir: "/work/sub",
    timeoutMs: 2000,
    maxSilentMs: 500,
  });
});

test("a mistake is named by its place in the file and what was expected there", () => {
  const jobs = (...list: unknown[]) => JSON.stringify(list);
  const cases: Array<[string, string]> = [
    ["{", "j.json: not valid JSON ("],
    ['{"x": 1}', 'j.json: expected a list of jobs, or an object with a "jobs" list, got {"x":1}'],
    [
      jobs({ command: ["a"] }, { command: ["b"] }, { command: ["c"] }, { command: ["d"], inputs: "a.txt" }),
      'j.json: jobs[3].inputs: expected a list of paths, got "a.txt"',
    ],
    [jobs({ command: ["a"], outputs: ["x", 3] }), "j.json: jobs[0].outputs[1]: expected a string, got 3"],
    [jobs({ command: [] }), "j.json: jobs[0].command: expected a non-empty list of strings (the program and its arguments), got []"],
    [jobs({ name: "n" }), 'j.json: jobs[0]: "command" is missing: the program and its arguments, e.g. ["make", "check"]'],
    [jobs("make"), 'j.json: jobs[0]: expected an object with at least "command", got "make"'],
    [
      jobs({ command: ["a"], inptus: [] }),
      'j.json: jobs[0]: unknown field "inptus" (did you mean "inputs"?); the fields are name, command, system, features, inputs, outputs, env, timeout, max-silent-time, dir',
    ],
    [jobs({ command: ["a"], timeout: -1 }), "j.json: jobs[0].timeout: expected a positive number of seconds, got -1"],
    [jobs({ command: ["a"], timeout: 0 }), "j.json: jobs[0].timeout: expected a positive number of seconds, got 0"],
    [jobs({ command: ["a"], env: { "1X": "y" } }), 'j.json: jobs[0].env: "1X" is not an environment variable name'],
    [jobs({ command: ["a"], env: { X: 1 } }), "j.json: jobs[0].env.X: expected a string, got 1"],
    [jobs({ command: ["a"], system: 64 }), 'j.json: jobs[0].system: expected a system type such as "x86_64-linux", got 64'],
    [jobs({ name: "a", command: ["a"] }, { name: "a", command: ["b"] }), 'j.json: jobs[1].name: "a" is already the name of jobs[0]'],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseJobsFile(text, "j.json", "x86_64-linux"),
      (error: unknown) => error instanceof JobsFileError && error.code === "invalid-jobs-file" && error.message.startsWith(message),
      message,
    );
  }
});
