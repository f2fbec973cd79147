// The test suite leaves nothing in the temporary directory: not when a test
// passes, fails or is interrupted, and not from the CLI runs it makes. Each
// case runs in a child process with its own TMPDIR, listed before and after.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const helpers = fileURLToPath(new URL("../helpers/", import.meta.url));

/** A script that makes temporary directories the way tests do, and runs the CLI once. */
const SCRIPT = `
  const { tempDir } = await import(${JSON.stringify(join(helpers, "temp-dir.ts"))});
  const { runCli } = await import(${JSON.stringify(join(helpers, "cli.ts"))});
  const { writeFileSync } = await import("node:fs");
  const dir = tempDir("hygiene-");
  writeFileSync(dir + "/m.scm", "(list)\\n");
  const lint = await runCli(["lint", dir + "/m.scm"]);
  const state = await runCli(["select", "--machines", dir + "/m.scm", "--system", "x86_64-linux"]);
  console.log("ran", lint.code, state.code);
  const mode = process.argv.at(-1);
  if (mode === "fail") throw new Error("a failing test");
  if (mode === "wait") await new Promise((resolve) => setTimeout(resolve, 30_000));
`;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  left: string[];
}

/** Run the script with `mode` in a private TMPDIR; `signal` is sent once it has run the CLI. */
function runInPrivateTmp(mode: "pass" | "fail" | "wait", signal?: NodeJS.Signals): Promise<Outcome> {
  const tmp = mkdtempSync(join(tmpdir(), "offload-hygiene-"));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", SCRIPT, mode], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (signal && stdout.includes("ran")) child.kill(signal);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("close", (code, endedBy) => {
      clearTimeout(timer);
      // tsx keeps its compile cache in TMPDIR/tsx-UID, one for all runs: not something a test left.
      const left = readdirSync(tmp).filter((entry) => !/^tsx-\d+$/.test(entry));
      rmSync(tmp, { recursive: true, force: true });
      resolve({ code, signal: endedBy, stdout, left });
    });
  });
}

test("a passing run leaves the temporary directory as it found it, CLI runs included", async () => {
  const outcome = await runInPrivateTmp("pass");
  assert.equal(outcome.code, 0, outcome.stdout);
  assert.match(outcome.stdout, /^ran 0 1\n/);
  assert.deepEqual(outcome.left, []);
});

test("a failing run leaves nothing either", async () => {
  const outcome = await runInPrivateTmp("fail");
  assert.equal(outcome.code, 1);
  assert.deepEqual(outcome.left, []);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`a run interrupted by ${signal} leaves nothing, and still dies of the signal`, async () => {
    const outcome = await runInPrivateTmp("wait", signal);
    assert.equal(outcome.signal, signal);
    assert.deepEqual(outcome.left, []);
  });
}
