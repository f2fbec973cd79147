/**
 * The checks behind `offload test`, for one machine, in order: TCP connect,
 * host key, authentication, the remote shell runs a command cleanly, the
 * architecture can serve the declared systems, the tools the offload engine
 * needs are present, the work directory is writable with at least 100 MiB
 * free (Guix's threshold), and a round trip (upload random bytes, download
 * them back, compare SHA-256) with its latency and throughput.
 *
 * A failed connection stage ends the test; after that every check runs if
 * what it needs is there (a missing tool does not hide a full disk).
 *
 * @example
 * import { testMachine } from "./machine-test.ts";
 * const report = await testMachine(machine, { connect: { timeoutMs: 10_000 } });
 * for (const check of report.checks) console.log(check.ok ? "✓" : "✗", check.check, check.message);
 */
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { BuildMachine } from "../machines/types.ts";
import { systemSupport, type RemotePlatform } from "./architecture.ts";
import type { ConnectionCrypto } from "./crypto-path.ts";
import { SshError, type ConnectStage } from "./errors.ts";
import { parsePinnedHostKey } from "./host-key.ts";
import { MINIMUM_FREE_BYTES } from "./probe.ts";
import { architectureScript, missingToolsScript, REMOTE_TOOLS, roundTripScripts, workDirScript } from "./remote-shell.ts";
import { machineKey } from "./machine-key.ts";
import { SshSession, type ConnectOptions } from "./session.ts";
import { formatBytes, formatRate } from "./units.ts";

/** The checks, in the order they run. */
export const CHECKS = ["tcp", "host-key", "auth", "shell", "architecture", "tools", "work-dir", "round-trip"] as const;
export type CheckName = (typeof CHECKS)[number];

/** Default size of the round-trip file. */
export const DEFAULT_TRANSFER_BYTES = 4 * 1024 * 1024;

/** The outcome of one check. */
export interface CheckResult {
  check: CheckName;
  ok: boolean;
  message: string;
  ms: number;
}

/** Every check run for one machine; checks that could not run are listed in `skipped`. */
export interface MachineTestReport {
  machine: BuildMachine;
  ok: boolean;
  checks: CheckResult[];
  skipped: CheckName[];
  /** How the connection encrypted (null when it did not get that far). */
  crypto: ConnectionCrypto | null;
}

/** Options for {@link testMachine}. */
export interface MachineTestOptions {
  connect?: ConnectOptions;
  /** Remote work directory, relative to $HOME; default $HOME. */
  workDir?: string;
  /** Size of the round-trip file; default 4 MiB. */
  transferBytes?: number;
  /** Tools that must be on the remote PATH; default {@link REMOTE_TOOLS}. */
  requiredTools?: readonly string[];
  /** Per-command timeout; default 15 000 ms (Guix's short timeout), longer for the transfer. */
  commandTimeoutMs?: number;
}

/**
 * Run every check against `machine`. Never throws: failures are in the report.
 *
 * @example
 * import type { BuildMachine } from "../machines/types.ts";
 * // nothing listens on port 1: the first stage fails and ends the test
 * const machine = { name: "127.0.0.1", port: 1, hostKey: "ssh-ed25519 AAAA", problems: [] } as unknown as BuildMachine;
 * const report = await testMachine(machine, { connect: { timeoutMs: 5000 } });
 * report.ok; // false
 * report.checks; // [{ check: "tcp", ok: false, message: "connection to 127.0.0.1:1 refused: is sshd running and listening on port 1?" }]
 * report.skipped; // ["host-key", "auth", "shell", "architecture", "tools", "work-dir", "round-trip"]
 */
export async function testMachine(machine: BuildMachine, options: MachineTestOptions = {}): Promise<MachineTestReport> {
  const checks: CheckResult[] = [];
  const session = await connectChecks(machine, options, checks);
  if (session === null) return finish(machine, checks, null);
  const crypto = session.crypto;
  try {
    const timeoutMs = options.commandTimeoutMs ?? 15_000;
    const shell = await timed("shell", () => shellCheck(session, timeoutMs));
    checks.push(shell);
    if (!shell.ok) return finish(machine, checks, crypto);
    checks.push(await timed("architecture", () => architectureCheck(session, timeoutMs)));
    checks.push(await timed("tools", () => toolsCheck(session, options.requiredTools ?? REMOTE_TOOLS, timeoutMs)));
    const workDir = await timed("work-dir", () => workDirCheck(session, options.workDir, timeoutMs));
    checks.push(workDir);
    if (workDir.ok) {
      checks.push(await timed("round-trip", () => roundTripCheck(session, options.workDir, options.transferBytes ?? DEFAULT_TRANSFER_BYTES, timeoutMs)));
    }
    return finish(machine, checks, crypto);
  } finally {
    session.close();
  }
}

