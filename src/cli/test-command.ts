/**
 * `offload test [FILE [REGEXP]]`: check every selected build machine, all in
 * parallel (Guix stops at the first failure; this reports all of them):
 * TCP, host key, authentication, the remote shell, architecture versus the
 * declared systems, the tools the engine needs, the work directory, and an
 * upload/download round trip; with --guix (the default on a host running
 * guix-daemon) also what the build hook needs (offload/hook/guix-checks.ts).
 * Exit status 0 only if every check passed.
 *
 * @example
 * // offload test /etc/guix/machines.scm 'build[0-9]+'
 * // offload test --json --timeout 10
 */
import type { Command } from "commander";
import type { ChalkInstance } from "chalk";
import { existsSync } from "node:fs";
import { hookConfig } from "../offload/hook/config.ts";
import { GUIX_CHECKS, testGuix } from "../offload/hook/guix-checks.ts";
import { REMOTE_TOOLS } from "../ssh/remote-shell.ts";
import { CHECKS, DEFAULT_TRANSFER_BYTES, testMachine, type CheckResult, type MachineTestReport } from "../ssh/machine-test.ts";
import { addConnectionOptions, connectOptionsFrom, type ConnectionOptions } from "./connection-options.ts";
import { addLimitOptions, type LimitOptions } from "./limit-options.ts";
import { selectMachines } from "./machine-selection.ts";
import { loadMachineList, machinesArguments, machinesOption, MACHINES_ENV } from "./machines-file.ts";
import { wholeNumberOption } from "./option-kinds.ts";
import { colorsFor } from "./output.ts";
import { stateDirOption } from "./state-dir-option.ts";

interface TestOptions extends ConnectionOptions, LimitOptions {
  json?: boolean;
  transferSize: number;
  stateDir: string;
  /** Run the Guix checks (default: when this host has a guix-daemon socket). */
  guix?: boolean;
  verbose?: boolean;
}

/** A machine's report with the Guix checks, when they ran, after the SSH ones. */
interface TestReport extends Omit<MachineTestReport, "checks" | "skipped"> {
  checks: Array<Omit<CheckResult, "check"> & { check: string }>;
  skipped: string[];
}

const DEFAULT_TIMEOUT_SECONDS = 30;

/** Register `offload test`. */
export function registerTestCommand(program: Command): void {
  const command = program
    .command("test")
    .description("check that every build machine can be reached and used, all in parallel")
    .argument("[file]", `machines file (default: --machines, $${MACHINES_ENV}, /etc/guix/machines.scm)`)
    .argument("[regexp]", "only machines whose name matches")
    .option("--json", "print JSON")
    .addOption(machinesOption())
    .addOption(stateDirOption())
    .addOption(wholeNumberOption("--transfer-size <bytes>", "size of the round-trip test file", { min: 1, defaultValue: DEFAULT_TRANSFER_BYTES }))
    .option(
      "--guix",
      "also check what guix-daemon's build hook needs: guix, the remote daemon, signing keys both ways, the host key Guix sees, store space (default: when this host runs guix-daemon)",
    )
    .option("--no-guix", "skip the Guix checks")
    .option("-v, --verbose", "also say how each connection encrypts: the cipher, and whether ssh2's native crypto binding or its JavaScript path does it");
  addConnectionOptions(command, DEFAULT_TIMEOUT_SECONDS);
  addLimitOptions(command).action(async (fileArgument: string | undefined, regexpArgument: string | undefined, options: TestOptions, self: Command) => {
    const connect = connectOptionsFrom(options);
    const { file, regexp } = machinesArguments([fileArgument, regexpArgument], self);
    const machines = selectMachines(await loadMachineList(file, options.stateDir, options), regexp, file);
    if (!options.json) process.stderr.write(`testing ${machines.length} build machine${machines.length === 1 ? "" : "s"} defined in '${file}'...\n`);
    const colors = colorsFor(process.stdout);
    const printer = options.json
      ? null
      : new OrderedPrinter<TestReport>((report) => process.stdout.write(formatReport(report, colors, options.verbose === true)));
    const config = hookConfig(process.env);
    const guix = options.guix ?? existsSync(config.daemonSocket);
    const reports = await Promise.all(
      machines.map(async (machine, index) => {
        const ssh = await testMachine(machine, {
          connect,
          commandTimeoutMs: connect.timeoutMs,
          workDir: options.workDir,
          transferBytes: options.transferSize,
          requiredTools: REMOTE_TOOLS,
        });
        const report: TestReport = { ...ssh };
        if (guix) {
          const connected = ssh.checks.some((check) => check.check === "auth" && check.ok);
          const results = connected ? await testGuix(machine, { connect, timeoutMs: connect.timeoutMs ?? 30_000, config }) : [];
          const ran = new Set(results.map((result) => result.check));
          report.checks = [...report.checks, ...results];
          report.skipped = [...report.skipped, ...GUIX_CHECKS.filter((name) => !ran.has(name))];
          report.ok = ssh.ok && results.length === GUIX_CHECKS.length && results.every((result) => result.ok);
        }
        printer?.add(index, report);
        return report;
      }),
    );
    if (options.json) process.stdout.write(`${JSON.stringify(testJson(reports), null, 2)}\n`);
    else process.stdout.write(formatSummary(reports, colors));
    process.exitCode = reports.every((report) => report.ok) ? 0 : 1;
  });
}

