/**
 * A fuzz run: make cases one after another (a number of them, or for a
 * time), run `show --json` and `lint --format json` on each in this process
 * and, for a sample, as processes; check every outcome; tally outcomes by
 * kind; keep every failing case with the commands that show it.
 *
 * @example
 * const summary = await runCampaign({ seed: 1, cases: 1000, processEvery: 100, ... });
 * summary.failures.length; // 0 when nothing broke
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CorpusFile } from "./corpus.ts";
import { materializeCase, type FuzzCase } from "./fuzz-case.ts";
import { makeCase } from "./generate.ts";
import { InProcessRunner } from "./in-process.ts";
import { commandArguments, runProcess } from "./processes.ts";
import { checkOutcome, type CommandOutcome, type RunLimits, type Violation } from "./properties.ts";

/** What a run is asked to do. */
export interface CampaignOptions {
  seed: number;
  /** Stop after this many cases (at the latest)... */
  cases?: number;
  /** ...or once this many seconds have passed. */
  seconds?: number;
  /** Only this case (to show one again). */
  only?: number;
  /** Every n-th case also runs as processes (0: none). */
  processEvery: number;
  /** Library hosts running cases side by side (default 1). */
  hosts?: number;
  /** The program that runs the CLI, e.g. `node bin/offload`. */
  processCommand: readonly string[];
  /** The environment of the processes. */
  env: NodeJS.ProcessEnv;
  limits: RunLimits;
  corpus: readonly CorpusFile[];
  /** The repository (the fixtures mutated cases link to). */
  root: string;
  /** Where cases are written while they run. */
  workDir: string;
  /** Where failing cases are kept. */
  failureDir: string;
  /** Called after each case. */
  onCase?: (record: CaseRecord) => void;
}

/** One command's outcome as the figures count it: `show in-process ok`, `lint process error:read-error`. */
export interface CommandRecord {
  command: "show" | "lint";
  via: "in-process" | "process";
  outcome: string;
  ms: number;
  peakBytes: number;
  violations: Violation[];
}

/** What became of one case. */
export interface CaseRecord {
  index: number;
  kind: string;
  origin?: string;
  commands: CommandRecord[];
  /** Where the case was kept when it failed. */
  keptIn?: string;
}

/** The figures of a run, by kind. */
export interface KindFigures {
  cases: number;
  /** `show ok`, `lint error:read-error`, ... (in-process and process runs together) → count. */
  outcomes: Record<string, number>;
  processRuns: number;
  failures: number;
  /** The longest command, ms, and the most memory seen in the library host and in a CLI process (peak RSS). */
  maxMs: number;
  maxHostRssBytes: number;
  maxRssBytes: number;
}

/** A run's result. */
export interface CampaignSummary {
  seed: number;
  cases: number;
  ms: number;
  byKind: Record<string, KindFigures>;
  failures: CaseRecord[];
  /** Failures by property. */
  byProperty: Record<string, number>;
}

