import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { commandLine, remoteDirectory, shellQuote } from "./quote.ts";

/** What a real shell makes of a command line: each argument on its own, NUL-separated. */
function argvSeenBy(shell: string, line: string): string[] {
  const out = execFileSync(shell, ["-c", line], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" } });
  return out.split("\0").slice(0, -1);
}

const nasty = [
  "",
  "plain",
  "two words",
  "it's",
  `"double"`,
  "$HOME",
  "`id`",
  "$(touch /tmp/offload-injected)",
  "a;b",
  "a && b",
  "line1\nline2",
  "tab\there",
  "*",
  "~",
  "~root",
  "-n",
  "--",
  "back\\slash",
  "A=b",
  "é ü 漢字 🚀",
  "'",
  "''",
  "!bang",
  "{a,b}",
  "#comment",
];

describe("shellQuote", () => {
  it("leaves safe words alone and quotes the rest", () => {
    assert.equal(shellQuote("abc/def-1.2_x:y@z%+,"), "abc/def-1.2_x:y@z%+,");
    assert.equal(shellQuote("a b"), "'a b'");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote(""), "''");
    assert.equal(shellQuote("A=b"), "'A=b'");
    assert.equal(shellQuote("~"), "'~'");
  });

  it("refuses NUL", () => {
    assert.throws(() => shellQuote("a\0b"), /NUL/);
  });

  for (const shell of ["/bin/sh", "/bin/bash"]) {
    it(`round-trips every awkward argument through ${shell}`, () => {
      const line = commandLine(["printf", "%s\\0", ...nasty]);
      assert.deepEqual(argvSeenBy(shell, line), nasty);
    });
  }
});

describe("commandLine", () => {
  it("puts cwd and env before an exec of the quoted argv", () => {
    assert.equal(commandLine(["make", "-j4"], { CC: "gcc -O2" }, "build dir"), "cd 'build dir' && CC='gcc -O2' exec make -j4");
  });

  it("passes environment values exactly and runs in cwd", () => {
    const env = { ODD: "a'b \"c\" $d\nnewline", EMPTY: "" };
    const line = commandLine(["sh", "-c", 'printf "%s\\0" "$ODD" "$EMPTY" "$(pwd)"'], env, "/tmp");
    assert.deepEqual(argvSeenBy("/bin/sh", line), [env.ODD, "", "/tmp"]);
  });

  it("does not mistake a leading-dash directory for an option", () => {
    assert.match(commandLine(["true"], undefined, "-x"), /^cd \.\/-x &&/);
  });

  it("rejects an empty argv and bad variable names", () => {
    assert.throws(() => commandLine([]), /empty command/);
    assert.throws(() => commandLine(["true"], { "A-B": "x" }), /invalid environment variable name/);
    assert.throws(() => commandLine(["true"], { "X; rm": "x" }), /invalid environment variable name/);
  });
});

describe("remoteDirectory", () => {
  it("defaults to $HOME and anchors relative paths there", () => {
    assert.equal(remoteDirectory(undefined), '"$HOME"');
    assert.equal(remoteDirectory("."), '"$HOME"');
    assert.equal(remoteDirectory("/var/tmp/x y"), "'/var/tmp/x y'");
    assert.equal(remoteDirectory("a b"), `"$HOME"/'a b'`);
  });
});