/**
 * The `--json` document: exactly the fields the issue specifies.
 *
 * @example
 * // offload test --json --no-guix machines.scm, with nothing listening on 127.0.0.1 port 1:
 * // {"machines": [{"name": "127.0.0.1", "port": 1, "ok": false,
 * //   "checks": [{"check": "tcp", "ok": false, "message": "connection to 127.0.0.1:1 refused: is sshd running and listening on port 1?", "ms": 6.3}]}]}
 */
function testJson(reports: TestReport[]): {
  machines: Array<{ name: string; port: number; ok: boolean; checks: TestReport["checks"] }>;
} {
  return {
    machines: reports.map((report) => ({
      name: report.machine.name,
      port: report.machine.port,
      ok: report.ok,
      checks: report.checks.map(({ check, ok, message, ms }) => ({ check, ok, message, ms })),
    })),
  };
}

/** Prints results in file order as soon as each one and all before it are known. */
class OrderedPrinter<T> {
  private readonly done = new Map<number, T>();
  private next = 0;

  constructor(private readonly print: (item: T) => void) {}

  add(index: number, item: T): void {
    this.done.set(index, item);
    while (this.done.has(this.next)) {
      this.print(this.done.get(this.next)!);
      this.done.delete(this.next);
      this.next++;
    }
  }
}

const CHECK_WIDTH = Math.max(...[...CHECKS, ...GUIX_CHECKS].map((name) => name.length));

/**
 * One machine's block: a line per check with ✓/✗, skipped checks dimmed;
 * with `verbose`, how the connection encrypts.
 *
 * @example
 * // offload test --no-guix machines.scm, with nothing listening on 127.0.0.1 port 1:
 * // 127.0.0.1:1 FAILED
 * //   ✗ tcp            connection to 127.0.0.1:1 refused: is sshd running and listening on port 1? (10 ms)
 * //   - host-key       skipped
 * //   - auth           skipped
 * //   …
 */
function formatReport(report: TestReport, colors: ChalkInstance, verbose = false): string {
  const { machine } = report;
  const title = `${machine.name}:${machine.port}`;
  const lines = [`${colors.bold(title)} ${report.ok ? colors.green("ok") : colors.red("FAILED")}`];
  for (const result of report.checks) {
    const [first = "", ...rest] = result.message.split("\n");
    const mark = result.ok ? colors.green("✓") : colors.red("✗");
    lines.push(`  ${mark} ${result.check.padEnd(CHECK_WIDTH)}  ${first} ${colors.dim(`(${formatMsShort(result.ms)})`)}`);
    for (const line of rest) lines.push(`    ${" ".repeat(CHECK_WIDTH)}  ${line.trimStart()}`);
  }
  for (const name of report.skipped) lines.push(colors.dim(`  - ${name.padEnd(CHECK_WIDTH)}  skipped`));
  if (verbose && report.crypto !== null) {
    const path = report.crypto.path === "native" ? "ssh2's native crypto binding" : "ssh2's JavaScript crypto path (no native binding)";
    lines.push(`  ${"crypto".padEnd(CHECK_WIDTH + 2)}  cipher ${report.crypto.cipher}, ${path}`);
  }
  return `${lines.join("\n")}\n\n`;
}

function formatSummary(reports: TestReport[], colors: ChalkInstance): string {
  const failed = reports.filter((report) => !report.ok);
  if (reports.length === 0) return "no build machines to test\n";
  if (failed.length === 0) return colors.green(`all ${reports.length} build machine${reports.length === 1 ? "" : "s"} passed every check\n`);
  const names = failed.map((report) => `${report.machine.name}:${report.machine.port}`).join(", ");
  return colors.red(`${failed.length} of ${reports.length} build machine${reports.length === 1 ? "" : "s"} failed: ${names}\n`);
}

function formatMsShort(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}
