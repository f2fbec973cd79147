/**
 * Transfers that last over a second show progress on a terminal: `offload
 * run` draws a line (bytes, rate, time left) on standard error, the live
 * panel of `offload build` shows it on the job's row. The terminal is a real
 * pseudo-terminal (util-linux `script`); the transfer is made to last by
 * stalling the server for a moment once bytes arrive.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { shellQuote } from "../../src/ssh/remote-shell.ts";
import { offloadFarm, sleep, writeFile, type OffloadFarm } from "../helpers/farm.ts";
import { collect, offloadCommand } from "../helpers/cli.ts";
import { uploading } from "../chaos/chaos.ts";

describe("transfer progress on a terminal", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await offloadFarm(1, { compression: "none" });
  });
  after(() => farm.stop());

  /** Run the CLI under a pseudo-terminal; hold the server still for 1.5 s once an upload arrives. */
  async function onTerminal(args: string[]): Promise<{ code: number | null; output: string }> {
    // A wide terminal, so the panel's rows are not cut.
    const line = `stty cols 200; ${[...offloadCommand(), ...args].map(shellQuote).join(" ")}`;
    const child = spawn("script", ["-qefc", line, "/dev/null"], {
      cwd: farm.workDir,
      env: { ...process.env, NO_COLOR: "1", COLUMNS: "200" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const ended = collect(child, 120_000);
    const server = farm.servers[0]!;
    await uploading(server);
    server.signalConnections("SIGSTOP");
    await sleep(1500);
    server.signalConnections("SIGCONT");
    const result = await ended;
    return { code: result.code, output: result.stdout };
  }

  it("run: a line with bytes of the total, the rate and the time left, gone at the end", { timeout: 150_000 }, async () => {
    writeFile(farm.workDir, "run-input.bin", Buffer.alloc(48 << 20, 1));
    const result = await onTerminal([
      "run",
      "--machines",
      farm.machinesFile,
      "--state-dir",
      farm.stateDir,
      "--input",
      "run-input.bin",
      "--",
      "wc",
      "-c",
      "run-input.bin",
    ]);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /offload: upload [\d.]+ [KMG]?i?B of 48 MiB, [\d.]+ [KMG]?i?B\/s, [\d.]+ m?s left/);
    assert.match(result.output, /\r\x1b\[K50331648 run-input\.bin/, "the line is removed before the command's output");
  });

  it("build: the running job's row shows its transfer", { timeout: 150_000 }, async () => {
    writeFile(farm.workDir, "build-input.bin", Buffer.alloc(48 << 20, 2));
    writeFileSync(
      join(farm.workDir, "jobs.json"),
      JSON.stringify([{ name: "sends-a-lot", command: ["wc", "-c", "build-input.bin"], inputs: ["build-input.bin"] }]),
    );
    const result = await onTerminal(["build", "--machines", farm.machinesFile, "--state-dir", farm.stateDir, "--log-dir", "logs", "jobs.json"]);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /sends-a-lot\s+127\.0\.0\.1:\d+\s+upload\s+\S+ m?s\s+\d+% of 48 MiB, [\d.]+ m?s left/);
  });
});
