/**
 * `offload show [--json] [FILE [REGEXP]]`: the machines a file defines, as
 * Guix reads them, with warnings. The file comes from FILE, `--machines` or
 * `$OFFLOAD_MACHINES` as for `test` and `status`; a REGEXP that matches no
 * machine is an error. A field whose value has a type Guix cannot
 * use is marked in the table (and warned about on stderr, as lint does).
 *
 * @example
 * // offload show --json /etc/guix/machines.scm 'build[0-9]'
 */
import type { Command } from "commander";
import { showReport, type ShowMachine, type ShowReport, type ShowWarning } from "../machines/report.ts";
import { formatLocation } from "../../grammar/source.ts";
import { abbreviate } from "../scheme/abbreviate.ts";
import { addLimitOptions, loadOptionsFrom, type LimitOptions } from "./limit-options.ts";
import { machinesNamed } from "./machine-selection.ts";
import { machinesArguments, machinesOption, MACHINES_ENV } from "./machines-file.ts";
import { colorsFor, printLoadWarnings } from "./output.ts";

interface ShowOptions extends LimitOptions {
  json?: boolean;
}

/** Registers `show`. */
export function registerShowCommand(program: Command): void {
  const command = program
    .command("show")
    .description("read a machines file exactly as Guix does and print its build machines")
    .argument("[file]", `machines file (default: --machines, $${MACHINES_ENV}, /etc/guix/machines.scm)`)
    .argument("[regexp]", "only machines whose name matches")
    .addOption(machinesOption())
    .option("--json", "print JSON");
  addLimitOptions(command).action((fileArgument: string | undefined, regexpArgument: string | undefined, options: ShowOptions, self: Command) => {
    const { file, regexp } = machinesArguments([fileArgument, regexpArgument], self);
    const report = showReport(file, loadOptionsFrom(options));
    if (options.json) {
      if ("machines" in report) report.machines = machinesNamed(report.machines, regexp, file, (m) => String(m.name));
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else printHuman(report, regexp);
    if ("error" in report) process.exitCode = 1;
  });
}

function printHuman(report: ShowReport, regexp: string | undefined): void {
  const err = colorsFor(process.stderr);
  if ("error" in report) {
    const where = report.error.location;
    const prefix = `${where ? formatLocation(where) : report.file}: `;
    process.stderr.write(`${err.red(`${prefix}error: ${report.error.message}`)} ${err.dim(`[${report.error.code}]`)}\n`);
    return;
  }
  // Marks are found by each machine's place in the file, before REGEXP leaves some out.
  const rows = report.machines.map((machine, index) => ({ machine, wrong: wrongFields(report.warnings, index) }));
  const shown = machinesNamed(rows, regexp, report.file, (row) => String(row.machine.name));
  printLoadWarnings(report.file, report.warnings);
  process.stdout.write(formatMachineTable(shown, colorsFor(process.stdout)));
}

/** The fields of machine `index` whose value has the wrong type: field → the value as Scheme writes it. */
function wrongFields(warnings: readonly ShowWarning[], index: number): Map<string, string> {
  const wrong = new Map<string, string>();
  for (const w of warnings) {
    if (w.code === "wrong-field-type" && w.machine === index && w.field !== undefined) wrong.set(w.field, w.value ?? "?");
  }
  return wrong;
}

function cell(value: unknown): string {
  if (Array.isArray(value)) return abbreviate(value.join(",")) || "-";
  if (value === false || value === null) return "#f";
  return abbreviate(String(value));
}

/** One machine of the table, with the fields to mark. */
export interface TableRow {
  machine: ShowMachine;
  /** Field → its value as Scheme writes it, for fields whose value has the wrong type. */
  wrong: ReadonlyMap<string, string>;
}

const COLUMNS: ReadonlyArray<[header: string, field: string]> = [
  ["NAME", "name"],
  ["PORT", "port"],
  ["SYSTEMS", "systems"],
  ["USER", "user"],
  ["SLOTS", "parallel-builds"],
  ["SPEED", "speed"],
  ["LOAD MAX", "overload-threshold"],
  ["FEATURES", "features"],
];

/** The mark after a value of the wrong type, explained under the table. */
const MARK = "(!)";

/**
 * A plain-text table of machines (coloured header on a TTY). A value of the
 * wrong type is shown as Scheme writes it (`"22"`, not 22), marked.
 *
 * @example
 * import { Chalk } from "chalk";
 * // (port "22"): a string where Guix needs a number
 * const machine = { name: "build1", port: "22", systems: ["x86_64-linux", "i686-linux"], user: "offload", "parallel-builds": 2, speed: 1, "overload-threshold": 0.8, features: [], location: { file: "m.scm", line: 1, column: 7 } };
 * formatMachineTable([{ machine, wrong: new Map([["port", '"22"']]) }], new Chalk({ level: 0 })).split("\n");
 * // ["NAME    PORT      SYSTEMS                  USER     SLOTS  SPEED  LOAD MAX  FEATURES  DEFINED AT",
 * //  'build1  "22" (!)  x86_64-linux,i686-linux  offload  2      1      0.8       -         1:7',
 * //  "1 machine",
 * //  "(!) a value of the wrong type: Guix cannot use this machine (see the warnings)",
 * //  ""]
 */
export function formatMachineTable(rows: readonly TableRow[], colors: ReturnType<typeof colorsFor>): string {
  if (rows.length === 0) return "no build machines\n";
  const headers = [...COLUMNS.map(([header]) => header), "DEFINED AT"];
  const cells = rows.map(({ machine, wrong }) => {
    const location = machine.location as { line: number; column: number };
    return [
      ...COLUMNS.map(([, field]) => {
        const written = wrong.get(field);
        return written === undefined ? { text: cell(machine[field]), marked: false } : { text: `${written} ${MARK}`, marked: true };
      }),
      { text: `${location.line}:${location.column}`, marked: false },
    ];
  });
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.text.length)));
  const line = (row: Array<{ text: string; marked: boolean }>) =>
    row
      .map((c, i) => (c.marked ? colors.red(c.text.padEnd(widths[i]!)) : c.text.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const count = `${rows.length} machine${rows.length === 1 ? "" : "s"}`;
  const anyMarked = cells.some((row) => row.some((c) => c.marked));
  const legend = anyMarked ? `\n${colors.dim(`${MARK} a value of the wrong type: Guix cannot use this machine (see the warnings)`)}` : "";
  return (
    [
      colors.bold(
        headers
          .map((h, i) => h.padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
      ),
      ...cells.map(line),
    ].join("\n") + `\n${colors.dim(count)}${legend}\n`
  );
}
