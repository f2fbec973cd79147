import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import {
  announced,
  cleanupScript,
  commandLine,
  downloadScript,
  garbageScript,
  jobScript,
  missingKeysScript,
  newStartToken,
  guixVersionScript,
  OUTPUT_MISSING_STATUS,
  probeScript,
  remoteDirectory,
  runnerScript,
  SETUP_FAILED_STATUS,
  shellQuote,
  storeProbeScript,
  supervisedScript,
  uploadScript,
} from "./remote-shell.ts";

/** A process's start time (clock ticks since boot), as the scripts read it from /proc. */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}

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
    const env = { ODD: 'a\'b "c" $d\nnewline', EMPTY: "" };
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

describe("the probes' scripts", () => {
  const fields = (text: string): Map<string, string> =>
    new Map(
      text
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
  const run = (script: string, env: Record<string, string> = {}): string =>
    execFileSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env } });

  it("measure the nearest existing parent of a directory that does not exist, in both probes", () => {
    const dir = tempDir("offload-probe-");
    const missing = join(dir, "no such", "gnu", "store");
    const status = fields(run(probeScript(missing)));
    assert.equal(status.get("workdir"), dir);
    const store = fields(run(storeProbeScript(missing)));
    assert.deepEqual([...store.keys()], ["load", "cores", "availkb", "socket"]);
    assert.match(store.get("load")!, /^\d+\.\d+ \d+\.\d+ \d+\.\d+$/);
    assert.ok(Number(store.get("cores")) >= 1);
    assert.match(store.get("availkb")!, /^\d+$/);
    assert.equal(store.get("socket"), "");
  });

  it("report the remote GUIX_DAEMON_SOCKET in the store probe", () => {
    assert.equal(fields(run(storeProbeScript("/"), { GUIX_DAEMON_SOCKET: "/elsewhere/it's socket" })).get("socket"), "/elsewhere/it's socket");
  });

  it("find guix on the PATH and print its version, or fail", () => {
    const bin = tempDir("offload-guix-bin-");
    writeFileSync(join(bin, "guix"), "#!/bin/sh\necho 'guix (GNU Guix) 1.4.0'\n", { mode: 0o755 });
    assert.equal(run(guixVersionScript(), { PATH: `${bin}:/usr/bin:/bin` }), `${bin}/guix\nguix (GNU Guix) 1.4.0\n`);
    assert.notEqual(spawnSync("/bin/sh", ["-c", guixVersionScript()], { env: { PATH: tempDir("offload-empty-bin-") } }).status, 0);
  });
});

// The scripts run under the local /bin/sh with HOME pointing at a temporary
// directory: the same shell code sshd would run, without SSH in between.
const home = tempDir("offload-scripts-");
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

describe("the runner's script framing", () => {
  /** One runner request: the script's byte length (and its final newline) on the header line, as runner.ts sends it. */
  const request = (token: string, script: string, length = Buffer.byteLength(script) + 1): string => `P ${token} - ${length}\n${script}\n${token}\n`;
  const script = `printf '%s|%s\\n' "\${LC_ALL-unset}" 'é 漢字 🚀'`;

  for (const shell of ["/bin/sh", "/bin/bash"]) {
    for (const lcAll of [undefined, "C.UTF-8"]) {
      it(`counts bytes, not characters, and leaves the script its locale (${shell}, LC_ALL ${lcAll ?? "unset"}, LANG C.UTF-8)`, () => {
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: "C.UTF-8", ...(lcAll === undefined ? {} : { LC_ALL: lcAll }) };
        const input = request("t1", script) + request("t2", script, Buffer.byteLength(script) - 1);
        const result = spawnSync(shell, ["-c", runnerScript()], { input, env, timeout: 20_000 });
        assert.equal(result.stdout.toString("utf8"), `${lcAll ?? "unset"}|é 漢字 🚀\nt1-end 0\nt2-end damaged\n`);
        assert.match(result.stderr.toString("utf8"), /offload: a script reached the runner damaged \(\d+ of \d+ bytes\)/);
      });
    }
  }
});

