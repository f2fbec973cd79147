import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseJobFile } from "./job-file.ts";

describe("parseJobFile", () => {
  it("reads jobs with defaults", () => {
    const jobs = parseJobFile(
      JSON.stringify({ jobs: [{ command: ["true"] }, { name: "t", command: ["make"], system: "aarch64-linux", features: ["kvm"], inputs: ["src"], outputs: ["out"], env: { A: "b" }, timeout: 2, "max-silent-time": 0.5, dir: "sub" }] }),
      "/work/jobs.json",
      "x86_64-linux",
    );
    assert.equal(jobs[0]!.name, "job-1");
    assert.equal(jobs[0]!.system, "x86_64-linux");
    assert.equal(jobs[0]!.dir, "/work");
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

  it("explains what is wrong", () => {
    const bad: Array<[string, RegExp]> = [
      ["{", /not valid JSON/],
      ['{"x": 1}', /list of jobs/],
      ['[{"command": []}]', /job 1: "command"/],
      ['[{"command": ["a"], "inptus": []}]', /unknown field "inptus"/],
      ['[{"command": ["a"], "timeout": -1}]', /"timeout"/],
      ['[{"command": ["a"], "env": {"1X": "y"}}]', /environment variable/],
      ['[{"name": "a", "command": ["a"]}, {"name": "a", "command": ["b"]}]', /used twice/],
    ];
    for (const [text, message] of bad) assert.throws(() => parseJobFile(text, "j.json", "x"), message, text);
  });
});
