import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { receiveOutputs } from "./output-stream.ts";
import { cleanupScript, downloadScript, jobScript, missingKeysScript, OUTPUT_MISSING_STATUS, SETUP_FAILED_STATUS, uploadScript } from "./remote-scripts.ts";

// The scripts run under the local /bin/sh with HOME pointing at a temporary
// directory: the same shell code sshd would run, without SSH in between.
const home = mkdtempSync(join(tmpdir(), "offload-scripts-"));
after(() => rmSync(home, { recursive: true, force: true }));
const base = join(home, ".cache", "offload");

function sh(script: string, input: Buffer | string = ""): { status: number | null; stdout: Buffer; stderr: string } {
  const result = spawnSync("/bin/sh", ["-c", script, "offload-test"], { input, env: { PATH: process.env.PATH, HOME: home }, timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString("utf8") };
}

/**
 * Run a job script with stdin held open, as over SSH (its end means "stop the
 * job"), in a new session like sshd does (`detached`); `detached: false`
 * exercises the fallback for shells that do not lead their process group.
 */
function job(script: string, detached = true): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn("/bin/sh", ["-c", script, "offload-test"], { env: { PATH: process.env.PATH, HOME: home }, stdio: ["pipe", "pipe", "pipe"], detached });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) => {
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}

const hello = Buffer.from("hello\n");
const helloKey = createHash("sha256").update(hello).digest("hex");
const world = Buffer.from("world!\n");
const worldKey = `${createHash("sha256").update(world).digest("hex")}-x`;