function finish(machine: BuildMachine, checks: CheckResult[], crypto: ConnectionCrypto | null): MachineTestReport {
  const ran = new Set(checks.map((check) => check.check));
  return {
    machine,
    ok: checks.length === CHECKS.length && checks.every((check) => check.ok),
    checks,
    skipped: CHECKS.filter((name) => !ran.has(name)),
    crypto,
  };
}

/** Connect, recording one check per stage that passed and one for the stage that failed. */
async function connectChecks(machine: BuildMachine, options: MachineTestOptions, checks: CheckResult[]): Promise<SshSession | null> {
  const stageMs: Partial<Record<ConnectStage, number>> = {};
  const started = performance.now();
  try {
    const session = await SshSession.connect(machine, {
      ...options.connect,
      onStage: (stage, ms) => {
        stageMs[stage] = ms;
        options.connect?.onStage?.(stage, ms);
      },
    });
    checks.push(...passedStages(machine, stageMs, session));
    return session;
  } catch (error) {
    const failure = error instanceof SshError ? error : new SshError("connection-lost", machine.name, String(error));
    checks.push(...passedStages(machine, stageMs, null));
    const failedStage: ConnectStage = failure.stage ?? (stageMs.tcp === undefined ? "tcp" : stageMs["host-key"] === undefined ? "host-key" : "auth");
    const spent = Object.values(stageMs).reduce((sum, ms) => sum + ms, 0);
    checks.push({ check: failedStage, ok: false, message: failure.message, ms: round(performance.now() - started - spent) });
    return null;
  }
}

function passedStages(machine: BuildMachine, stageMs: Partial<Record<ConnectStage, number>>, session: SshSession | null): CheckResult[] {
  const results: CheckResult[] = [];
  if (stageMs.tcp !== undefined) results.push({ check: "tcp", ok: true, message: `connected to ${machineKey(machine)}`, ms: round(stageMs.tcp) });
  if (stageMs["host-key"] !== undefined) {
    const pin = parsePinnedHostKey(machine.hostKey, machine.name);
    results.push({ check: "host-key", ok: true, message: `${pin.type} ${pin.fingerprint} matches machines.scm`, ms: round(stageMs["host-key"]) });
  }
  if (stageMs.auth !== undefined) {
    const compression = session?.negotiated.cs.compress ?? "none";
    results.push({
      check: "auth",
      ok: true,
      message: `logged in as ${machine.user} with ${machine.privateKey ?? "?"}${compression === "none" ? "" : ` (${compression} compression)`}`,
      ms: round(stageMs.auth),
    });
  }
  return results;
}

type CheckOutcome = { ok: boolean; message: string };

async function timed(check: CheckName, run: () => Promise<CheckOutcome>): Promise<CheckResult> {
  const started = performance.now();
  try {
    const outcome = await run();
    return { check, ...outcome, ms: round(performance.now() - started) };
  } catch (error) {
    return { check, ok: false, message: error instanceof Error ? error.message : String(error), ms: round(performance.now() - started) };
  }
}

async function shellCheck(session: SshSession, timeoutMs: number): Promise<CheckOutcome> {
  const marker = "offload-shell-ok";
  const child = await session.exec(["echo", marker], { stdin: "ignore" });
  const timer = setTimeout(() => child.stop(), timeoutMs);
  const [stdout, stderr, status] = await Promise.all([drain(child.stdout), drain(child.stderr), child.exit]).finally(() => clearTimeout(timer));
  const output = Buffer.concat(stdout).toString("utf8");
  if (status.code !== 0) {
    return { ok: false, message: `\`echo\` exited with ${status.code ?? status.signal}: ${Buffer.concat(stderr).toString("utf8").trim()}` };
  }
  if (!(await child.started) || output !== `${marker}\n`) {
    return { ok: false, message: `the remote shell does not run commands as a POSIX shell would (stdout: ${JSON.stringify(output.slice(0, 80))})` };
  }
  const noise = (await child.preamble).toString("utf8").trim();
  if (noise !== "") {
    return {
      ok: true,
      message: `the login shell runs commands, but prints ${JSON.stringify(noise.slice(0, 60))} first: offload skips it, scp and Guix's own offload would not`,
    };
  }
  return { ok: true, message: "the login shell runs commands" };
}

