/**
 * `offload test [FILE [REGEXP]]`: check every selected build machine, all in
 * parallel (Guix stops at the first failure; this reports all of them):
 * TCP, host key, authentication, the remote shell, architecture versus the
 * declared systems, the tools the engine needs, the work directory, and an
 * upload/download round trip. Exit status 0 only if every check passed.
 *
 * Also exports the machine selection shared with `offload status`.
 *
 * @example
 * // offload test /etc/guix/machines.scm 'build[0-9]+'
 * // offload test --json --timeout 10
 */
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import type { ChalkInstance } from "chalk";
import { DEFAULT_MACHINES_FILE } from "../machines/default-file.ts";
import { loadMachinesCached } from "../machines/cache.ts";
import type { BuildMachine } from "../machines/types.ts";
import { REMOTE_TOOLS, REMOTE_WORK_DIR } from "../offload/remote-scripts.ts";
import { defaultStateDir } from "../offload/state-dir.ts";
import { CHECKS, testMachine, type CheckResult, type MachineTestReport } from "../ssh/machine-test.ts";
import { credentialsFromEnvironment } from "../ssh/private-key.ts";
import type { ConnectOptions } from "../ssh/session.ts";
import { CliError, colorsFor, nameFilter, printLoadWarnings } from "./output.ts";

/** Options both `test` and `status` take. */
export interface MachineCommandOptions {
  json?: boolean;
  timeout?: string;
  passphraseFile?: string;
  workDir?: string;
}

/**
 * Load FILE (through the cache in the default state directory), print its warnings, keep the machines whose name matches REGEXP,
 * and drop later duplicates of a name:port (as Guix does).
 *
 * @example
 * const machines = await selectMachines("/etc/guix/machines.scm", "^build");
 */
export async function selectMachines(file: string, regexp: string | undefined): Promise<BuildMachine[]> {
  const matches = nameFilter(regexp);
  const { machines, warnings } = await loadMachinesCached(file, defaultStateDir());
  printLoadWarnings(file, warnings);
  const seen = new Set<string>();
  return machines.filter((machine) => {
    const key = `${machine.name}:${machine.port}`;
    if (!matches(machine.name) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Add `--json`, `--timeout`, `--passphrase-file` and `--work-dir` to a command.
 *
 * @example
 * addMachineOptions(program.command("status"), 10);
 */
export function addMachineOptions(command: Command, defaultTimeoutSeconds: number): Command {
  return command
    .option("--json", "print JSON")
    .addOption(new Option("--timeout <seconds>", `connect and command timeout (default ${defaultTimeoutSeconds})`))
    .addOption(new Option("--passphrase-file <file>", "file holding the passphrase of encrypted private keys (or set OFFLOAD_KEY_PASSPHRASE)"))
    .addOption(new Option("--work-dir <dir>", `remote work directory, relative to $HOME (default ${REMOTE_WORK_DIR})`));
}

/**
 * Seconds from an option (`--timeout` by default) as milliseconds, or a usage error.
 *
 * @example
 * secondsOption("2.5", 30); // 2500
 */
export function secondsOption(text: string | undefined, defaultSeconds: number, option = "--timeout"): number {
  if (text === undefined) return defaultSeconds * 1000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new CliError(`${option} must be a positive number of seconds, got '${text}'`, 2);
  return seconds * 1000;
}

/**
 * Connect options from the command-line options.
 *
 * @example
 * connectOptionsFrom({ timeout: "5" }, 30); // { timeoutMs: 5000 }
 */
export function connectOptionsFrom(options: MachineCommandOptions, defaultTimeoutSeconds: number): ConnectOptions {
  const connect: ConnectOptions = { timeoutMs: secondsOption(options.timeout, defaultTimeoutSeconds), ...credentialsFromEnvironment(process.env) };
  if (options.passphraseFile !== undefined) {
    try {
      connect.passphrase = readFileSync(options.passphraseFile, "utf8").split(/\r?\n/)[0] ?? "";
    } catch (error) {
      throw new CliError(`cannot read passphrase file ${options.passphraseFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  return connect;
}

const DEFAULT_TIMEOUT_SECONDS = 30;

/**
 * Register `offload test`.
 *
 * @example
 * registerTestCommand(program);
 */
export function registerTestCommand(program: Command): void {
  const command = program
    .command("test")
    .description("check that every build machine can be reached and used, all in parallel")
    .argument("[file]", "machines file", DEFAULT_MACHINES_FILE)
    .argument("[regexp]", "only machines whose name matches");
  addMachineOptions(command, DEFAULT_TIMEOUT_SECONDS)
    .addOption(new Option("--transfer-size <bytes>", "size of the round-trip test file (default 4194304)"))
    .action(async (file: string, regexp: string | undefined, options: MachineCommandOptions & { transferSize?: string }) => {
      const connect = connectOptionsFrom(options, DEFAULT_TIMEOUT_SECONDS);
      const transferBytes = options.transferSize === undefined ? undefined : Number(options.transferSize);
      if (transferBytes !== undefined && !(Number.isInteger(transferBytes) && transferBytes > 0)) {
        throw new CliError(`--transfer-size must be a positive number of bytes, got '${options.transferSize}'`, 2);
      }
      const machines = await selectMachines(file, regexp);
      if (!options.json) process.stderr.write(`testing ${machines.length} build machine${machines.length === 1 ? "" : "s"} defined in '${file}'...\n`);
      const colors = colorsFor(process.stdout);
      const printer = options.json ? null : new OrderedPrinter<MachineTestReport>((report) => process.stdout.write(formatReport(report, colors)));
      const reports = await Promise.all(
        machines.map(async (machine, index) => {
          const report = await testMachine(machine, {
            connect,
            commandTimeoutMs: connect.timeoutMs,
            workDir: options.workDir ?? REMOTE_WORK_DIR,
            transferBytes,
            requiredTools: REMOTE_TOOLS,
          });
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
 * JSON.stringify(testJson(reports)); // {"machines":[{"name":…,"port":…,"ok":…,"checks":[…]}]}
 */
export function testJson(reports: MachineTestReport[]): {
  machines: Array<{ name: string; port: number; ok: boolean; checks: CheckResult[] }>;
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

const CHECK_WIDTH = Math.max(...CHECKS.map((name) => name.length));

/**
 * One machine's block: a line per check with ✓/✗, skipped checks dimmed.
 *
 * @example
 * process.stdout.write(formatReport(report, colorsFor(process.stdout)));
 */
export function formatReport(report: MachineTestReport, colors: ChalkInstance): string {
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
  return `${lines.join("\n")}\n\n`;
}

function formatSummary(reports: MachineTestReport[], colors: ChalkInstance): string {
  const failed = reports.filter((report) => !report.ok);
  if (reports.length === 0) return "no build machines to test\n";
  if (failed.length === 0) return colors.green(`all ${reports.length} build machine${reports.length === 1 ? "" : "s"} passed every check\n`);
  const names = failed.map((report) => `${report.machine.name}:${report.machine.port}`).join(", ");
  return colors.red(`${failed.length} of ${reports.length} build machine${reports.length === 1 ? "" : "s"} failed: ${names}\n`);
}

function formatMsShort(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}
