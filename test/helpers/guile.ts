/**
 * Runs the real Guile 3.0 for the differential tests: the scripts in
 * test/guile/ load machines files the way Guix does (show.scm) and evaluate
 * expressions (eval.scm). Many files or expressions go through one Guile
 * process, with a bounded timeout, so the suite stays fast.
 *
 * @example
 * requireGuile();
 * const [report] = guileShowReports(["fixtures/machines/valid/manual-2024.scm"], { env: { HOME: "/home/test" } });
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root, whatever the working directory. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const GUILE_DIR = fileURLToPath(new URL("../guile/", import.meta.url));

/** What to tell a developer whose machine lacks Guile. */
export const GUILE_MISSING_MESSAGE =
  "The differential tests need GNU Guile 3.0 (`guile` on PATH). Install the `guile-3.0` package " +
  "(Debian/Ubuntu: `apt-get install guile-3.0`); `npm test` installs it when run as root.";

/** A 1-based source location, as both reports carry it. */
export interface ReportLocation {
  file: string;
  line: number;
  column: number;
}

export interface ReportWarning {
  code: string;
  message: string;
  location: ReportLocation | null;
}

export interface ReportError {
  code: string;
  message: string;
  location: ReportLocation | null;
}

/** One machine of a report: the Scheme field names as keys, JSON values. */
export type ReportMachine = Record<string, unknown>;

/** The `offload show --json` shape, success or failure. */
export type Report = { file: string; machines: ReportMachine[]; warnings: ReportWarning[] } | { file: string; error: ReportError };

/** Environment for a Guile run; `undefined` unsets a variable. */
export type GuileEnv = Record<string, string | undefined>;

export interface GuileRunOptions {
  /** Variables the Scheme code sees (HOME, ...); nothing else is inherited but PATH. */
  env?: GuileEnv;
  /** Kill Guile after this long (default 60 s). */
  timeoutMs?: number;
}

let checked: string | undefined;

/**
 * The version line of `command --version` if it is Guile 3.0; otherwise
 * throws an Error saying to install guile-3.0.
 *
 * @example
 * checkGuile(); // "guile (GNU Guile) 3.0.8"
 */
export function checkGuile(command = "guile"): string {
  const result = spawnSync(command, ["--version"], { encoding: "utf8", timeout: 10_000 });
  const firstLine = (result.stdout ?? "").split("\n")[0] ?? "";
  if (result.error || result.status !== 0) throw new Error(GUILE_MISSING_MESSAGE);
  if (!/\(GNU Guile\) 3\.0\.\d+/.test(firstLine)) {
    throw new Error(`${GUILE_MISSING_MESSAGE} Found: ${firstLine || "unknown version"}`);
  }
  return firstLine;
}

/**
 * {@link checkGuile} for `guile`, once per process. Call it before any Guile run.
 *
 * @example
 * before(() => requireGuile()); // every test of the suite fails with the install hint
 */
export function requireGuile(): string {
  checked ??= checkGuile();
  return checked;
}

/**
 * Exactly the environment Guile runs with for `env`: PATH, a UTF-8 locale,
 * no auto-compilation, plus `env` (where `undefined` unsets). Give the same
 * object to our implementation so `getenv` sees the same variables.
 *
 * @example
 * showReport(file, { env: guileVisibleEnv({ HOME: "/home/test" }) });
 */
export function guileVisibleEnv(env: GuileEnv = {}): Record<string, string> {
  const base: GuileEnv = {
    PATH: process.env.PATH,
    LC_ALL: "C.UTF-8",
    GUILE_AUTO_COMPILE: "0",
    ...env,
  };
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined) result[name] = value;
  return result;
}

/**
 * Runs `guile --no-auto-compile -s test/guile/SCRIPT ARGS...` and returns its stdout.
 *
 * @example
 * runGuileScript("eval.scm", ["(+ 1 2)"]); // "3\n"
 */
export function runGuileScript(script: string, args: readonly string[], options: GuileRunOptions = {}): string {
  requireGuile();
  const timeout = options.timeoutMs ?? 60_000;
  const result = spawnSync("guile", ["--no-auto-compile", "-s", GUILE_DIR + script, ...args], {
    encoding: "utf8",
    env: guileVisibleEnv(options.env),
    timeout,
    killSignal: "SIGKILL",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) {
    const reason = (result.error as NodeJS.ErrnoException).code === "ETIMEDOUT" ? `timed out after ${timeout} ms` : result.error.message;
    throw new Error(`guile ${script} ${reason}\n${result.stderr ?? ""}`);
  }
  if (result.status !== 0) {
    throw new Error(`guile ${script} exited with status ${result.status}\n${result.stderr}`);
  }
  return result.stdout;
}

function parseJsonLines<T>(output: string, expected: number, what: string): T[] {
  const lines = output.split("\n").filter((line) => line.length > 0);
  if (lines.length !== expected) {
    throw new Error(`${what}: expected ${expected} JSON lines from Guile, got ${lines.length}:\n${output.slice(0, 2000)}`);
  }
  return lines.map((line) => JSON.parse(line) as T);
}

/**
 * Guile's reports for `files` (one Guile process for all of them), in order.
 * File names are passed through unchanged, so `location.file` matches them.
 *
 * @example
 * guileShowReports(["a.scm", "b.scm"], { env: { HOME: "/home/test" } }); // [reportA, reportB]
 */
export function guileShowReports(files: readonly string[], options: GuileRunOptions = {}): Report[] {
  if (files.length === 0) return [];
  const output = runGuileScript("show.scm", ["--batch", ...files], options);
  return parseJsonLines<Report>(output, files.length, "show.scm");
}

/** One datum of an expressions file, as Guile evaluated it. */
export interface GuileEvaluation {
  /** UTF-8 byte offsets of the text holding the datum (leading comments included). */
  start: number;
  end: number;
  /** What `write` printed for the value, when evaluation succeeded. */
  value?: string;
  /** Our error code for Guile's throw, when it failed. */
  error?: string;
}

/**
 * Evaluates every top-level datum of `file`, each on its own, with Guile.
 *
 * @example
 * guileEvaluateFile("fixtures/eval/expressions.scm")[0]; // { start: 0, end: 412, value: "0" }
 */
export function guileEvaluateFile(file: string, options: GuileRunOptions = {}): GuileEvaluation[] {
  const output = runGuileScript("eval.scm", ["--file", file], options);
  return output
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as GuileEvaluation);
}

/**
 * Guile's `write` of the value of each source text (all its forms, last value wins).
 *
 * @example
 * guileEvaluateStrings(["(+ 1 2)", "(car 1)"]); // ["3", "#<error wrong-type-arg>"]
 */
export function guileEvaluateStrings(sources: readonly string[], options: GuileRunOptions = {}): string[] {
  if (sources.length === 0) return [];
  const output = runGuileScript("eval.scm", sources, options);
  const lines = output.split("\n");
  lines.pop();
  if (lines.length !== sources.length) {
    throw new Error(`eval.scm: expected ${sources.length} lines, got ${lines.length}:\n${output.slice(0, 2000)}`);
  }
  return lines;
}
