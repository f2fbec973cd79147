/**
 * Compares Guile's report on a machines file with ours and lists every
 * difference in words, so a failing differential test says exactly what
 * disagrees.
 *
 * What must agree: success versus failure; the error code; every machine,
 * field and location; every warning's code and location (and the text of
 * `not-a-list`, which Guix prints verbatim; for `missing-file` the missing
 * file's name instead of the location, which Guile cannot give; for
 * `wrong-field-type` the field and the machine's index). Error messages may differ (ours
 * are meant to be better), so they are only shown for context.
 *
 * Error locations are compared when Guile gives one. Guile's reader reports
 * where it *stopped*: just past the offending character, or the end of the
 * file for an unterminated string, list or comment. So for a stray or
 * mismatched `)` our location must be that character (Guile's column - 1);
 * for other read errors ours must not be after Guile's position.
 *
 * @example
 * const diffs = compareReports(guileReport, ourReport);
 * assert.deepEqual(diffs, [], formatDifferences(file, diffs, guileReport, ourReport));
 */
import type { Report, ReportError, ReportLocation, ReportWarning } from "../helpers/guile.ts";

/** A report as our implementation returns it; checked structurally. */
export type AnyReport = Report | Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

function showLocation(location: ReportLocation | null | undefined): string {
  return location ? `${location.file}:${location.line}:${location.column}` : "no location";
}

/**
 * Differences between two JSON values, as `path: guile X, ours Y` lines.
 *
 * @example
 * jsonDifferences("m", { port: 22 }, { port: 2222 }); // ["m.port: guile 22, ours 2222"]
 */
export function jsonDifferences(path: string, guile: unknown, ours: unknown): string[] {
  if (Array.isArray(guile) && Array.isArray(ours)) {
    if (guile.length !== ours.length) return [`${path}: guile ${show(guile)}, ours ${show(ours)}`];
    return guile.flatMap((item, i) => jsonDifferences(`${path}[${i}]`, item, ours[i]));
  }
  if (isRecord(guile) && isRecord(ours)) {
    const keys = [...new Set([...Object.keys(guile), ...Object.keys(ours)])];
    return keys.flatMap((key) => jsonDifferences(`${path}.${key}`, guile[key], ours[key]));
  }
  // Numbers compare by value: 2.0 and 2 are the same JSON number, and so are -0 and 0.
  if (guile === ours) return [];
  return [`${path}: guile ${show(guile)}, ours ${show(ours)}`];
}

function sameLocation(a: ReportLocation, b: ReportLocation): boolean {
  return a.file === b.file && a.line === b.line && a.column === b.column;
}

/** Guile's read-error position points just past a stray `)`; other read errors stop later still. */
function readErrorLocationDifference(guile: ReportError, ours: ReportLocation | null): string | undefined {
  const stopped = guile.location!;
  if (!ours) return `error.location: guile stopped reading at ${showLocation(stopped)}, ours has no location`;
  if (ours.file !== stopped.file) return `error.location.file: guile ${show(stopped.file)}, ours ${show(ours.file)}`;
  if (/unexpected "\)"|mismatched close paren/.test(guile.message)) {
    const paren = { ...stopped, column: stopped.column - 1 };
    return sameLocation(paren, ours)
      ? undefined
      : `error.location: the offending parenthesis is at ${showLocation(paren)} (guile stopped just past it), ours ${showLocation(ours)}`;
  }
  const after = ours.line > stopped.line || (ours.line === stopped.line && ours.column > stopped.column);
  return after ? `error.location: ours ${showLocation(ours)} is after where guile stopped reading (${showLocation(stopped)})` : undefined;
}

function errorDifferences(guile: ReportError, ours: unknown): string[] {
  if (!isRecord(ours)) return [`error: guile ${show(guile)}, ours ${show(ours)}`];
  const diffs: string[] = [];
  if (guile.code !== ours.code) diffs.push(`error.code: guile ${show(guile.code)}, ours ${show(ours.code)}`);
  if (guile.location) {
    const ourLocation = (ours.location ?? null) as ReportLocation | null;
    if (guile.code === "read-error" && ours.code === "read-error") {
      const diff = readErrorLocationDifference(guile, ourLocation);
      if (diff) diffs.push(diff);
    } else if (!ourLocation || !sameLocation(guile.location, ourLocation)) {
      diffs.push(`error.location: guile ${showLocation(guile.location)}, ours ${showLocation(ourLocation)}`);
    }
  }
  return diffs;
}

