/**
 * The JOBS.json file of `offload build`: a list of jobs (or `{"jobs": [...]}`),
 * each with the fields of `offload run`. Only `command` is required;
 * `timeout` and `max-silent-time` are seconds; `dir` (where inputs are read
 * and outputs land) is relative to the file. A mistake is named by its place
 * in the file and what was expected there:
 * `jobs.json: jobs[3].inputs: expected a list of paths, got "a.txt"`.
 *
 * @example
 * parseJobsFile('[{"command": ["make", "check"], "inputs": ["src"], "timeout": 600}]', "/work/jobs.json", "x86_64-linux");
 * // [{ name: "job-1", system: "x86_64-linux", features: [], command: ["make", "check"], env: {}, inputs: ["src"], outputs: [], dir: "/work", timeoutMs: 600000, maxSilentMs: undefined }]
 */
import { dirname, resolve } from "node:path";
import type { JobSpec } from "../offload/offloader.ts";
import { didYouMean } from "../lint/suggest.ts";
import { abbreviate } from "../scheme/abbreviate.ts";
import { CliError } from "./output.ts";

/** Each field a job may have, with what `offload build --help` says about it. */
export const JOB_FIELDS = {
  name: "a name for the job's log and the summary (default job-N)",
  command: "the program and its arguments, a list of strings (required)",
  system: "the system type it needs (default: this machine's)",
  features: "the features it needs, a list of strings",
  inputs: "files and directories to send, a list of paths (relative ones are kept)",
  outputs: "files and directories to bring back, a list of paths",
  env: "environment variables, an object of strings",
  timeout: "seconds before the command is ended",
  "max-silent-time": "seconds without output before the command is ended",
  dir: "where inputs are read and outputs land, relative to the jobs file (default: its directory)",
} as const;

/** At most this many jobs per file. */
const MAX_JOBS = 100_000;

/** A jobs file that cannot be run; the message names the place in the file. */
export class JobsFileError extends CliError {
  override readonly code = "invalid-jobs-file";
}

/**
 * Parse and check a jobs file. `defaultSystem` fills in jobs without `system`.
 *
 * @example
 * let message = "";
 * try {
 *   parseJobsFile('[{"command": ["true"], "inputs": "a.txt"}]', "jobs.json", "x86_64-linux");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // 'jobs.json: jobs[0].inputs: expected a list of paths, got "a.txt"'
 */
export function parseJobsFile(text: string, file: string, defaultSystem: string): JobSpec[] {
  const fail = (message: string): never => {
    throw new JobsFileError(`${file}: ${message}`);
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    fail(`not valid JSON (${(error as Error).message})`);
  }
  const list = Array.isArray(data) ? data : isObject(data) ? data.jobs : undefined;
  if (!Array.isArray(list)) return fail(`expected a list of jobs, or an object with a "jobs" list, got ${shown(data)}`);
  if (list.length > MAX_JOBS) fail(`more than ${MAX_JOBS} jobs`);
  const baseDir = dirname(resolve(file));
  const namedAt = new Map<string, number>();
  return list.map((entry: unknown, index) => {
    const job = new JobReader(entry, `jobs[${index}]`, fail);
    const name = job.name(`job-${index + 1}`);
    const earlier = namedAt.get(name);
    if (earlier !== undefined) fail(`jobs[${index}].name: "${name}" is already the name of jobs[${earlier}]`);
    namedAt.set(name, index);
    return {
      name,
      system: job.system(defaultSystem),
      features: job.strings("features", "a list of strings"),
      command: job.command(),
      env: job.env(),
      inputs: job.strings("inputs", "a list of paths"),
      outputs: job.strings("outputs", "a list of paths"),
      dir: resolve(baseDir, job.dir() ?? "."),
      timeoutMs: job.seconds("timeout"),
      maxSilentMs: job.seconds("max-silent-time"),
    };
  });
}

/** Reads one job's fields, failing with the field's place in the file. */
class JobReader {
  private readonly fields: Record<string, unknown>;

  constructor(
    entry: unknown,
    private readonly where: string,
    private readonly fail: (message: string) => never,
  ) {
    if (!isObject(entry)) fail(`${where}: expected an object with at least "command", got ${shown(entry)}`);
    this.fields = entry as Record<string, unknown>;
    for (const key of Object.keys(this.fields)) {
      if (!Object.hasOwn(JOB_FIELDS, key))
        fail(`${where}: unknown field "${key}"${didYouMean(key, Object.keys(JOB_FIELDS), true)}; the fields are ${Object.keys(JOB_FIELDS).join(", ")}`);
    }
  }

  name(fallback: string): string {
    const value = this.fields.name ?? fallback;
    return typeof value === "string" && value !== "" ? value : this.wrong("name", "a non-empty string", value);
  }

  system(fallback: string): string {
    const value = this.fields.system ?? fallback;
    return typeof value === "string" && value !== "" ? value : this.wrong("system", 'a system type such as "x86_64-linux"', value);
  }

  command(): string[] {
    const value = this.fields.command;
    if (value === undefined) this.fail(`${this.where}: "command" is missing: the program and its arguments, e.g. ["make", "check"]`);
    const command = this.strings("command", "a non-empty list of strings (the program and its arguments)");
    return command.length > 0 ? command : this.wrong("command", "a non-empty list of strings (the program and its arguments)", value);
  }

  strings(field: keyof typeof JOB_FIELDS, expected: string): string[] {
    const value = this.fields[field];
    if (value === undefined) return [];
    if (!Array.isArray(value)) return this.wrong(field, expected, value);
    value.forEach((item: unknown, i) => {
      if (typeof item !== "string") this.fail(`${this.where}.${field}[${i}]: expected a string, got ${shown(item)}`);
    });
    return value as string[];
  }

  env(): Record<string, string> {
    const value = this.fields.env;
    if (value === undefined) return {};
    if (!isObject(value)) return this.wrong("env", "an object of strings", value);
    for (const [name, text] of Object.entries(value)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) this.fail(`${this.where}.env: "${name}" is not an environment variable name`);
      if (typeof text !== "string") this.fail(`${this.where}.env.${name}: expected a string, got ${shown(text)}`);
    }
    return value as Record<string, string>;
  }

  dir(): string | undefined {
    const value = this.fields.dir;
    return value === undefined || typeof value === "string" ? value : this.wrong("dir", "a directory name", value);
  }

  /** Seconds as milliseconds; 0 is refused as on the command line (it would end the job at once). */
  seconds(field: "timeout" | "max-silent-time"): number | undefined {
    const value = this.fields[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) return this.wrong(field, "a positive number of seconds", value);
    return value * 1000;
  }

  private wrong(field: string, expected: string, value: unknown): never {
    return this.fail(`${this.where}.${field}: expected ${expected}, got ${shown(value)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function shown(value: unknown): string {
  return value === undefined ? "nothing" : abbreviate(JSON.stringify(value), 60);
}