describe("remote scripts under a real shell", () => {
  it("lists missing cache keys, uploads them, then lists none", () => {
    const entries = [{ key: helloKey, size: hello.length, executable: false }, { key: worldKey, size: world.length, executable: true }];
    assert.deepEqual(sh(missingKeysScript(entries)).stdout.toString().trim().split("\n"), [helloKey, worldKey]);
    const upload = sh(uploadScript(entries), Buffer.concat([hello, world]));
    assert.equal(upload.status, 0, upload.stderr);
    assert.deepEqual(readFileSync(join(base, "cas", helloKey)), hello);
    assert.ok((statSync(join(base, "cas", worldKey)).mode & 0o111) !== 0);
    assert.equal(sh(missingKeysScript(entries)).stdout.toString(), "");
    assert.deepEqual(readdirSync(join(base, "cas")).sort(), [helloKey, worldKey].sort());
  });

  it("refuses a short upload and leaves no cache entry", () => {
    const key = "f".repeat(64);
    const upload = sh(uploadScript([{ key, size: 100, executable: false }]), "short");
    assert.notEqual(upload.status, 0);
    assert.equal(existsSync(join(base, "cas", key)), false);
    assert.deepEqual(readdirSync(join(base, "cas")).filter((name) => name.startsWith(".tmp")), []);
  });

  it("runs a job with its inputs and exact arguments, then removes its directory", async () => {
    const token = "offload-started-test";
    const args = ["a b", "it's", "$(touch pwned)", "line\nbreak", "✓"];
    const script = jobScript({
      jobId: "job-1",
      token,
      inputs: { directories: ["in dir"], files: [{ remotePath: "in dir/h.txt", key: helloKey }, { remotePath: "w", key: worldKey }] as never, symlinks: [{ remotePath: "l", target: "w" }] },
      command: ["sh", "-c", 'cat "in dir/h.txt" l; for a in "$@"; do printf "<%s>" "$a"; done; printf "%s" "$V"', "sh", ...args],
      env: { V: "$HOME;`x`" },
      cleanUpAfter: true,
    });
    const run = await job(script);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.toString(), `hello\nworld!\n${args.map((a) => `<${a}>`).join("")}$HOME;\`x\``);
    assert.equal(run.stderr, `${token}\n`);
    assert.deepEqual(readdirSync(join(base, "jobs")), []);
    assert.equal(existsSync(join(home, "pwned")), false);
  });

  it("passes the command's exit status and reports set-up failures apart", async () => {
    const plain = { token: "t0k", inputs: { directories: [], files: [], symlinks: [] }, env: {}, cleanUpAfter: true };
    assert.equal((await job(jobScript({ ...plain, jobId: "j2", command: ["sh", "-c", "exit 9"] }))).status, 9);
    assert.equal((await job(jobScript({ ...plain, jobId: "j2b", command: ["sh", "-c", "exit 9"] }), false)).status, 9);
    const missing = await job(jobScript({ ...plain, jobId: "j3", inputs: { directories: [], files: [{ remotePath: "x", key: "e".repeat(64) }] as never, symlinks: [] }, command: ["true"] }));
    assert.equal(missing.status, SETUP_FAILED_STATUS);
    assert.match(missing.stderr, /cannot place input x/);
    assert.doesNotMatch(missing.stderr, /t0k/);
  });

  it("streams outputs in the format receiveOutputs reads, then cleans up", async () => {
    const plain = { token: "t", inputs: { directories: [], files: [], symlinks: [] }, env: {}, cleanUpAfter: false };
    const made = await job(jobScript({ ...plain, jobId: "j4", command: ["sh", "-c", "mkdir -p out/d && printf abc > out/d/f && printf '%s' \"$1\" > 'out/n a\nme' && ln -s d/f out/l", "sh", "x"] }));
    assert.equal(made.status, 0, made.stderr);
    const download = sh(downloadScript("j4", ["out"]));
    assert.equal(download.status, 0, download.stderr);
    const staging = join(home, "staging");
    const received = await receiveOutputs(Readable.from([download.stdout]), staging, ["out"]);
    assert.equal(received.bytes, 4);
    assert.equal(readFileSync(join(staging, "out/d/f"), "utf8"), "abc");
    assert.equal(readFileSync(join(staging, "out/n a\nme"), "utf8"), "x");
    assert.deepEqual(readdirSync(join(base, "jobs")), []);
  });

  it("reports missing outputs and outputs reached through a symlink", async () => {
    const plain = { token: "t", inputs: { directories: [], files: [], symlinks: [] }, env: {}, cleanUpAfter: false };
    await job(jobScript({ ...plain, jobId: "j5", command: ["ln", "-s", "/etc", "etc"] }));
    assert.equal(sh(downloadScript("j5", ["absent"])).status, OUTPUT_MISSING_STATUS);
    await job(jobScript({ ...plain, jobId: "j6", command: ["ln", "-s", "/etc", "etc"] }));
    const through = sh(downloadScript("j6", ["etc/passwd"]));
    assert.match(through.stderr, /goes through the symlink etc/);
    assert.deepEqual(readdirSync(join(base, "jobs")), []);
    assert.equal(sh(cleanupScript("j6")).status, 0);
  });

  for (const detached of [true, false]) {
    it(`stops the job's whole process group when stdin ends (${detached ? "as sshd starts it" : "setsid fallback"})`, async () => {
      const plain = { token: "t", inputs: { directories: [], files: [], symlinks: [] }, env: {}, cleanUpAfter: false };
      const marker = join(home, `survivor-${detached}`);
      const id = `j7-${detached}`;
      const child = spawn("/bin/sh", ["-c", jobScript({ ...plain, jobId: id, command: ["sh", "-c", `(sleep 2; touch ${marker}) & sleep 2; touch ${marker}`] }), "x"], {
        env: { PATH: process.env.PATH, HOME: home },
        stdio: ["pipe", "ignore", "pipe"],
        detached,
      });
      await new Promise<void>((resolve) => child.stderr.once("data", () => resolve()));
      child.stdin.end();
      const [status, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once("close", (code, sig) => resolve([code, sig])));
      // The group way ends with the watchdog killing the whole group, the job shell included.
      assert.ok(status === 143 || signal === "SIGKILL", `status ${status}, signal ${signal}`);
      for (let i = 0; i < 100 && existsSync(join(base, "jobs", id)); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      assert.equal(existsSync(marker), false);
      assert.deepEqual(readdirSync(join(base, "jobs")), []);
    });
  }

  it("ends what the job left running when it exits", async () => {
    const plain = { token: "t", inputs: { directories: [], files: [], symlinks: [] }, env: {}, cleanUpAfter: true };
    const marker = join(home, "leftover");
    const run = await job(jobScript({ ...plain, jobId: "j8", command: ["sh", "-c", `(sleep 1; touch ${marker}) >/dev/null 2>&1 & exit 0`] }));
    assert.equal(run.status, 0);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    assert.equal(existsSync(marker), false);
  });

  it("refuses identifiers that are not plain", () => {
    assert.throws(() => cleanupScript("../x"), /job id/);
    assert.throws(() => missingKeysScript([{ key: "$(x)", size: 1 }]), /cache key/);
  });
});