function warningDifferences(guile: ReportWarning[], ours: unknown): string[] {
  if (!Array.isArray(ours)) return [`warnings: guile ${show(guile)}, ours ${show(ours)}`];
  const summary = (w: unknown) => (isRecord(w) ? `${String(w.code)} at ${showLocation(w.location as ReportLocation | null)}` : show(w));
  const diffs: string[] = [];
  const count = Math.max(guile.length, ours.length);
  for (let i = 0; i < count; i++) {
    // The helper's type predates the optional keys (file, field, machine) some warnings carry.
    const g = guile[i] as (ReportWarning & Partial<Record<"file" | "field" | "machine", unknown>>) | undefined;
    const o: unknown = ours[i];
    if (!g || !isRecord(o)) {
      diffs.push(`warnings[${i}]: guile ${g ? summary(g) : "(none)"}, ours ${o === undefined ? "(none)" : summary(o)}`);
      continue;
    }
    if (g.code !== o.code) diffs.push(`warnings[${i}].code: guile ${show(g.code)}, ours ${show(o.code)}`);
    // Guile cannot say where a missing file was read; the file's name must agree.
    if (g.code === "missing-file") diffs.push(...jsonDifferences(`warnings[${i}].file`, g.file, o.file));
    else diffs.push(...jsonDifferences(`warnings[${i}].location`, g.location, o.location));
    for (const key of ["field", "machine"] as const) {
      if (g[key] !== undefined || o[key] !== undefined) diffs.push(...jsonDifferences(`warnings[${i}].${key}`, g[key], o[key]));
    }
    if (g.code === "not-a-list" && g.message !== o.message) {
      diffs.push(`warnings[${i}].message: guile ${show(g.message)}, ours ${show(o.message)}`);
    }
  }
  return diffs;
}

function machineDifferences(guile: readonly Record<string, unknown>[], ours: unknown): string[] {
  if (!Array.isArray(ours)) return [`machines: guile ${guile.length} machine(s), ours ${show(ours)}`];
  if (guile.length !== ours.length) {
    const names = (machines: readonly unknown[]) => machines.map((m) => (isRecord(m) ? show(m.name) : show(m))).join(", ");
    return [`machines: guile ${guile.length} [${names(guile)}], ours ${ours.length} [${names(ours)}]`];
  }
  return jsonDifferences("machines", guile, ours);
}

/**
 * Every way `ours` disagrees with `guile`; empty when they agree.
 *
 * @example
 * compareReports(guileShowReports([file])[0]!, showReport(file)); // []
 */
export function compareReports(guile: Report, ours: AnyReport): string[] {
  const diffs: string[] = [];
  if (guile.file !== ours.file) diffs.push(`file: guile ${show(guile.file)}, ours ${show(ours.file)}`);
  if ("error" in guile) {
    if (!("error" in ours)) {
      const loaded = Array.isArray(ours.machines) ? `${ours.machines.length} machine(s)` : show(ours);
      diffs.push(`guile failed with ${guile.error.code} (${guile.error.message}) at ${showLocation(guile.error.location)}; ours loaded ${loaded}`);
      return diffs;
    }
    return [...diffs, ...errorDifferences(guile.error, ours.error)];
  }
  if ("error" in ours) {
    const error = isRecord(ours.error) ? ours.error : {};
    diffs.push(
      `guile loaded ${guile.machines.length} machine(s); ours failed with ${show(error.code)} (${String(error.message)}) at ${showLocation(error.location as ReportLocation | null)}`,
    );
    return diffs;
  }
  diffs.push(...machineDifferences(guile.machines, ours.machines));
  diffs.push(...warningDifferences(guile.warnings, ours.warnings));
  return diffs;
}

/**
 * A readable failure message: the differences, then both reports' errors or
 * warnings for context.
 *
 * @example
 * assert.deepEqual(diffs, [], formatDifferences(file, diffs, guile, ours));
 */
export function formatDifferences(label: string, diffs: readonly string[], guile: Report, ours: AnyReport): string {
  const context = (report: AnyReport) => ("error" in report ? `error ${JSON.stringify(report.error)}` : `warnings ${JSON.stringify(report.warnings)}`);
  return [
    `${label}: our report disagrees with Guile's in ${diffs.length} place(s):`,
    ...diffs.map((d) => `  - ${d}`),
    `  guile: ${context(guile)}`,
    `  ours:  ${context(ours)}`,
  ].join("\n");
}
