import { createHash } from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { downloadScript, jobScript } from "../ssh/remote-shell.ts";
import { parseHashLines, parseListing, receiveOutputs } from "./output-stream.ts";

const base = mkdtempSync(join(tmpdir(), "offload-stream-"));
after(() => rmSync(base, { recursive: true, force: true }));

function record(type: string, mode: string, size: number, link: string, path: string): string {
  return `${type} ${mode} ${size}\0${link}\0${path}\0`;
}

function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The byte stream the remote download script writes. */
function stream(listing: string, contents: string[], hashes: string): Readable {
  const list = Buffer.from(listing);
  return Readable.from([Buffer.from(`${list.length}\n`), list, ...contents.map((c) => Buffer.from(c)), Buffer.from(hashes)]);
}

describe("parseListing", () => {
  it("reads files, directories and links inside the outputs", () => {
    const listing = record("d", "755", 4096, "", "./out") + record("f", "644", 3, "", "./out/a") + record("l", "777", 1, "a", "./out/l");
    const { entries } = parseListing(Buffer.from(listing), ["out"]);
    assert.deepEqual(
      entries.map((e) => [e.type, e.path, e.size, e.target]),
      [
        ["directory", "out", 4096, ""],
        ["file", "out/a", 3, ""],
        ["symlink", "out/l", 1, "a"],
      ],
    );
  });

  it("refuses entries that escape", () => {
    const cases = [
      record("f", "644", 1, "", "./elsewhere"),
      record("d", "755", 1, "", "./out") + record("f", "644", 1, "", "./out/../x"),
      record("f", "644", 1, "", "/etc/passwd"),
      record("d", "755", 1, "", "./out") + record("l", "777", 1, "/etc/passwd", "./out/l"),
      record("d", "755", 1, "", "./out") + record("l", "777", 1, "../x", "./out/l"),
      record("d", "755", 1, "", "./out") + record("l", "777", 1, "sub", "./out/l") + record("f", "644", 1, "", "./out/l/x"),
      record("l", "777", 1, "anything", "./out"),
    ];
    for (const listing of cases) assert.throws(() => parseListing(Buffer.from(listing), ["out"]), { code: "output-escapes" }, JSON.stringify(listing));
  });

  it("notices a missing output and malformed records", () => {
    assert.throws(() => parseListing(Buffer.from(record("f", "644", 1, "", "./a")), ["a", "b"]), { code: "output-missing" });
    assert.throws(() => parseListing(Buffer.from("garbage\0\0./a\0"), ["a"]), { code: "transfer-failed" });
  });
});

describe("parseHashLines", () => {
  it("reads openssl and sha256sum lines, escaped or not, names with newlines included", () => {
    const h1 = "a".repeat(64);
    const h2 = "b".repeat(64);
    const h3 = "c".repeat(64);
    const text = `${h1} *./out/x\n\\${h2}  ./out/we\\nird\n${h3} *./out/raw\nname\n`;
    assert.deepEqual(parseHashLines(Buffer.from(text), ["out/x", "out/we\nird", "out/raw\nname"]), [h1, h2, h3]);
    assert.throws(() => parseHashLines(Buffer.from("nope\n"), ["a"]), { code: "transfer-failed" });
  });
});

describe("receiveOutputs", () => {
  it("stages verified files and links", async () => {
    const staging = join(base, "ok");
    const listing = record("d", "755", 0, "", "./out") + record("f", "755", 5, "", "./out/run") + record("l", "777", 0, "run", "./out/link");
    const received = await receiveOutputs(stream(listing, ["hello"], `${sha("hello")} *./out/run\n`), staging, ["out"]);
    assert.equal(received.bytes, 5);
    assert.equal(readFileSync(join(staging, "out/run"), "utf8"), "hello");
    assert.equal(readlinkSync(join(staging, "out/link")), "run");
  });

  it("creates the parents of nested outputs", async () => {
    const staging = join(base, "nested");
    const received = await receiveOutputs(stream(record("f", "644", 2, "", "./a/b/c.txt"), ["hi"], `${sha("hi")} *./a/b/c.txt\n`), staging, ["a/b/c.txt"]);
    assert.equal(received.bytes, 2);
    assert.equal(readFileSync(join(staging, "a/b/c.txt"), "utf8"), "hi");
  });

  it("refuses a file whose hash differs, and a truncated stream", async () => {
    const listing = record("f", "644", 5, "", "./f");
    await assert.rejects(receiveOutputs(stream(listing, ["hello"], `${sha("other")} *./f\n`), join(base, "bad"), ["f"]), { code: "output-corrupt" });
    await assert.rejects(receiveOutputs(stream(listing, ["hel"], ""), join(base, "short"), ["f"]), { code: "transfer-failed" });
    assert.equal(existsSync(join(base, "short", "f.link")), false);
  });
});

describe("receiveOutputs and the remote download script", () => {
  // Moved from offload/remote-scripts.test.ts (the scripts are in ssh/remote-shell.ts now): the same
  // shell code sshd would run, under the local /bin/sh with HOME in a temporary directory.
  const home = join(base, "home");
  const sh = (script: string): { status: number | null; stdout: Buffer; stderr: string } => {
    const result = spawnSync("/bin/sh", ["-c", script, "offload-test"], { env: { PATH: process.env.PATH, HOME: home }, timeout: 20_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString("utf8") };
  };

  /** A job script with its standard input (its control) held open, as over SSH. */
  const job = (script: string): Promise<{ status: number | null; stderr: string }> => {
    const child = spawn("/bin/sh", ["-c", script, "offload-test"], {
      env: { PATH: process.env.PATH, HOME: home },
      stdio: ["pipe", "ignore", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    return new Promise((resolve) =>
      child.once("close", (status) => {
        clearTimeout(timer);
        resolve({ status, stderr });
      }),
    );
  };

  it("streams outputs in the format receiveOutputs reads, then cleans up", async () => {
    const plain = { token: "t", inputs: { directories: [], files: [], symlinks: [] }, env: {}, cleanUpAfter: false };
    const made = await job(
      jobScript({
        ...plain,
        jobId: "j4",
        command: ["sh", "-c", "mkdir -p out/d && printf abc > out/d/f && printf '%s' \"$1\" > 'out/n a\nme' && ln -s d/f out/l", "sh", "x"],
      }),
    );
    assert.equal(made.status, 0, made.stderr);
    const download = sh(downloadScript("j4", ["out"]));
    assert.equal(download.status, 0, download.stderr);
    const staging = join(home, "staging");
    const received = await receiveOutputs(Readable.from([download.stdout]), staging, ["out"]);
    assert.equal(received.bytes, 4);
    assert.equal(readFileSync(join(staging, "out/d/f"), "utf8"), "abc");
    assert.equal(readFileSync(join(staging, "out/n a\nme"), "utf8"), "x");
    assert.deepEqual(readdirSync(join(home, ".cache", "offload", "jobs")), []);
  });
});
