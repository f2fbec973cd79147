import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Run a script that writes far more than a pipe holds; close our end after the first chunk. */
function readOneChunkThenClose(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.once("data", () => child.stdout.destroy());
  return new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal, stderr })));
}

const module = JSON.stringify(fileURLToPath(new URL("./broken-pipe.ts", import.meta.url)));
// 8 MiB in 64 KiB writes: the pipe (64 KiB) is full long before the end, so a write meets the closed pipe.
const WRITE_A_LOT = `for (let i = 0; i < 128; i++) process.stdout.write("x".repeat(65536));`;

test("a reader that goes away ends the process by SIGPIPE, with nothing on stderr", async () => {
  const result = await readOneChunkThenClose(
    `const { endQuietlyOnBrokenPipe } = await import(${module}); endQuietlyOnBrokenPipe(process.stdout); ${WRITE_A_LOT}`,
  );
  assert.deepEqual(result, { code: null, signal: "SIGPIPE", stderr: "" });
});

test("without it, Node dies of an unhandled EPIPE with a stack trace (what this module prevents)", async () => {
  const result = await readOneChunkThenClose(WRITE_A_LOT);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /EPIPE[\s\S]*\n\s+at /);
});