function record(outcome: CommandOutcome, main: string, files: ReadonlyMap<string, Uint8Array>, limits: RunLimits): CommandRecord {
  const verdict = checkOutcome(outcome, { main, files, limits });
  return { command: outcome.command, via: outcome.via, outcome: verdict.outcome, ms: outcome.ms, peakBytes: outcome.peakBytes, violations: verdict.violations };
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Keep a failing case: its files, what broke, and a script with the commands that show it. */
function keep(fuzzCase: FuzzCase, caseRecord: CaseRecord, outcomes: readonly CommandOutcome[], options: CampaignOptions): string {
  const dir = join(options.failureDir, `seed-${options.seed}-case-${fuzzCase.index}-${fuzzCase.kind.replace(/[^a-z0-9+-]+/gi, "-")}`);
  rmSync(dir, { recursive: true, force: true });
  const main = materializeCase(fuzzCase, dir);
  // Relative to the kept directory (the script changes to it), or a device's own path.
  const commands = (["show", "lint"] as const).map((command) =>
    [...options.processCommand, ...commandArguments(command, fuzzCase.main, options.limits)].map(shellQuote).join(" "),
  );
  const script = [
    "#!/bin/sh",
    `# fuzz case ${fuzzCase.index} of seed ${options.seed} (${fuzzCase.kind}${fuzzCase.origin ? `, from ${fuzzCase.origin}` : ""}):`,
    ...caseRecord.commands.flatMap((c) => c.violations.map((v) => `#   ${c.command} (${c.via}): ${v.property}: ${v.detail.split("\n")[0]!.slice(0, 200)}`)),
    `# the same case again: npm run fuzz -- --seed ${options.seed} --case ${fuzzCase.index}`,
    'cd "$(dirname "$0")"',
    ...fuzzCase.fifos.map((fifo) => `[ -p ${shellQuote(fifo)} ] || mkfifo ${shellQuote(fifo)}`),
    ...commands,
    "",
  ].join("\n");
  writeFileSync(join(dir, "command.sh"), script);
  chmodSync(join(dir, "command.sh"), 0o755);
  const trimmed = outcomes.map((o) => ({ ...o, stdout: o.stdout.slice(0, 4000), stderr: o.stderr.slice(0, 4000) }));
  writeFileSync(join(dir, "failure.json"), `${JSON.stringify({ seed: options.seed, main, ...caseRecord, outcomes: trimmed }, null, 2)}\n`);
  return dir;
}

function tally(summary: CampaignSummary, caseRecord: CaseRecord): void {
  const figures = (summary.byKind[caseRecord.kind] ??= { cases: 0, outcomes: {}, processRuns: 0, failures: 0, maxMs: 0, maxHostRssBytes: 0, maxRssBytes: 0 });
  figures.cases++;
  for (const command of caseRecord.commands) {
    const key = `${command.command} ${command.outcome}`;
    figures.outcomes[key] = (figures.outcomes[key] ?? 0) + 1;
    if (command.via === "process") {
      figures.processRuns++;
      figures.maxRssBytes = Math.max(figures.maxRssBytes, command.peakBytes);
    } else figures.maxHostRssBytes = Math.max(figures.maxHostRssBytes, command.peakBytes);
    figures.maxMs = Math.max(figures.maxMs, command.ms);
    for (const violation of command.violations) summary.byProperty[violation.property] = (summary.byProperty[violation.property] ?? 0) + 1;
  }
  if (caseRecord.commands.some((c) => c.violations.length > 0)) {
    figures.failures++;
    summary.failures.push(caseRecord);
  }
}

/**
 * Run cases as `options` say; resolves to the figures and the failures (each kept in `failureDir`).
 *
 * @example
 * const { byKind } = await runCampaign(options);
 * byKind["hostile:cycle"]?.outcomes["show error:wrong-type-arg"]; // how many cycles show reported as wrong-type-arg
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignSummary> {
  const started = performance.now();
  const deadline = options.seconds === undefined ? Infinity : started + options.seconds * 1000;
  const last = options.only ?? (options.cases === undefined ? Infinity : options.cases - 1);
  const summary: CampaignSummary = { seed: options.seed, cases: 0, ms: 0, byKind: {}, failures: [], byProperty: {} };
  mkdirSync(options.workDir, { recursive: true });
  let next = options.only ?? 0;
  const runners = Array.from({ length: options.only === undefined ? (options.hosts ?? 1) : 1 }, () => new InProcessRunner(options.limits));
  try {
    // Each host takes the next case until none is left or time is up.
    await Promise.all(
      runners.map(async (runner) => {
        for (let index = next++; index <= last && performance.now() < deadline; index = next++) {
          const caseRecord = await runCase(index, runner, options);
          tally(summary, caseRecord);
          summary.cases++;
          options.onCase?.(caseRecord);
        }
      }),
    );
  } finally {
    await Promise.all(runners.map((runner) => runner.close()));
  }
  summary.failures.sort((a, b) => a.index - b.index);
  summary.ms = Math.round(performance.now() - started);
  return summary;
}

/** Make case `index`, run it through the library (and, when sampled, the CLI), check it, keep it if it failed. */
async function runCase(index: number, runner: InProcessRunner, options: CampaignOptions): Promise<CaseRecord> {
  const fuzzCase = makeCase(options.seed, index, options.corpus, options.root);
  const dir = join(options.workDir, `case-${index}`);
  const main = materializeCase(fuzzCase, dir);
  const files = new Map(fuzzCase.files.map((file) => [join(dir, file.path), file.bytes] as const));
  const outcomes: CommandOutcome[] = await runner.run(main);
  if (options.processEvery > 0 && (index % options.processEvery === 0 || options.only !== undefined)) {
    outcomes.push(
      ...(await Promise.all((["show", "lint"] as const).map((command) => runProcess(options.processCommand, command, main, options.limits, options.env)))),
    );
  }
  const caseRecord: CaseRecord = { index, kind: fuzzCase.kind, origin: fuzzCase.origin, commands: outcomes.map((o) => record(o, main, files, options.limits)) };
  if (caseRecord.commands.some((c) => c.violations.length > 0)) caseRecord.keptIn = keep(fuzzCase, caseRecord, outcomes, options);
  rmSync(dir, { recursive: true, force: true });
  return caseRecord;
}

/**
 * The figures as a table, one line per kind, and the failures by property.
 *
 * @example
 * formatSummary(summary);
 * // kind                   cases  show ok  show error  lint ok  lint error  processes  failures  max ms  ...
 */
export function formatSummary(summary: CampaignSummary): string {
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;
  const count = (figures: KindFigures, prefix: string, ok: boolean) =>
    Object.entries(figures.outcomes)
      .filter(([key]) => key.startsWith(prefix) && (key === `${prefix}ok`) === ok)
      .reduce((sum, [, n]) => sum + n, 0);
  const header = ["kind", "cases", "show ok", "show error", "lint ok", "lint error", "killed", "processes", "failures", "max ms", "host RSS", "max RSS"];
  const rows = Object.entries(summary.byKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, f]) => [
      kind,
      String(f.cases),
      String(count(f, "show ", true)),
      String(count(f, "show error:", false)),
      String(count(f, "lint ", true)),
      String(count(f, "lint error:", false)),
      String(
        Object.entries(f.outcomes)
          .filter(([key]) => key.includes(" killed:"))
          .reduce((sum, [, n]) => sum + n, 0),
      ),
      String(f.processRuns),
      String(f.failures),
      String(f.maxMs),
      mib(f.maxHostRssBytes),
      f.maxRssBytes > 0 ? mib(f.maxRssBytes) : "-",
    ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const codes = new Map<string, number>();
  for (const f of Object.values(summary.byKind))
    for (const [key, n] of Object.entries(f.outcomes)) if (key.includes("error:")) codes.set(key, (codes.get(key) ?? 0) + n);
  const properties =
    Object.entries(summary.byProperty)
      .map(([p, n]) => `${p} ${n}`)
      .join(", ") || "none";
  return [
    `seed ${summary.seed}: ${summary.cases} cases in ${(summary.ms / 1000).toFixed(1)} s, ${summary.failures.length} failing`,
    line(header),
    ...rows.map(line),
    `error codes: ${[...codes]
      .sort((a, b) => b[1] - a[1])
      .map(([key, n]) => `${key} ${n}`)
      .join(", ")}`,
    `broken properties: ${properties}`,
    ...summary.failures.map(
      (f) =>
        `failure: case ${f.index} (${f.kind}) kept in ${f.keptIn}: ${f.commands.flatMap((c) => c.violations.map((v) => `${c.command}/${c.via} ${v.property}`)).join(", ")}`,
    ),
    "",
  ].join("\n");
}