async function architectureCheck(session: SshSession, timeoutMs: number): Promise<CheckOutcome> {
  const [kernel = "", machineName = "", ...binfmtLines] = (await session.output(["sh", "-c", architectureScript()], { timeoutMs })).trim().split("\n");
  const platform: RemotePlatform = { kernel, machine: machineName };
  const enabledBinfmt = new Set(binfmtLines.filter((line) => line.startsWith("enabled ")).map((line) => line.slice("enabled ".length)));
  const systems = session.machine.systems;
  if (systems.length === 0) return { ok: false, message: `${machineName} ${kernel}: the record declares no systems` };
  const notes: string[] = [];
  const problems: string[] = [];
  for (const system of systems) {
    const support = systemSupport(platform, system);
    switch (support.kind) {
      case "native":
        notes.push(`${system} native`);
        break;
      case "native-pair":
        notes.push(`${system} native (32-bit on ${machineName})`);
        break;
      case "emulation":
        if (support.binfmt !== null && enabledBinfmt.has(support.binfmt)) notes.push(`${system} via QEMU emulation (${support.binfmt})`);
        else
          problems.push(
            `${system} needs emulation, but ${support.binfmt === null ? "no QEMU binfmt entry applies" : `binfmt_misc has no enabled ${support.binfmt} entry`}`,
          );
        break;
      case "hurd-vm":
        problems.push(`${system} is GNU/Hurd, which a ${kernel} kernel cannot build (declare a childhurd as its own machine)`);
        break;
      case "unknown-system":
        problems.push(`${JSON.stringify(system)} is not a system type`);
        break;
    }
  }
  const head = `${machineName} ${kernel}`;
  if (problems.length > 0) return { ok: false, message: `${head}: ${problems.join("; ")}` };
  return { ok: true, message: `${head}: ${notes.join(", ")}` };
}

async function toolsCheck(session: SshSession, tools: readonly string[], timeoutMs: number): Promise<CheckOutcome> {
  const missing = (await session.output(["sh", "-c", missingToolsScript(), "sh", ...tools], { timeoutMs })).split("\n").filter((line) => line !== "");
  if (missing.length > 0) return { ok: false, message: `missing on the remote PATH: ${missing.join(", ")}` };
  return { ok: true, message: `${tools.join(", ")} found` };
}

async function workDirCheck(session: SshSession, workDir: string | undefined, timeoutMs: number): Promise<CheckOutcome> {
  const result = await session.run(["sh", "-c", workDirScript(workDir)], { timeoutMs });
  const [dir = "", availableKiB = ""] = result.stdout.toString("utf8").trim().split("\n");
  const stderr = result.stderr.toString("utf8").trim();
  if (result.code === 3) return { ok: false, message: `cannot create the work directory: ${stderr}` };
  if (result.code === 4) return { ok: false, message: `the work directory is not writable: ${stderr}` };
  if (result.code !== 0) return { ok: false, message: `work directory check failed (status ${result.code}): ${stderr}` };
  const free = Number(availableKiB) * 1024;
  if (!Number.isFinite(free)) return { ok: false, message: `cannot read the free space of ${dir}: ${stderr}` };
  if (free < MINIMUM_FREE_BYTES) {
    return { ok: false, message: `${dir} is writable but has only ${formatBytes(free)} free (at least ${formatBytes(MINIMUM_FREE_BYTES)} needed)` };
  }
  return { ok: true, message: `${dir} is writable, ${formatBytes(free)} free` };
}

async function roundTripCheck(session: SshSession, workDir: string | undefined, bytes: number, timeoutMs: number): Promise<CheckOutcome> {
  const data = randomBytes(bytes);
  const sent = createHash("sha256").update(data).digest("hex");
  const scripts = roundTripScripts(workDir, randomBytes(6).toString("hex"));
  const transferTimeout = timeoutMs + bytes / 1000; // at least 1 MB/s on top of the command timeout
  try {
    const latencyStart = performance.now();
    await session.output(["true"], { timeoutMs });
    const latencyMs = performance.now() - latencyStart;

    const uploadStart = performance.now();
    await session.output(["sh", "-c", scripts.store], { input: data, timeoutMs: transferTimeout });
    const uploadMs = performance.now() - uploadStart;

    const downloadStart = performance.now();
    const back = await session.run(["sh", "-c", scripts.fetch], { timeoutMs: transferTimeout, maxOutputBytes: bytes + 1 });
    const downloadMs = performance.now() - downloadStart;
    if (back.code !== 0) return { ok: false, message: `download failed with status ${back.code}: ${back.stderr.toString("utf8").trim()}` };
    const received = createHash("sha256").update(back.stdout).digest("hex");
    const rates = `${formatBytes(bytes)} up ${formatRate(bytes, uploadMs)}, down ${formatRate(bytes, downloadMs)}, latency ${latencyMs.toFixed(1)} ms`;
    if (received !== sent) {
      return {
        ok: false,
        message: `the file came back different (${back.stdout.length} bytes, sha256 ${received.slice(0, 16)}… instead of ${sent.slice(0, 16)}…); ${rates}`,
      };
    }
    return { ok: true, message: `${rates}, sha256 matches` };
  } finally {
    await session.run(["sh", "-c", scripts.remove], { timeoutMs }).catch(() => undefined);
  }
}

/** Everything a stream delivers, as chunks. */
function drain(stream: NodeJS.ReadableStream): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => resolve(chunks));
    stream.once("close", () => resolve(chunks));
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
