import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cacheEntries, leftoverJobs, offloadFarm, sleep, waitFor, writeFile, type OffloadFarm } from "../../test/helpers/farm.ts";
import { localSystem, type TestSshd } from "../../test/helpers/sshd.ts";
import { Offloader, type JobSpec } from "./offloader.ts";
import { slotsInUse } from "./slots.ts";

const system = localSystem();

/** Output sinks that remember what went through them. */
function sinks(): { stdout: PassThrough; stderr: PassThrough; text: () => { out: string; err: string } } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  return { stdout, stderr, text: () => ({ out, err }) };
}

function job(farm: OffloadFarm, command: string[], extra: Partial<JobSpec> = {}): JobSpec {
  return { system, features: [], command, env: {}, inputs: [], outputs: [], dir: farm.workDir, ...extra };
}

describe("offloading jobs to one machine", () => {
  let farm: OffloadFarm;
  let offloader: Offloader;
  before(async () => {
    farm = await offloadFarm(1, { parallelBuilds: 2 });
    offloader = new Offloader({ machines: farm.machines, stateDir: farm.stateDir, retries: 0 });
  });
  after(async () => {
    offloader.close();
    await farm.stop();
  });

  it("sends inputs, streams output, brings outputs back and removes the scratch directory", async () => {
    writeFile(farm.workDir, "src/words.txt", "alpha\nbeta\n");
    writeFile(farm.workDir, "src/tool.sh", "#!/bin/sh\necho tool ran\n", 0o755);
    const io = sinks();
    const report = await offloader.run(
      job(
        farm,
        [
          "sh",
          "-c",
          "mkdir -p out/sub && tr a-z A-Z < src/words.txt > out/sub/upper.txt && ./src/tool.sh && ln -s sub/upper.txt out/link && echo to-stderr >&2",
        ],
        {
          inputs: ["src"],
          outputs: ["out"],
        },
      ),
      io,
    );
    assert.equal(report.status, "succeeded", JSON.stringify(report));
    assert.equal(report.exitCode, 0);
    assert.equal(io.text().out, "tool ran\n");
    assert.equal(io.text().err, "to-stderr\n");
    assert.equal(readFileSync(join(farm.workDir, "out/sub/upper.txt"), "utf8"), "ALPHA\nBETA\n");
    assert.equal(readlinkSync(join(farm.workDir, "out/link")), "sub/upper.txt");
    assert.equal(report.bytesDown, 11);
    assert.equal(report.filesUp, 2);
    assert.deepEqual(leftoverJobs(farm.servers[0]!), []);
    assert.deepEqual(
      readdirSync(farm.workDir).filter((name) => name.startsWith(".offload-")),
      [],
    );
  });

  it("uploads nothing the second time the same inputs are used", async () => {
    writeFile(farm.workDir, "cached/data.bin", Buffer.alloc(100_000, 7));
    const first = await offloader.run(job(farm, ["cat", "cached/data.bin"], { inputs: ["cached"] }), sinks());
    assert.equal(first.status, "succeeded");
    assert.equal(first.bytesUp, 100_000);
    const second = await offloader.run(job(farm, ["wc", "-c", "cached/data.bin"], { inputs: ["cached"] }), sinks());
    assert.equal(second.status, "succeeded");
    assert.equal(second.bytesUp, 0);
    assert.equal(second.filesUp, 0);
    writeFile(farm.workDir, "cached/data.bin", Buffer.alloc(100_000, 8));
    const changed = await offloader.run(job(farm, ["true"], { inputs: ["cached"] }), sinks());
    assert.equal(changed.bytesUp, 100_000);
  });

  it("passes arguments, environment values and file names exactly, with no shell injection", async () => {
    const marker = join(farm.servers[0]!.home, "pwned");
    const nasty = [
      `a b`,
      `it's`,
      `"quoted"`,
      `$HOME`,
      "`touch ../../pwned`",
      `; touch ${marker}`,
      `$(touch ${marker})`,
      "line1\nline2",
      "ünïcødé ✓",
      "-n",
      "*",
      "\\",
      "",
    ];
    const name = `we ird'$(touch pwned-by-name);\n name ✓.txt`;
    writeFile(farm.workDir, join("odd", name), "content\n");
    const io = sinks();
    const report = await offloader.run(
      job(farm, ["sh", "-c", 'for a in "$@"; do printf "[%s]\\n" "$a"; done; printf "<%s>\\n" "$NASTY"; ls odd; test ! -e pwned-by-name', "sh", ...nasty], {
        inputs: ["odd"],
        env: { NASTY: `$(touch ${marker}) 'x' "y" ; z\nw` },
      }),
      io,
    );
    assert.equal(report.status, "succeeded", JSON.stringify(report));
    const expected = nasty.map((arg) => `[${arg}]`).join("\n") + `\n<$(touch ${marker}) 'x' "y" ; z\nw>\n${name}\n`;
    assert.equal(io.text().out, expected);
    assert.equal(existsSync(marker), false);
  });

  it("reports a non-zero exit as a failure and does not retry it", async () => {
    const report = await offloader.run(job(farm, ["sh", "-c", "echo failing >&2; exit 7"], { outputs: ["never"] }), sinks());
    assert.equal(report.status, "failed");
    assert.equal(report.exitCode, 7);
    assert.equal(report.attempts.length, 1);
    assert.equal(existsSync(join(farm.workDir, "never")), false);
    assert.deepEqual(leftoverJobs(farm.servers[0]!), []);
  });

  it("refuses outputs that escape their directory and installs nothing", async () => {
    const cases: Array<[string, string]> = [
      ["mkdir esc1 && echo ok > esc1/fine && ln -s /etc/passwd esc1/abs", "esc1"],
      ["mkdir esc2 && ln -s ../../../../secret esc2/up", "esc2"],
      ["ln -s /etc esc3", "esc3/passwd"],
      ["ln -s /etc/hostname esc4", "esc4"],
    ];
    for (const [script, output] of cases) {
      const report = await offloader.run(job(farm, ["sh", "-c", script], { outputs: [output] }), sinks());
      assert.equal(report.status, "error", `${script}: ${JSON.stringify(report)}`);
      assert.equal(report.error?.code, "output-escapes", `${script}: ${report.error?.message}`);
      assert.equal(existsSync(join(farm.workDir, output.split("/")[0]!)), false, script);
    }
    assert.deepEqual(
      readdirSync(farm.workDir).filter((name) => name.startsWith(".offload-")),
      [],
    );
    assert.deepEqual(leftoverJobs(farm.servers[0]!), []);
  });

  it("says which output is missing", async () => {
    const report = await offloader.run(job(farm, ["sh", "-c", "echo > present"], { outputs: ["present", "absent"] }), sinks());
    assert.equal(report.error?.code, "output-missing");
    assert.match(report.error!.message, /absent/);
    assert.equal(existsSync(join(farm.workDir, "present")), false);
  });

  it("replaces an existing output directory as a whole", async () => {
    writeFile(farm.workDir, "result/stale.txt", "old");
    const report = await offloader.run(job(farm, ["sh", "-c", "mkdir result && echo new > result/fresh.txt"], { outputs: ["result"] }), sinks());
    assert.equal(report.status, "succeeded");
    assert.deepEqual(readdirSync(join(farm.workDir, "result")), ["fresh.txt"]);
  });

  it("ends the remote process group on --timeout and on --max-silent-time", async () => {
    const home = farm.servers[0]!.home;
    for (const [limits, reason] of [
      [{ timeoutMs: 700 }, "timeout"],
      [{ maxSilentMs: 700 }, "silence"],
    ] as const) {
      const marker = join(home, `survived-${reason}`);
      const started = Date.now();
      const report = await offloader.run(job(farm, ["sh", "-c", `(sleep 3; touch ${marker}) & echo started; sleep 3; touch ${marker}`], limits), sinks());
      assert.equal(report.status, "timed-out", JSON.stringify(report));
      assert.equal(report.killedFor, reason);
      assert.ok(Date.now() - started < 2900, "stopped before the command would have finished");
      await sleep(3300 - (Date.now() - started));
      assert.equal(existsSync(marker), false, "no process of the job survived");
    }
    await waitFor(() => leftoverJobs(farm.servers[0]!).length === 0, 3000, "scratch removal");
  });

  it("cancels: the remote process is ended, the scratch directory removed and the slot released", async () => {
    const marker = join(farm.servers[0]!.home, "survived-cancel");
    const controller = new AbortController();
    const running = offloader.run(job(farm, ["sh", "-c", `sleep 2; touch ${marker}`], { outputs: ["x"] }), {
      ...sinks(),
      signal: controller.signal,
      onStarted: () => controller.abort(),
    });
    const report = await running;
    assert.equal(report.status, "cancelled", JSON.stringify(report));
    assert.equal(slotsInUse(farm.machines[0]!, farm.stateDir), 0);
    await waitFor(() => leftoverJobs(farm.servers[0]!).length === 0, 3000, "scratch removal");
    await sleep(2300);
    assert.equal(existsSync(marker), false);
  });

  it("keeps executable bits and separates cache entries by them", async () => {
    writeFile(farm.workDir, "bits/plain", "same");
    writeFile(farm.workDir, "bits/exec", "same", 0o755);
    const report = await offloader.run(
      job(farm, ["sh", "-c", "test -x bits/exec && test ! -x bits/plain && cp bits/exec run.sh"], { inputs: ["bits"], outputs: ["run.sh"] }),
      sinks(),
    );
    assert.equal(report.status, "succeeded", JSON.stringify(report));
    assert.ok((statSync(join(farm.workDir, "run.sh")).mode & 0o100) !== 0);
    assert.ok(cacheEntries(farm.servers[0]!).some((name) => name.endsWith("-x")));
  });

  it("keeps the directory of an input named inside one (--input dir/file)", async () => {
    writeFile(farm.workDir, "in/x.txt", "nested input\n");
    const io = sinks();
    const report = await offloader.run(job(farm, ["cat", "in/x.txt"], { inputs: ["in/x.txt"] }), io);
    assert.equal(report.status, "succeeded", JSON.stringify(report));
    assert.equal(io.text().out, "nested input\n");
  });

  it("reports only the phases a failed job reached", async () => {
    const report = await offloader.run(job(farm, ["true"], { inputs: ["no-such-input"] }), sinks());
    assert.equal(report.error?.code, "input-unreadable");
    assert.equal(report.phaseMs.run, 0);
    assert.ok(!report.phasesReached?.includes("run") && !report.phasesReached?.includes("download"), JSON.stringify(report.phasesReached));
    const done = await offloader.run(job(farm, ["true"]), sinks());
    assert.deepEqual(done.phasesReached, ["queued", "upload", "run", "download"], "a job that ran to its end went through every phase");
  });

  it("keeps each machine's input cache under its cap after uploads, least recently used out first", async () => {
    const capped = new Offloader({ machines: farm.machines, stateDir: farm.stateDir, retries: 0, cacheMaxBytes: 150_000 });
    try {
      writeFile(farm.workDir, "cap/first.bin", Buffer.alloc(100_000, 21));
      writeFile(farm.workDir, "cap/second.bin", Buffer.alloc(100_000, 22));
      const first = await capped.run(job(farm, ["true"], { inputs: ["cap/first.bin"] }), sinks());
      assert.equal(first.status, "succeeded");
      const cas = join(farm.servers[0]!.home, ".cache", "offload", "cas");
      // Everything in the cache now was last used two hours ago.
      const longAgo = Date.now() / 1000 - 7200;
      for (const name of cacheEntries(farm.servers[0]!)) utimesSync(join(cas, name), longAgo, longAgo);
      const second = await capped.run(job(farm, ["cat", "cap/second.bin"], { inputs: ["cap/second.bin"] }), sinks());
      assert.equal(second.status, "succeeded");
      const total = cacheEntries(farm.servers[0]!).reduce((sum, name) => sum + statSync(join(cas, name)).size, 0);
      assert.ok(total <= 150_000, `the cache holds ${total} bytes`);
      assert.ok(
        cacheEntries(farm.servers[0]!).some((name) => statSync(join(cas, name)).size === 100_000 && statSync(join(cas, name)).mtimeMs > Date.now() - 600_000),
        "the entry just used stays",
      );
    } finally {
      capped.close();
    }
  });

  it("rejects outputs outside the job directory before running anything", async () => {
    for (const output of ["../up", "/abs", "a/../../b"]) {
      const report = await offloader.run(job(farm, ["true"], { outputs: [output] }), sinks());
      assert.equal(report.error?.code, "invalid-job", output);
      assert.equal(report.attempts.length, 0);
    }
  });
});

