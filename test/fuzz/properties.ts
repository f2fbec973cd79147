/**
 * What every run of `show --json` and `lint --format json` must satisfy, on
 * any input (issue 15): exit 0 with JSON, or exit 1 with a JSON error that
 * carries a known code and a location inside the file; no stack trace; never
 * over the time or memory limit by more than a small margin. A run breaking
 * one is a failure, named by the property it breaks.
 *
 * @example
 * const outcome: CommandOutcome = { command: "show", via: "process", exitCode: 1, signal: null, stdout: '{"file":"m.scm"}', stderr: "", ms: 80, cpuMs: 70, peakBytes: 0 };
 * checkOutcome(outcome, context).violations.map((v) => v.property); // ["exit-status"]: exit 1 without an error
 */
import { readFileSync, statSync } from "node:fs";
import { allRules } from "../../src/lint/registry.ts";

/** How one command ran on one case. */
export interface CommandOutcome {
  command: "show" | "lint";
  /** Through the library (in a host process that runs case after case) or as a process running the CLI. */
  via: "in-process" | "process";
  /** null when killed. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time. */
  ms: number;
  /** CPU time the command used (user and system): what the time limit is checked against, whatever else the machine runs. */
  cpuMs: number;
  /** The peak resident memory of the process that ran the command (the library host or the CLI). */
  peakBytes: number;
  /** Killed by the watch: still running after {@link RunLimits.hangMs} of wall-clock time (a hang, or far past the limit). */
  timedOut?: boolean;
  /** Killed by the watch for using more memory than allowed. */
  outOfMemory?: boolean;
  /** Not run: the watch stopped the case during the command before it. */
  notRun?: boolean;
}

/** The limits a run was given and the margins the watch allows over them. */
export interface RunLimits {
  maxSeconds: number;
  maxMemory: number;
  maxSteps: number;
  /** CPU time allowed over maxSeconds (start-up, the rules after the evaluation). */
  timeMarginMs: number;
  /** Wall-clock time after which a command is stopped as hung (generous: other work may share the machine). */
  hangMs: number;
  /** Allowed over maxMemory (the runtime itself, the reader's datums, V8's own overhead). */
  memoryMarginBytes: number;
}

/** What the checks need to know about the case. */
export interface CheckContext {
  /** The machines file as given to the command. */
  main: string;
  /** The bytes of each file of the case by absolute path, to check locations against (others are read from disk: linked fixtures). */
  files: ReadonlyMap<string, Uint8Array>;
  limits: RunLimits;
}

/** A broken property and what showed it. */
export interface Violation {
  property: string;
  detail: string;
}

/** The checks' verdict: an outcome label for the figures (`ok`, `error:CODE`) and the violations. */
export interface Verdict {
  outcome: string;
  violations: Violation[];
}

const KNOWN_CODES: ReadonlySet<string> = new Set([...allRules().map((rule) => rule.id), "file-not-found"]);

/** A line of a JavaScript stack trace, or Node's own internals: never shown to a user. */
const STACK = /\n\s+at .+(?::\d+:\d+\)?|\(native\))$|node:internal|\bnode:events\b/m;

/** Messages longer than this are not one-line messages (values are abbreviated to 80 characters). */
const MAX_MESSAGE = 4096;

interface ShowJson {
  file?: unknown;
  machines?: unknown;
  warnings?: unknown;
  error?: { code?: unknown; message?: unknown; location?: { file?: unknown; line?: unknown; column?: unknown } | null };
}

interface LintJson {
  files?: Array<{
    file?: unknown;
    diagnostics?: Array<{
      rule?: unknown;
      severity?: unknown;
      message?: unknown;
      location?: { line?: unknown; column?: unknown; endLine?: unknown; endColumn?: unknown };
    }>;
  }>;
  errorCount?: unknown;
}

/**
 * The width of each line of `bytes`, counting a byte as a column (an upper
 * bound of its characters) and a tab up to the next multiple of 8, as Guile
 * counts columns.
 */
