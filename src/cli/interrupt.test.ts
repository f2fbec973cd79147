import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const interruptModule = fileURLToPath(new URL("./interrupt.ts", import.meta.url));

// In a child process: signals sent to the test runner's own process would reach its other tests.
function runChild(script: string): { status: number | null; stdout: string } {
  const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
  return { status: result.status, stdout: result.stdout };
}

test("the first interrupt aborts the signal and says so; after dispose, SIGINT is the default again", () => {
  const child = runChild(`
    const { onInterrupt } = await import(${JSON.stringify(interruptModule)});
    const interrupt = onInterrupt(() => console.log("notice"));
    const aborted = new Promise((resolve) => interrupt.signal.addEventListener("abort", resolve));
    process.kill(process.pid, "SIGINT");
    await Promise.race([aborted, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    console.log("aborted", interrupt.signal.aborted);
    interrupt.dispose();
    console.log("listeners", process.listenerCount("SIGINT"));
  `);
  assert.equal(child.status, 0);
  assert.equal(child.stdout, "notice\naborted true\nlisteners 0\n");
});

test("a second interrupt exits at once with status 130", () => {
  const child = runChild(`
    const { onInterrupt } = await import(${JSON.stringify(interruptModule)});
    const interrupt = onInterrupt(() => console.log("notice"));
    const aborted = new Promise((resolve) => interrupt.signal.addEventListener("abort", resolve));
    process.kill(process.pid, "SIGINT");
    await Promise.race([aborted, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    process.kill(process.pid, "SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    console.log("still running");
  `);
  assert.equal(child.status, 130);
  assert.equal(child.stdout, "notice\n");
});