describe("remote scripts under a real shell", () => {
  it("lists missing cache keys, uploads them, then lists none", () => {
    const entries = [
      { key: helloKey, size: hello.length, executable: false },
      { key: worldKey, size: world.length, executable: true },
    ];
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
    assert.deepEqual(
      readdirSync(join(base, "cas")).filter((name) => name.startsWith(".tmp")),
      [],
    );
  });

  it("runs a job with its inputs and exact arguments, then removes its directory", async () => {
    const token = "offload-started-test";
    const args = ["a b", "it's", "$(touch pwned)", "line\nbreak", "✓"];
    const script = jobScript({
      jobId: "job-1",
      token,
      inputs: {
        directories: ["in dir"],
        files: [
          { remotePath: "in dir/h.txt", key: helloKey },
          { remotePath: "w", key: worldKey },
        ] as never,
        symlinks: [{ remotePath: "l", target: "w" }],
      },
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
    const missing = await job(
      jobScript({
        ...plain,
        jobId: "j3",
        inputs: { directories: [], files: [{ remotePath: "x", key: "e".repeat(64) }] as never, symlinks: [] },
        command: ["true"],
      }),
    );
    assert.equal(missing.status, SETUP_FAILED_STATUS);
    assert.match(missing.stderr, /cannot place input x/);
    assert.doesNotMatch(missing.stderr, /t0k/);
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
      const child = spawn(
        "/bin/sh",
        ["-c", jobScript({ ...plain, jobId: id, command: ["sh", "-c", `(sleep 2; touch ${marker}) & sleep 2; touch ${marker}`] }), "x"],
        {
          env: { PATH: process.env.PATH, HOME: home },
          stdio: ["pipe", "ignore", "pipe"],
          detached,
        },
      );
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

  it("says a command is missing in the user's words, never the script's, and still cleans up", async () => {
    const plain = { token: "t-missing", inputs: { directories: [], files: [], symlinks: [] }, env: {}, cleanUpAfter: true };
    const missing = await job(jobScript({ ...plain, jobId: "j-nf", host: "build1", command: ["nonexistent-cmd", "arg"] }));
    assert.equal(missing.status, 127);
    assert.equal(missing.stderr, "t-missing\nnonexistent-cmd: command not found on build1\n");
    const path = await job(jobScript({ ...plain, jobId: "j-nf2", host: "build1", command: ["./no/such/tool"] }));
    assert.equal(path.status, 127);
    assert.match(path.stderr, /^\.\/no\/such\/tool: no such file on build1$/m);
    const notExecutable = await job(jobScript({ ...plain, jobId: "j-nf3", host: "build1", command: ["sh", "-c", "touch x; chmod -x x; exec ./x"] }));
    assert.equal(notExecutable.status, 126, "the command's own failure stays its own");
    const viaPath = await job(jobScript({ ...plain, jobId: "j-nf4", host: "b", command: ["mytool"], env: { PATH: "/nonexistent" } }));
    assert.match(viaPath.stderr, /^mytool: command not found on b$/m, "looked up in the command's own PATH");
    assert.deepEqual(readdirSync(join(base, "jobs")), []);
  });

  it("creates the directories of inputs named inside one (--input dir/file)", async () => {
    const plain = { token: "t", env: {}, cleanUpAfter: true };
    const inputs = {
      directories: [],
      files: [{ remotePath: "in/deep/h.txt", key: helloKey }] as never,
      symlinks: [{ remotePath: "links/l", target: "../in/deep/h.txt" }],
    };
    const run = await job(jobScript({ ...plain, jobId: "j-nested", inputs, command: ["cat", "in/deep/h.txt", "links/l"] }));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.toString(), "hello\nhello\n");
  });

  it("records the job's owner before its directory exists, and removes the record with it", async () => {
    const token = "t-owner";
    const child = spawn(
      "/bin/sh",
      [
        "-c",
        jobScript({ token, jobId: "j-owned", inputs: { directories: [], files: [], symlinks: [] }, command: ["sleep", "30"], env: {}, cleanUpAfter: true }),
        "x",
      ],
      {
        env: { PATH: process.env.PATH, HOME: home },
        stdio: ["pipe", "ignore", "pipe"],
        detached: true,
      },
    );
    const closed = new Promise((resolve) => child.once("close", resolve));
    await new Promise<void>((resolve) => child.stderr.once("data", () => resolve()));
    // Not under sshd here: the owner is the parent, this test process.
    assert.equal(readFileSync(join(base, "jobs", "j-owned.owner"), "utf8"), `${process.pid} ${startTime(process.pid)}\n`);
    child.stdin.end();
    await closed;
    assert.equal(existsSync(join(base, "jobs", "j-owned.owner")), false);
    assert.equal(existsSync(join(base, "jobs", "j-owned")), false);
  });

  it("finds what dead clients left and removes it, keeping what live ones use", () => {
    const dead = spawnSync("/bin/sh", ["-c", 'read -r s < /proc/$$/stat; set -- ${s##*) }; shift 19; echo "$$ $1"'], { encoding: "utf8" }).stdout.trim();
    const live = `${process.pid} ${startTime(process.pid)}`;
    const jobs = join(base, "jobs");
    const leave = (id: string, owner: string | null, ageMinutes = 0): void => {
      mkdirSync(join(jobs, id, "sub"), { recursive: true });
      writeFileSync(join(jobs, id, "sub", "data"), Buffer.alloc(5000));
      if (owner !== null) writeFileSync(join(jobs, `${id}.owner`), `${owner}\n`);
      const when = new Date(Date.now() - ageMinutes * 60_000);
      utimesSync(join(jobs, id), when, when);
    };
    leave("gone-client", dead);
    leave("live-client", live);
    leave("recycled-pid", `${process.pid} 1`);
    leave("ownerless-new", null);
    leave("ownerless-old", null, 25 * 60);
    writeFileSync(join(jobs, "stray.owner"), `${dead}\n`);
    writeFileSync(join(jobs, "gone-client.list"), "x");
    mkdirSync(join(base, "cas"), { recursive: true });
    const [deadPid, deadStart] = dead.split(" ");
    writeFileSync(join(base, "cas", `.tmp.${deadPid}.${deadStart}`), "partial upload");
    writeFileSync(join(base, "cas", `.tmp.${process.pid}.${startTime(process.pid)}`), "upload in progress");

    const dry = sh(garbageScript({ dryRun: true }));
    assert.equal(dry.status, 0, dry.stderr);
    // Asking after a process that is gone is an answer, not an error to print.
    assert.equal(dry.stderr.toString(), "");
    const listed = dry.stdout
      .toString()
      .trim()
      .split("\n")
      .map((line) => line.split(" ").slice(0, 2).join(" "))
      .sort();
    assert.deepEqual(listed, ["job gone-client", "job ownerless-old", "job recycled-pid", `upload .tmp.${deadPid}.${deadStart}`]);
    assert.ok(existsSync(join(jobs, "gone-client")), "a dry run removes nothing");

    const removed = sh(garbageScript());
    assert.equal(removed.stdout.toString(), dry.stdout.toString());
    assert.deepEqual(readdirSync(jobs).sort(), ["live-client", "live-client.owner", "ownerless-new"]);
    assert.deepEqual(
      readdirSync(join(base, "cas")).filter((name) => name.startsWith(".tmp")),
      [`.tmp.${process.pid}.${startTime(process.pid)}`],
    );
    assert.match(dry.stdout.toString(), /^job gone-client [1-9]\d*$/m, "sizes in KiB");
    rmSync(jobs, { recursive: true, force: true });
    rmSync(join(base, "cas", `.tmp.${process.pid}.${startTime(process.pid)}`));
  });

  it("refuses identifiers that are not plain", () => {
    assert.throws(() => cleanupScript("../x"), /job id/);
    assert.throws(() => missingKeysScript([{ key: "$(x)", size: 1 }]), /cache key/);
  });
});

describe("the start line and the supervisor", () => {
  it("prints a fresh start line on stdout before anything the command prints", () => {
    const token = newStartToken();
    assert.match(token, /^offload-start-[0-9a-f]{24}$/);
    assert.notEqual(newStartToken(), token);
    const out = execFileSync("/bin/sh", ["-c", announced(token, commandLine(["echo", "out"]))], { encoding: "utf8" });
    assert.equal(out, `${token}\nout\n`);
  });

  /** Start a supervised command like sshd would, resolving once it has started (its start line on stderr). */
  async function supervised(script: string): Promise<{ child: ReturnType<typeof spawn>; closed: Promise<[number | null, string | null]> }> {
    const child = spawn("/bin/sh", ["-c", script, "offload-test"], {
      env: { PATH: process.env.PATH, HOME: home },
      stdio: ["pipe", "ignore", "pipe"],
      detached: true,
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const closed = new Promise<[number | null, string | null]>((resolve) =>
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        resolve([code, signal]);
      }),
    );
    await new Promise<void>((resolve) => child.stderr!.once("data", () => resolve()));
    return { child, closed };
  }

  it("passes a control line's signal to the command, then dies of it too, as ssh would show the command's end", async () => {
    const { child, closed } = await supervised(supervisedScript({ token: newStartToken(), argv: ["sleep", "30"] }));
    child.stdin!.write("TERM\n");
    assert.deepEqual(await closed, [null, "SIGTERM"]);
  });

  it("kills a stopped command that outlives the grace period, after the abandon lines", async () => {
    const marker = join(home, "abandoned");
    const ready = join(home, "ignoring-term");
    const command = ["sh", "-c", 'trap "" TERM; touch "$1"; sleep 10', "sh", ready];
    const { child, closed } = await supervised(supervisedScript({ token: newStartToken(), argv: command, abandon: [`touch ${shellQuote(marker)}`] }));
    for (let i = 0; i < 500 && !existsSync(ready); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    child.stdin!.end();
    assert.deepEqual(await closed, [null, "SIGKILL"]);
    assert.equal(existsSync(marker), true);
  });

  it("runs the clean-up lines with the command's status, knowing whether it was stopped", async () => {
    const log = join(home, "cleanup-log");
    const cleanup = [`printf '%s %s\\n' "$rc" "\${stopping:-no}" >> ${shellQuote(log)}`];
    const ended = await supervised(supervisedScript({ token: newStartToken(), argv: ["sh", "-c", "sleep 0.2; exit 5"], cleanup }));
    assert.deepEqual(await ended.closed, [5, null]);
    const stopped = await supervised(supervisedScript({ token: newStartToken(), argv: ["sleep", "30"], cleanup }));
    stopped.child.stdin!.end();
    assert.deepEqual(await stopped.closed, [null, "SIGKILL"], "after the clean-up, a stopped command's whole group is killed");
    assert.equal(readFileSync(log, "utf8"), "5 no\n143 1\n");
  });
});