function lineLengths(bytes: Uint8Array): number[] {
  const known = LINE_LENGTHS.get(bytes);
  if (known) return known;
  const lengths: number[] = [];
  let width = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      lengths.push(width);
      width = 0;
    } else width = bytes[i] === 0x09 ? (Math.floor(width / 8) + 1) * 8 : width + 1;
  }
  LINE_LENGTHS.set(bytes, lengths);
  return lengths;
}

/** Each file's line widths, computed once: a report of 100,000 diagnostics checks each against the same file. */
const LINE_LENGTHS = new WeakMap<Uint8Array, number[]>();

/** Whether LINE:COLUMN (1-based; column may be one past the line's end) lies in `bytes`. */
function inside(bytes: Uint8Array, line: unknown, column: unknown): boolean {
  if (typeof line !== "number" || typeof column !== "number" || !Number.isInteger(line) || !Number.isInteger(column)) return false;
  const lengths = lineLengths(bytes);
  return line >= 1 && line <= lengths.length && column >= 1 && column <= lengths[line - 1]! + 1;
}

/** A file's bytes: the case's own, or a regular file on disk (a linked fixture); undefined for anything else. */
function bytesOf(context: CheckContext, path: unknown): Uint8Array | undefined {
  if (typeof path !== "string") return undefined;
  const own = context.files.get(path);
  if (own !== undefined) return own;
  try {
    return statSync(path).isFile() ? readFileSync(path) : undefined;
  } catch {
    return undefined;
  }
}

function parse<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The watch's and the process's own properties, the same for both commands. */
function runProperties(outcome: CommandOutcome, context: CheckContext): Violation[] {
  const found: Violation[] = [];
  const { limits } = context;
  if (outcome.timedOut)
    found.push({
      property: "time",
      detail: `stopped after ${outcome.ms} ms of wall-clock time (${outcome.cpuMs} ms of CPU; limit ${limits.maxSeconds} s + ${limits.timeMarginMs} ms)`,
    });
  else if (outcome.cpuMs > limits.maxSeconds * 1000 + limits.timeMarginMs)
    found.push({ property: "time", detail: `${outcome.cpuMs} ms of CPU (limit ${limits.maxSeconds} s + ${limits.timeMarginMs} ms)` });
  const memoryLimit = limits.maxMemory + limits.memoryMarginBytes;
  if (outcome.outOfMemory) found.push({ property: "memory", detail: `killed for using more than ${memoryLimit} bytes` });
  // A CLI process starts afresh, so its peak is the command's own; the library host's heap is capped instead (V8 aborts it past the cap).
  else if (outcome.via === "process" && outcome.peakBytes > memoryLimit)
    found.push({ property: "memory", detail: `peak ${outcome.peakBytes} bytes (limit ${limits.maxMemory} + ${limits.memoryMarginBytes})` });
  if (outcome.signal !== null && !outcome.timedOut && !outcome.outOfMemory) found.push({ property: "crash", detail: `killed by ${outcome.signal}` });
  const stopped = outcome.timedOut === true || outcome.outOfMemory === true || outcome.signal !== null;
  // A stopped run's stderr is the watch's own account (with the worker's stack), not the command's output.
  if (!stopped && (STACK.test(outcome.stderr) || STACK.test(outcome.stdout)))
    found.push({ property: "stack-trace", detail: (STACK.exec(outcome.stderr) ?? STACK.exec(outcome.stdout))![0] });
  if (outcome.exitCode !== null && outcome.exitCode !== 0 && outcome.exitCode !== 1)
    found.push({ property: "exit-status", detail: `exit ${outcome.exitCode}: ${outcome.stderr.slice(0, 500)}` });
  return found;
}

