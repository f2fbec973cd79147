/**
 * The POSIX shell scripts offload runs on build machines. Every value that
 * comes from the user (paths, arguments, environment values) is embedded with
 * `shellQuote`, so it reaches the remote exactly as given.
 *
 * Remote layout, under the login user's home:
 *   ~/.cache/offload/cas/KEY      content-addressed inputs (SHA-256, `-x` = executable)
 *   ~/.cache/offload/jobs/ID/     one scratch directory per job attempt
 *
 * Remote tools used: sh, cat, head -c, wc, mkdir, ln, cp, mv, rm, chmod,
 * find (GNU, for -printf), sleep (when stopping a job); openssl or sha256sum
 * for hashing; setsid (util-linux) only where a command does not start in a
 * session of its own (sshd always starts one), and /proc to tell.
 *
 * @example
 * import { jobScript } from "./remote-scripts.ts";
 * const script = jobScript({ jobId, token, inputs, command: ["make"], env: {}, cleanUpAfter: true });
 * await session.exec(["sh", "-c", script, "offload-job"], { stdin: "pipe" });
 */
import { shellQuote } from "../ssh/quote.ts";
import type { CollectedInputs } from "./local-inputs.ts";

/** The remote work directory, relative to the login directory ($HOME; where SFTP starts too). */
export const REMOTE_WORK_DIR = ".cache/offload";

/** The remote base directory, as a shell expression. */
export const REMOTE_BASE = `"$HOME/${REMOTE_WORK_DIR}"`;

/** Remote tools the engine relies on (for `offload test` to check). */
export const REMOTE_TOOLS = ["sh", "cat", "head", "wc", "mkdir", "ln", "cp", "mv", "rm", "chmod", "find", "sleep"] as const;

/** Exit status of the job script when setting up the scratch directory failed. */
export const SETUP_FAILED_STATUS = 125;
/** Exit status of the download script when an output is missing. */
export const OUTPUT_MISSING_STATUS = 3;
/** Exit status of the download script when an output path goes through a symlink. */
export const OUTPUT_ESCAPES_STATUS = 4;
/** Job scratch directories older than this many minutes are removed by later jobs. */
export const STALE_JOB_MINUTES = 24 * 60;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SAFE_KEY = /^[0-9a-f]{64}(-x)?$/;
const SAFE_ID = /^[A-Za-z0-9_.-]+$/;

function checkKey(key: string): string {
  if (!SAFE_KEY.test(key)) throw new TypeError(`not a cache key: ${JSON.stringify(key)}`);
  return key;
}

function checkId(id: string): string {
  if (!SAFE_ID.test(id)) throw new TypeError(`not a job id: ${JSON.stringify(id)}`);
  return id;
}

/** One `./`-prefixed quoted path, so no name is ever read as an option. */
function dotPath(path: string): string {
  return shellQuote(`./${path}`);
}

/**
 * Print the keys (one per line) the remote cache lacks, or holds with another size.
 *
 * @example
 * missingKeysScript([{ key: "ab…", size: 10 }]);
 */
export function missingKeysScript(entries: ReadonlyArray<{ key: string; size: number }>): string {
  const lines = [
    `mkdir -p ${REMOTE_BASE}/cas ${REMOTE_BASE}/jobs && cd ${REMOTE_BASE}/cas || exit 1`,
    `c() { if [ -f "$1" ] && [ "$(wc -c < "$1")" -eq "$2" ]; then :; else echo "$1"; fi; }`,
  ];
  for (const { key, size } of entries) lines.push(`c ${checkKey(key)} ${Math.floor(size)}`);
  return lines.join("\n");
}

/**
 * Read the given files, concatenated, from stdin into the cache. Each lands
 * under a temporary name and is renamed to its key only when complete, so an
 * interrupted upload never leaves a bad cache entry.
 *
 * @example
 * uploadScript([{ key: "ab…", size: 10, executable: false }]);
 */
export function uploadScript(entries: ReadonlyArray<{ key: string; size: number; executable: boolean }>): string {
  const lines = [
    `mkdir -p ${REMOTE_BASE}/cas && cd ${REMOTE_BASE}/cas || exit 1`,
    `t=".tmp.$$"`,
    // $1 key, $2 size, $3 mode, $4 "last": the last file is read to end of input with cat.
    `r() { if [ "$4" = last ]; then cat > "$t"; else head -c "$2" > "$t"; fi && [ "$(wc -c < "$t")" -eq "$2" ] && chmod "$3" "$t" && mv -f "$t" "$1" || { rm -f "$t"; echo "offload: upload of $1 failed" >&2; exit 1; }; }`,
  ];
  entries.forEach(({ key, size, executable }, index) => {
    lines.push(`r ${checkKey(key)} ${Math.floor(size)} ${executable ? "555" : "444"}${index === entries.length - 1 ? " last" : ""}`);
  });
  return lines.join("\n");
}

