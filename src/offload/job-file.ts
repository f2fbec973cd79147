/**
 * The JOBS.json file of `offload build`: a list of jobs (or `{"jobs": [...]}`),
 * each with the fields of `offload run`:
 *
 *   { "name": "unit-tests", "command": ["make", "check"], "system": "x86_64-linux",
 *     "features": ["kvm"], "inputs": ["src", "Makefile"], "outputs": ["test-log.txt"],
 *     "env": {"LANG": "C"}, "timeout": 600, "max-silent-time": 60, "dir": "." }
 *
 * Only `command` is required. `timeout` and `max-silent-time` are seconds;
 * `dir` (where inputs are read and outputs land) is relative to the file.
 *
 * @example
 * import { parseJobFile } from "./job-file.ts";
 * const text = '{"jobs": [{"name": "unit-tests", "command": ["make", "check"], "timeout": 600, "dir": "build"}]}';
 * parseJobFile(text, "/home/me/jobs.json", "x86_64-linux");
 * // [{ name: "unit-tests", command: ["make", "check"], system: "x86_64-linux", features: [], inputs: [], outputs: [],
 * //    env: {}, timeoutMs: 600000, dir: "/home/me/build" }]
 */
import { dirname, resolve } from "node:path";
import { OffloadError } from "./errors.ts";
import type { JobSpec } from "./offloader.ts";

const FIELDS = new Set(["name", "command", "system", "features", "inputs", "outputs", "env", "timeout", "max-silent-time", "dir"]);

/** At most this many jobs per file. */
const MAX_JOBS = 100_000;

function fail(where: string, message: string): never {
  throw new OffloadError("invalid-job", `${where}: ${message}`);
}

function stringList(value: unknown, where: string, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === "string")) {
    fail(where, `"${field}" must be a list of strings`);
  }
  return value;
}

function seconds(value: unknown, where: string, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) fail(where, `"${field}" must be a positive number of seconds`);
  return value * 1000;
}

/**
 * Parse and check a job file. `defaultSystem` fills in jobs without `system`.
 *
 * @example
 * parseJobFile('[{"command": ["true"]}]', "/tmp/jobs.json", "x86_64-linux")[0].system; // "x86_64-linux"
 * let message = "";
 * try {
 *   parseJobFile('[{"command": ["true"], "timeout": 0}]', "/tmp/jobs.json", "x86_64-linux");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // '/tmp/jobs.json: job 1: "timeout" must be a positive number of seconds'
 */
export function parseJobFile(text: string, file: string, defaultSystem: string): JobSpec[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    fail(file, `not valid JSON (${(error as Error).message})`);
  }
  const list = Array.isArray(data) ? data : (data as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(list)) fail(file, `expected a list of jobs, or an object with a "jobs" list`);
  if (list.length > MAX_JOBS) fail(file, `more than ${MAX_JOBS} jobs`);
  const baseDir = dirname(resolve(file));
  const names = new Set<string>();
  return list.map((entry: unknown, index) => {
    const where = `${file}: job ${index + 1}`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) fail(where, "must be an object");
    const job = entry as Record<string, unknown>;
    for (const key of Object.keys(job)) if (!FIELDS.has(key)) fail(where, `unknown field "${key}" (known: ${[...FIELDS].join(", ")})`);
    const command = stringList(job.command, where, "command");
    if (command.length === 0) fail(where, `"command" must be a non-empty list of strings`);
    const name = job.name === undefined ? `job-${index + 1}` : job.name;
    if (typeof name !== "string" || name === "") fail(where, `"name" must be a non-empty string`);
    if (names.has(name)) fail(where, `the name "${name}" is used twice`);
    names.add(name);
    const system = job.system === undefined ? defaultSystem : job.system;
    if (typeof system !== "string" || system === "") fail(where, `"system" must be a string`);
    const env = job.env === undefined ? {} : job.env;
    if (env === null || typeof env !== "object" || Array.isArray(env) || !Object.values(env).every((v) => typeof v === "string")) {
      fail(where, `"env" must be an object of strings`);
    }
    for (const key of Object.keys(env)) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) fail(where, `invalid environment variable name "${key}"`);
    if (job.dir !== undefined && typeof job.dir !== "string") fail(where, `"dir" must be a string`);
    return {
      name,
      system,
      features: stringList(job.features, where, "features"),
      command,
      env: env as Record<string, string>,
      inputs: stringList(job.inputs, where, "inputs"),
      outputs: stringList(job.outputs, where, "outputs"),
      dir: resolve(baseDir, (job.dir as string | undefined) ?? "."),
      timeoutMs: seconds(job.timeout, where, "timeout"),
      maxSilentMs: seconds(job["max-silent-time"], where, "max-silent-time"),
    };
  });
}