describe("offloading when machines fail", () => {
  it("finishes on another machine with verified outputs when sshd is killed mid-job", async () => {
    const farm = await offloadFarm(2, {}, (index) => ({ speed: index === 0 ? 2 : 1 }));
    const offloader = new Offloader({ machines: farm.machines, stateDir: farm.stateDir, retries: 2 });
    try {
      // Whichever machine the job starts on (on a loaded machine a late probe can lose the faster one the job) dies under it.
      let killed: TestSshd | null = null;
      const report = await offloader.run(
        job(farm, ["sh", "-c", "sleep 1; head -c 300000 /dev/urandom > out.bin; sha256sum out.bin > out.sum"], { outputs: ["out.bin", "out.sum"] }),
        {
          ...sinks(),
          onStarted: (machine) => {
            if (killed !== null) return;
            killed = farm.servers.find((server) => server.port === machine.port)!;
            killed.killSessions();
          },
        },
      );
      assert.notEqual(killed, null, "the job started");
      const survivor = farm.servers.find((server) => server !== killed)!;
      assert.equal(report.status, "succeeded", JSON.stringify(report));
      assert.equal(report.machine, `127.0.0.1:${survivor.port}`);
      assert.equal(report.attempts.length, 2);
      assert.match(report.attempts[0]!.error ?? "", /lost|closed/);
      const sum = readFileSync(join(farm.workDir, "out.sum"), "utf8").split(" ")[0];
      const { createHash } = await import("node:crypto");
      assert.equal(
        createHash("sha256")
          .update(readFileSync(join(farm.workDir, "out.bin")))
          .digest("hex"),
        sum,
      );
      assert.deepEqual(leftoverJobs(survivor), []);
    } finally {
      offloader.close();
      await farm.stop();
    }
  });

  it("retries elsewhere when sshd is killed during the upload, with no unhandled rejection", async () => {
    const farm = await offloadFarm(2, { compression: "none" });
    const offloader = new Offloader({ machines: farm.machines, stateDir: farm.stateDir, retries: 2 });
    try {
      writeFile(farm.workDir, "big.bin", Buffer.alloc(64 << 20, 3));
      let killed: number | null = null;
      const report = await offloader.run(job(farm, ["wc", "-c", "big.bin"], { inputs: ["big.bin"] }), {
        ...sinks(),
        onPhase: (phase, machine) => {
          if (phase !== "upload" || killed !== null || machine === null) return;
          const server = farm.servers.find((candidate) => candidate.port === machine.port)!;
          killed = server.port;
          // Once bytes are arriving there, the upload is under way: kill its sshd.
          const cas = join(server.home, ".cache", "offload", "cas");
          void waitFor(
            () => existsSync(cas) && readdirSync(cas).some((name) => name.startsWith(".tmp.") && statSync(join(cas, name)).size > 0),
            20_000,
            "upload",
          ).then(() => server.killSessions());
        },
      });
      assert.notEqual(killed, null);
      assert.equal(report.status, "succeeded", JSON.stringify(report));
      assert.equal(report.attempts.length, 2);
      assert.match(report.attempts[0]!.error ?? "", /lost|closed/);
      assert.notEqual(report.machine, `127.0.0.1:${killed}`);
    } finally {
      offloader.close();
      await farm.stop();
    }
  });

  it("leaves no partial output when the download is interrupted", async () => {
    const farm = await offloadFarm(1, { compression: "none" });
    const offloader = new Offloader({ machines: farm.machines, stateDir: farm.stateDir, retries: 0 });
    try {
      const report = await offloader.run(
        job(farm, ["sh", "-c", "mkdir big && head -c 50000000 /dev/zero > big/a && head -c 50000000 /dev/zero > big/b"], { outputs: ["big"] }),
        {
          ...sinks(),
          onPhase: (phase) => {
            if (phase === "download") setTimeout(() => farm.servers[0]!.killSessions(), 40);
          },
        },
      );
      assert.equal(report.status, "error", JSON.stringify(report));
      assert.equal(existsSync(join(farm.workDir, "big")), false);
      assert.deepEqual(readdirSync(farm.workDir), []);
    } finally {
      offloader.close();
      await farm.stop();
    }
  });

  it("does not retry on a machine that already failed the job", async () => {
    const farm = await offloadFarm(1);
    const offloader = new Offloader({ machines: farm.machines, stateDir: farm.stateDir, retries: 3 });
    try {
      let kills = 0;
      const report = await offloader.run(job(farm, ["sleep", "1"]), {
        ...sinks(),
        onStarted: () => {
          kills++;
          farm.servers[0]!.killSessions();
        },
      });
      assert.equal(kills, 1);
      assert.equal(report.status, "error");
      assert.equal(report.error?.code, "retries-exhausted");
      assert.match(report.error!.message, /no other machine/);
    } finally {
      offloader.close();
      await farm.stop();
    }
  });
});