function checkShow(outcome: CommandOutcome, context: CheckContext, found: Violation[]): string {
  const report = parse<ShowJson>(outcome.stdout);
  if (report === undefined || typeof report !== "object" || report === null) {
    found.push({ property: "json", detail: `not JSON: ${outcome.stdout.slice(0, 200)} ${outcome.stderr.slice(0, 300)}` });
    return "no-json";
  }
  const error = report.error;
  if (error === undefined) {
    if (outcome.exitCode === 1) found.push({ property: "exit-status", detail: "exit 1 without an error in the report" });
    if (!Array.isArray(report.machines) || !Array.isArray(report.warnings)) found.push({ property: "json", detail: "no machines and warnings" });
    return "ok";
  }
  if (outcome.exitCode === 0) found.push({ property: "exit-status", detail: "exit 0 with an error in the report" });
  const code = String(error.code);
  if (!KNOWN_CODES.has(code)) found.push({ property: "error-code", detail: `unknown code ${code}` });
  const message = typeof error.message === "string" ? error.message : "";
  if (message === "") found.push({ property: "error-message", detail: "no message" });
  if (message.length > MAX_MESSAGE) found.push({ property: "long-message", detail: `${message.length} characters: ${message.slice(0, 200)}` });
  const location = error.location;
  if (location === null || location === undefined) {
    // Only an error about the file as a whole (it cannot be read at all) has no place in it.
    if (!message.includes(context.main)) found.push({ property: "location", detail: `no location for ${code}: ${message.slice(0, 300)}` });
  } else {
    const bytes = bytesOf(context, location.file);
    if (bytes === undefined) found.push({ property: "location", detail: `located in ${String(location.file)}, not a file of the case` });
    else if (!inside(bytes, location.line, location.column))
      found.push({ property: "location", detail: `${String(location.line)}:${String(location.column)} is not inside ${String(location.file)}` });
  }
  return `error:${code}`;
}

function checkLint(outcome: CommandOutcome, context: CheckContext, found: Violation[]): string {
  const report = parse<LintJson>(outcome.stdout);
  const file = report?.files?.[0];
  if (report === undefined || file === undefined || !Array.isArray(file.diagnostics)) {
    found.push({ property: "json", detail: `not lint JSON: ${outcome.stdout.slice(0, 200)} ${outcome.stderr.slice(0, 300)}` });
    return "no-json";
  }
  const bytes = bytesOf(context, context.main) ?? new Uint8Array();
  let firstError: string | undefined;
  for (const d of file.diagnostics) {
    const rule = String(d.rule);
    if (!KNOWN_CODES.has(rule)) found.push({ property: "error-code", detail: `unknown rule ${rule}` });
    if (d.severity === "error") firstError ??= rule;
    const message = typeof d.message === "string" ? d.message : "";
    if (message.length > MAX_MESSAGE) found.push({ property: "long-message", detail: `${rule}: ${message.length} characters: ${message.slice(0, 200)}` });
    const at = d.location;
    if (at === undefined || !inside(bytes, at.line, at.column) || !inside(bytes, at.endLine, at.endColumn)) {
      found.push({ property: "location", detail: `${rule} at ${JSON.stringify(at)} is not inside ${context.main}` });
    }
  }
  const errors = report.errorCount;
  // Another exit status is reported with the process's properties.
  if ((outcome.exitCode === 0 || outcome.exitCode === 1) && (typeof errors === "number" && errors > 0 ? 1 : 0) !== outcome.exitCode)
    found.push({ property: "exit-status", detail: `exit ${outcome.exitCode} with ${String(errors)} errors` });
  return firstError === undefined ? "ok" : `error:${firstError}`;
}

/**
 * Check one command's outcome on one case.
 *
 * @example
 * checkOutcome({ ...outcome, exitCode: 1, stdout: JSON.stringify({ file: "m.scm", error: { code: "read-error", message: "x", location: { file: "/c/m.scm", line: 1, column: 2 } } }) }, context).outcome; // "error:read-error"
 */
export function checkOutcome(outcome: CommandOutcome, context: CheckContext): Verdict {
  if (outcome.notRun) return { outcome: "not-run", violations: [] };
  const violations = runProperties(outcome, context);
  if (outcome.timedOut || outcome.outOfMemory || outcome.signal !== null)
    return { outcome: outcome.timedOut ? "killed:time" : outcome.outOfMemory ? "killed:memory" : `killed:${outcome.signal}`, violations };
  const label = outcome.command === "show" ? checkShow(outcome, context, violations) : checkLint(outcome, context, violations);
  return { outcome: label, violations };
}