/** What the job script needs to know. */
export interface JobScriptOptions {
  jobId: string;
  /** Printed alone on a stderr line when set-up is done and the command starts. */
  token: string;
  inputs: Pick<CollectedInputs, "directories" | "files" | "symlinks">;
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Remove the scratch directory when the command ends (the job has no outputs to fetch). */
  cleanUpAfter: boolean;
  /** Also remove scratch directories left over from long ago (once in a while is enough). */
  collectGarbage?: boolean;
}

/**
 * The script of a job: create the scratch directory, materialize the inputs
 * from the cache (hard links), announce the start, run the command, and end
 * its process group when stdin closes (the client cancelled, timed out, or
 * went away), then clean up. Exits with the command's status; 125 when set-up
 * failed before the command started. A stopped job's shell may instead die
 * from the final SIGKILL that ends its group.
 *
 * @example
 * jobScript({ jobId: "j1", token: "t", inputs: { directories: [], files: [], symlinks: [] }, command: ["true"], env: {}, cleanUpAfter: true });
 */
export function jobScript(options: JobScriptOptions): string {
  const id = checkId(options.jobId);
  const lines = [
    `umask 022`,
    `B=${REMOTE_BASE}; J="$B/jobs/${id}"`,
    `fail() { printf 'offload: %s\\n' "$1" >&2; cd / && rm -rf "$J"; exit ${SETUP_FAILED_STATUS}; }`,
  ];
  lines.push(`mkdir -p "$J" || fail "cannot create the job directory $J"`, `cd "$J" || fail "cannot enter $J"`);
  if (options.collectGarbage) {
    // Old scratch directories of jobs whose client vanished.
    lines.push(`(find "$B/jobs" -mindepth 1 -maxdepth 1 -mmin +${STALE_JOB_MINUTES} -exec rm -rf {} + ) >/dev/null 2>&1 </dev/null &`);
  }
  for (const directory of options.inputs.directories) {
    lines.push(`mkdir -p ${dotPath(directory)} || fail ${shellQuote(`cannot create ${directory}`)}`);
  }
  for (const file of options.inputs.files) {
    const source = `"$B/cas/${checkKey(file.key)}"`;
    lines.push(`ln ${source} ${dotPath(file.remotePath)} 2>/dev/null || cp ${source} ${dotPath(file.remotePath)} || fail ${shellQuote(`cannot place input ${file.remotePath}`)}`);
  }
  for (const link of options.inputs.symlinks) {
    lines.push(`ln -s ${shellQuote(link.target)} ${dotPath(link.remotePath)} || fail ${shellQuote(`cannot create link ${link.remotePath}`)}`);
  }
  const assignments = Object.entries(options.env).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new TypeError(`invalid environment variable name: ${JSON.stringify(name)}`);
    return `${name}=${shellQuote(value)}`;
  });
  if (options.command.length === 0) throw new TypeError("a job needs a command");
  const argv = options.command.map(shellQuote).join(" ");
  const env = assignments.length === 0 ? "" : `${assignments.join(" ")} `;
  const cleanup = options.cleanUpAfter ? `rm -rf "$J" "$J.cancelled"` : `if [ -e "$J.cancelled" ]; then rm -rf "$J" "$J.cancelled"; fi`;
  lines.push(
    `printf '%s\\n' ${shellQuote(options.token)} >&2`,
    `exec 3<&0`,
    // sshd starts every command in a new session, so this shell leads its own process group,
    // which the job joins: ending the group needs no extra process. Elsewhere, use setsid.
    `group=; read -r _ _ _ _ group _ < /proc/$$/stat 2>/dev/null`,
    `if [ "$group" = "$$" ]; then`,
    // The group way: this shell survives the group's TERM (a caught signal, reset to the default in the job).
    `  trap 'stopping=1' TERM`,
    `  ${env}${argv} </dev/null &`,
    `  job=$!`,
    // The watchdog: end of stdin means cancel (or a lost client): end the group, then clean up.
    // (`read` is a builtin: no process to start in the common case.)
    `  ( trap '' TERM; while read -r _; do :; done; : > "$J.cancelled"; kill -TERM 0; n=0; while kill -0 "$job" 2>/dev/null && [ $n -lt 30 ]; do sleep 0.1; n=$((n+1)); done; cd "$B" && rm -rf "$J" "$J.cancelled"; kill -KILL 0 ) <&3 >/dev/null 2>&1 &`,
    `  watchdog=$!`,
    `  exec 3<&-`,
    // 2>/dev/null: the shell reports a job killed by a signal ("Terminated") on its stderr.
    `  wait "$job" 2>/dev/null; rc=$?`,
    // Stopped: the watchdog cleans up, then ends the whole group, this shell included.
    `  if [ -n "$stopping" ]; then wait "$job" 2>/dev/null; wait "$watchdog"; exit "$rc"; fi`,
    `  kill -KILL "$watchdog" 2>/dev/null`,
    // What the job left running.
    `  kill -TERM 0 2>/dev/null`,
    `else`,
    `  if command -v setsid >/dev/null 2>&1; then ${env}setsid -- ${argv} </dev/null & else ${env}${argv} </dev/null & fi`,
    `  job=$!`,
    `  ( while read -r _; do :; done; : > "$J.cancelled"; kill -TERM -"$job" 2>/dev/null || kill -TERM "$job" 2>/dev/null; sleep 3; kill -KILL -"$job" 2>/dev/null ) <&3 >/dev/null 2>&1 &`,
    `  watchdog=$!`,
    `  exec 3<&-`,
    `  wait "$job" 2>/dev/null; rc=$?`,
    `  kill -KILL -"$job" 2>/dev/null`,
    `  kill "$watchdog" 2>/dev/null`,
    `fi`,
    `cd "$B" || exit "$rc"`,
    cleanup,
    `exit "$rc"`,
  );
  return lines.join("\n");
}

