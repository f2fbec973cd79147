// `offload … | head`: a command whose output's reader goes away ends quietly
// by SIGPIPE (the shell's status 141), as cat and git do, never with Node's
// unhandled EPIPE and a stack trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { collect, startCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("cli-broken-pipe-");
const machine = (i: number) => `(build-machine (name "build${i}") (user "u") (host-key "ssh-ed25519 AAAA") (systems (list "x86_64-linux")))`;
const many = join(dir, "many.scm");
writeFileSync(many, `(list\n${Array.from({ length: 5000 }, (_, i) => machine(i)).join("\n")})\n`);

test("the reader closing after the first chunk of a long output (offload show | head -1)", async () => {
  const child = startCli(["show", many]);
  child.stdout!.once("data", () => child.stdout!.destroy());
  const result = await collect(child, 60_000);
  assert.deepEqual([result.code, result.signal, result.stderr], [null, "SIGPIPE", ""]);
});

test("the reader gone before anything is written (offload select --help | true, offload lint --format json | true)", async () => {
  for (const args of [
    ["select", "--help"],
    ["lint", "--format", "json", many],
  ]) {
    const child = startCli(args);
    child.stdout!.destroy();
    const result = await collect(child, 60_000);
    assert.deepEqual([result.code, result.signal, result.stderr], [null, "SIGPIPE", ""], args.join(" "));
  }
});
