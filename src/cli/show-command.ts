/**
 * `offload show [--json] [FILE [REGEXP]]`: the machines a file defines, as
 * Guix reads them, with warnings.
 *
 * @example
 * // offload show --json /etc/guix/machines.scm 'build[0-9]'
 */
import type { Command } from "commander";
import { DEFAULT_MACHINES_FILE } from "../machines/default-file.ts";
import { showReport, type ShowMachine, type ShowReport } from "../machines/report.ts";
import { formatLocation } from "../../grammar/source.ts";
import { addLimitOptions, colorsFor, loadOptionsFrom, nameFilter, printLoadWarnings, type LimitOptions } from "./output.ts";

interface ShowOptions extends LimitOptions {
  json?: boolean;
}

/** Registers `show`. */
export function registerShowCommand(program: Command): void {
  const command = program
    .command("show")
    .description("read a machines file exactly as Guix does and print its build machines")
    .argument("[file]", "machines file", DEFAULT_MACHINES_FILE)
    .argument("[regexp]", "only machines whose name matches")
    .option("--json", "print JSON");
  addLimitOptions(command).action((file: string, regexp: string | undefined, options: ShowOptions) => {
    const matches = nameFilter(regexp);
    const report = showReport(file, loadOptionsFrom(options));
    if ("machines" in report) report.machines = report.machines.filter((m) => matches(String(m.name)));
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printHuman(report);
    if ("error" in report) process.exitCode = 1;
  });
}

function printHuman(report: ShowReport): void {
  const err = colorsFor(process.stderr);
  if ("error" in report) {
    const where = report.error.location;
    const prefix = `${where ? formatLocation(where) : report.file}: `;
    process.stderr.write(`${err.red(`${prefix}error: ${report.error.message}`)} ${err.dim(`[${report.error.code}]`)}\n`);
    return;
  }
  printLoadWarnings(report.file, report.warnings);
  process.stdout.write(formatMachineTable(report.machines, colorsFor(process.stdout)));
}

function cell(value: unknown): string {
  if (Array.isArray(value)) return value.join(",") || "-";
  if (value === false || value === null) return "#f";
  return String(value);
}

/** A plain-text table of machines (coloured header on a TTY). */
export function formatMachineTable(machines: ShowMachine[], colors: ReturnType<typeof colorsFor>): string {
  if (machines.length === 0) return "no build machines\n";
  const headers = ["NAME", "PORT", "SYSTEMS", "USER", "SLOTS", "SPEED", "LOAD MAX", "FEATURES", "DEFINED AT"];
  const rows = machines.map((m) => {
    const location = m.location as { line: number; column: number };
    return [
      cell(m.name),
      cell(m.port),
      cell(m.systems),
      cell(m.user),
      cell(m["parallel-builds"]),
      cell(m.speed),
      cell(m["overload-threshold"]),
      cell(m.features),
      `${location.line}:${location.column}`,
    ];
  });
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [colors.bold(line(headers)), ...rows.map(line)].join("\n") + `\n${colors.dim(`${machines.length} machine${machines.length === 1 ? "" : "s"}`)}\n`;
}