/**
 * Stream the outputs of a finished job, then remove its scratch directory.
 * Standard output carries: the length of the listing in decimal and a
 * newline; the listing (GNU find records `TYPE MODE SIZE\0LINK\0PATH\0`);
 * the contents of the regular files in listing order; then one hash line per
 * regular file, in the same order, computed by the remote while streaming.
 *
 * @example
 * downloadScript("j1", ["out", "log.txt"]);
 */
export function downloadScript(jobId: string, outputs: readonly string[]): string {
  const id = checkId(jobId);
  const paths = outputs.map(dotPath).join(" ");
  const lines = [
    `B=${REMOTE_BASE}; J="$B/jobs/${id}"`,
    `cd "$J" || { echo "offload: the job directory $J is gone" >&2; exit 2; }`,
    `L="$J.list"; H="$J.hashes"`,
    `done_() { cd "$B" && rm -rf "$J" "$L" "$H" "$J.cancelled"; }`,
    // The client may hang up early (refused or broken transfer): still clean up.
    `trap 'done_; exit 1' HUP TERM`,
    `trap '' PIPE`,
  ];
  for (const output of outputs) {
    const segments = output.split("/");
    for (let i = 1; i < segments.length; i++) {
      const parent = dotPath(segments.slice(0, i).join("/"));
      lines.push(
        `if [ -L ${parent} ]; then echo ${shellQuote(`offload: output ${output} goes through the symlink ${segments.slice(0, i).join("/")}`)} >&2; done_; exit ${OUTPUT_ESCAPES_STATUS}; fi`,
      );
    }
    lines.push(
      `if [ ! -e ${dotPath(output)} ] && [ ! -L ${dotPath(output)} ]; then echo ${shellQuote(`offload: output ${output} was not created`)} >&2; missing=1; fi`,
    );
  }
  lines.push(
    `if [ -n "$missing" ]; then done_; exit ${OUTPUT_MISSING_STATUS}; fi`,
    `if command -v openssl >/dev/null 2>&1 && openssl dgst -sha256 -r /dev/null >/dev/null 2>&1; then h="openssl dgst -sha256 -r"; else h=sha256sum; fi`,
    `find ${paths} -printf '%y %m %s\\0%l\\0%p\\0' > "$L" || { done_; exit 1; }`,
    `find ${paths} -type f -exec $h {} + > "$H" &`,
    `hasher=$!`,
    `wc -c < "$L" && cat "$L" && find ${paths} -type f -exec cat {} +`,
    `wait "$hasher"; hrc=$?`,
    `cat "$H"`,
    `done_`,
    `exit "$hrc"`,
  );
  return lines.join("\n");
}

/**
 * Remove a job's scratch directory.
 *
 * @example
 * cleanupScript("j1");
 */
export function cleanupScript(jobId: string): string {
  const id = checkId(jobId);
  return `B=${REMOTE_BASE}; J="$B/jobs/${id}"; cd "$B" 2>/dev/null && rm -rf "$J" "$J.list" "$J.hashes" "$J.cancelled"; exit 0`;
}
