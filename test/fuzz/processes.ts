/**
 * Running the commands as processes — the CLI exactly as users run it — with
 * a watch: its peak resident memory (VmHWM, the high-water mark) and CPU
 * time are sampled from /proc while it runs, and a process still running
 * after the hang budget is killed.
 *
 * @example
 * const show = await runProcess(["node", "bin/offload"], "show", "/tmp/case/machines.scm", limits, env);
 * show.exitCode; // 0 or 1
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { CommandOutcome, RunLimits } from "./properties.ts";

/** How often the watch samples the process's memory. */
const SAMPLE_MS = 20;

/** The CPU time (user + system) a running process has used, in ms (0 once it is gone). */
function cpuTime(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime, in clock ticks of 1/100 s (USER_HZ on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The peak resident set of a running process, in bytes (0 once it is gone). */
export function peakResident(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * The command line of one command on one file under `limits`.
 *
 * @example
 * commandArguments("lint", "/c/m.scm", { maxSeconds: 2, maxMemory: 33554432, maxSteps: 1000000, timeMarginMs: 0, hangMs: 0, memoryMarginBytes: 0 });
 * // ["lint", "--format", "json", "--max-seconds", "2", "--max-memory", "33554432", "--max-steps", "1000000", "/c/m.scm"]
 */
export function commandArguments(command: "show" | "lint", file: string, limits: RunLimits): string[] {
  const format = command === "show" ? ["--json"] : ["--format", "json"];
  return [
    command,
    ...format,
    "--max-seconds",
    String(limits.maxSeconds),
    "--max-memory",
    String(limits.maxMemory),
    "--max-steps",
    String(limits.maxSteps),
    file,
  ];
}

/**
 * Run `prefix` (the program, e.g. `node bin/offload`) with one command on `file`.
 *
 * @example
 * const lint = await runProcess(offloadCommand(), "lint", file, limits, { ...process.env, NO_COLOR: "1" });
 */
export function runProcess(
  prefix: readonly string[],
  command: "show" | "lint",
  file: string,
  limits: RunLimits,
  env: NodeJS.ProcessEnv,
): Promise<CommandOutcome> {
  const [program, ...rest] = prefix;
  const child = spawn(program!, [...rest, ...commandArguments(command, file, limits)], { env, stdio: ["ignore", "pipe", "pipe"] });
  const started = performance.now();
  let stdout = "";
  let stderr = "";
  let peak = 0;
  let cpu = 0;
  let timedOut = false;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const sample = () => {
    peak = Math.max(peak, peakResident(child.pid!));
    cpu = Math.max(cpu, cpuTime(child.pid!));
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  const killer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, limits.hangMs);
  return new Promise((resolve) => {
    child.once("exit", sample);
    child.once("close", (code, signal) => {
      clearInterval(sampler);
      clearTimeout(killer);
      const ms = Math.round(performance.now() - started);
      resolve({ command, via: "process", exitCode: code, signal: timedOut ? null : signal, stdout, stderr, ms, cpuMs: cpu, peakBytes: peak, timedOut });
    });
  });
}
