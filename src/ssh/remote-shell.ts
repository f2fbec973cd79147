/**
 * Every piece of shell text offload sends to a build machine, and the one
 * protocol by which those commands start and stop. sshd hands the string of
 * an exec request to the user's login shell (`$SHELL -c STRING`); every value
 * that comes from the user (arguments, paths, environment values) is embedded
 * with {@link shellQuote}, so it arrives exactly as given.
 *
 * ## Starting and stopping a remote command
 *
 * 1. **The start line.** Every command string first prints a start line — a
 *    fresh random token alone on a line ({@link newStartToken}) — on
 *    standard output, then runs the command ({@link announced}). What the
 *    login shell's rc files print before it (a `.bashrc` greeting) is not the
 *    command's output: the client drops it and keeps it as the command's
 *    preamble (`offload test` reports it). No start line at all means the
 *    login shell did not run our string as a POSIX shell would.
 *
 * 2. **Supervised commands.** A command that may have to be stopped (a job,
 *    or a `run` with a timeout) runs under a supervisor
 *    ({@link supervisedScript}), a POSIX shell script run with `sh -c`:
 *    - it runs any set-up lines, then prints the start line again, on
 *      standard error: that moment is the command's start, and what came on
 *      standard error before it is set-up output (a failing set-up exits
 *      without it);
 *    - it starts the command with standard input from /dev/null, in its own
 *      process group (sshd makes each session's shell a group leader, which
 *      the command joins; elsewhere `setsid`);
 *    - it reads the channel's standard input as control: each line names a
 *      signal for the command's group ({@link FORWARDED_SIGNALS}); **the end
 *      of the input — the client ended it, or the connection is gone — stops
 *      the command**: TERM to its group, up to {@link STOP_GRACE_SECONDS}
 *      seconds for it to end, then KILL;
 *    - when the command has ended, it sends TERM to what the command left
 *      running in its group, runs any clean-up lines, and ends as the command
 *      did: with its status, or, if a signal killed it (and it was not
 *      stopped), from the same signal, so the client sees what ssh would
 *      show. A stopped command's group gets
 *      KILL after the clean-up (the supervisor itself too, when it leads the
 *      group), so nothing of it outlives the stop.
 *
 *    A plain command costs none of this: no supervisor, no second start line;
 *    the client stops one by closing its channel, which ends its input and
 *    its output. That is how a command that reads its own standard input (an
 *    upload) is stopped.
 *
 * A long-lived remote runner (one process per connection that starts jobs on
 * request) keeps the same two rules per job: it reports each job's start
 * line, maps a job's control lines and the end of its control onto the same
 * supervisor, and treats the end of its own input as the end of every job.
 *
 * The client side is remote-process.ts; SshSession.exec and
 * SshSession.supervise send these strings.
 *
 * ## Layout on the build machine, under the login user's home
 *   ~/.cache/offload/cas/KEY      content-addressed inputs (SHA-256, `-x` = executable)
 *   ~/.cache/offload/cas/.tmp.PID.START   an upload in progress (by that shell)
 *   ~/.cache/offload/jobs/ID/     one scratch directory per job attempt
 *   ~/.cache/offload/jobs/ID.owner   "PID START": the process whose life is the
 *                                 client's hold on the job (the sshd process of
 *                                 its connection); written before ID/ exists
 *
 * ## Leftovers
 * Whatever ends a client (kill -9, a lost or stalled connection, a reboot),
 * what it left on the build machine is found by {@link garbageScript}, which
 * the next client to use the machine runs: a scratch directory whose owner
 * process is gone (same PID and start time, from /proc), an upload
 * temporary whose shell is gone. Nothing is judged by age but what predates
 * owner records (a day old). It runs as its own command, outside any job's
 * process group, so stopping a job never cuts it short.
 *
 * @example
 * import { execFileSync } from "node:child_process";
 * import { announced, commandLine, newStartToken } from "./remote-shell.ts";
 * const token = newStartToken();
 * const command = announced(token, commandLine(["echo", "$HOME"]));
 * command.replace(token, "TOKEN"); // "printf '%s\\n' TOKEN; exec echo '$HOME'"
 * // what a login shell prints for it: the start line, then the command's output
 * execFileSync("sh", ["-c", command], { encoding: "utf8" }).replace(token, "TOKEN"); // "TOKEN\n$HOME\n"
 */
import { randomBytes } from "node:crypto";

/** Characters that never need quoting in any position of a POSIX shell word. */
const SAFE_WORD = /^[A-Za-z0-9_\/.,:@%+-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SAFE_KEY = /^[0-9a-f]{64}(-x)?$/;
const SAFE_ID = /^[A-Za-z0-9_.-]+$/;

/** The remote work directory, relative to the login directory ($HOME; where SFTP starts too). */
export const REMOTE_WORK_DIR = ".cache/offload";

/** The remote base directory, as a shell expression. */
const REMOTE_BASE = `"$HOME/${REMOTE_WORK_DIR}"`;

/**
 * Commands the text in this module runs, which `offload test` checks for on
 * the remote PATH. Also used when present: openssl or sha256sum (one of them,
 * for hashing), setsid (only where a command does not start as a process
 * group leader, which sshd always makes it), getconf (when nproc is missing),
 * date (for the clock offset), /proc.
 */
export const REMOTE_TOOLS: readonly string[] = [
  "sh",
  "cat",
  "head",
  "wc",
  "mkdir",
  "mkfifo",
  "mktemp",
  "ln",
  "cp",
  "mv",
  "rm",
  "chmod",
  "touch",
  "find",
  "sleep",
  "df",
  "du",
  "dirname",
  "nproc",
  "uname",
];

/** Exit status of a job whose set-up failed before the command started. */
export const SETUP_FAILED_STATUS = 125;
/** Exit status of the download script when an output is missing. */
export const OUTPUT_MISSING_STATUS = 3;
/** Exit status of the download script when an output path goes through a symlink. */
export const OUTPUT_ESCAPES_STATUS = 4;
/** Scratch directories without an owner record (from older versions) are removed when this many minutes old. */
const OWNERLESS_JOB_MINUTES = 24 * 60;
/** How long a stopped command has between TERM and KILL. */
const STOP_GRACE_SECONDS = 3;

/** The control line that stops a supervised command as the end of its input does (a runner's input goes on). */
export const STOP_LINE = "END";

/** The status a runner gives a script that reached it with another length than announced (and that it did not run). */
export const DAMAGED_STATUS = "damaged";

/** Signals a client may send to a supervised command's group (USR1 is the supervisor's own). */
export const FORWARDED_SIGNALS = ["HUP", "INT", "QUIT", "TERM", "KILL", "USR2", "ALRM"] as const;
/** Deaths the supervisor passes on by dying of the same signal (not the core-dumping ones, nor stop signals). */
const PASSED_ON_SIGNALS = ["HUP", "INT", "KILL", "USR1", "USR2", "PIPE", "ALRM", "TERM"];

// ---------------------------------------------------------------- quoting

/**
 * Quote one argument so a POSIX shell reads it back as exactly this string.
 * Throws on NUL, which no Unix argument can contain.
 *
 * @example
 * shellQuote("$HOME; rm -rf /"); // "'$HOME; rm -rf /'"
 */
export function shellQuote(arg: string): string {
  if (arg.includes("\0")) throw new TypeError("a shell argument cannot contain a NUL character");
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** `NAME='value' ` for each variable (a trailing space when there are any). */
function assignments(env: Readonly<Record<string, string>> | undefined): string {
  const words = Object.entries(env ?? {}).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new TypeError(`invalid environment variable name: ${JSON.stringify(name)}`);
    return `${name}=${shellQuote(value)}`;
  });
  return words.map((word) => `${word} `).join("");
}

function quotedArgv(argv: readonly string[], what: string): string {
  if (argv.length === 0) throw new TypeError(`cannot run an empty ${what}`);
  return argv.map(shellQuote).join(" ");
}

/**
 * The command string for `argv`, run with extra environment variables and in
 * a working directory. `exec` replaces the login shell with the command. A
 * relative `cwd` is relative to the login directory, where sshd starts the
 * shell.
 *
 * @example
 * commandLine(["make", "-j4"], { CC: "gcc -O2" }, "build dir"); // "cd 'build dir' && CC='gcc -O2' exec make -j4"
 */
export function commandLine(argv: readonly string[], env?: Readonly<Record<string, string>>, cwd?: string): string {
  const command = `${assignments(env)}exec ${quotedArgv(argv, "command")}`;
  return cwd === undefined ? command : `${changeDirectory(cwd)} && ${command}`;
}

/**
 * `cd` to `dir` (relative to the login directory), which may start with a dash.
 *
 * @example
 * changeDirectory("-x"); // "cd ./-x"
 */
export function changeDirectory(dir: string): string {
  return `cd ${shellQuote(dir.startsWith("-") ? `./${dir}` : dir)}`;
}

/**
 * A shell expression for a remote directory: the login `$HOME` when `dir` is
 * undefined, `dir` itself when absolute, else `dir` below `$HOME`.
 *
 * @example
 * remoteDirectory(".cache/offload"); // "\"$HOME\"/.cache/offload"
 */
export function remoteDirectory(dir: string | undefined): string {
  if (dir === undefined || dir === "" || dir === ".") return `"$HOME"`;
  return dir.startsWith("/") ? shellQuote(dir) : `"$HOME"/${shellQuote(dir)}`;
}

// ---------------------------------------------------------------- the protocol

/**
 * A fresh start line (see the module comment): random, so neither an rc file
 * nor a command prints it by chance.
 *
 * @example
 * /^offload-start-[0-9a-f]{24}$/.test(newStartToken()); // true
 */
export function newStartToken(): string {
  return `offload-start-${randomBytes(12).toString("hex")}`;
}

/**
 * `command` preceded by the start line on standard output.
 *
 * @example
 * announced("offload-start-1", "exec true"); // "printf '%s\\n' offload-start-1; exec true"
 */
export function announced(token: string, command: string): string {
  return `printf '%s\\n' ${shellQuote(token)}; ${command}`;
}

/**
 * Sets $ds to a prefix that gives a command the default actions of INT and
 * QUIT (`env --default-signal`, coreutils 8.31 and later), so a forwarded
 * Ctrl-C reaches it; empty where env lacks it. A runner finds out once
 * ($OFFLOAD_DEFSIG: y or n), a lone supervisor each time.
 */
const DEFAULT_SIGNALS = [
  `case "\${OFFLOAD_DEFSIG-}" in`,
  `  y) ds='env --default-signal=INT,QUIT';; n) ds=;;`,
  `  *) if env --default-signal=INT,QUIT true 2>/dev/null; then ds='env --default-signal=INT,QUIT'; else ds=; fi;;`,
  `esac`,
].join("\n");

/** What {@link supervisedScript} runs, and around it. */
export interface SupervisedCommand {
  /** The start line, printed on standard error once set-up is done. */
  token: string;
  argv: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Shell lines run first; one that fails should say why on stderr and `exit` non-zero. */
  setup?: readonly string[];
  /** Run after the command ended: `$rc` is its status, `$stopping` is set when it was stopped. */
  cleanup?: readonly string[];
  /** Run when a stopped command outlived the grace period, just before its group gets KILL (this shell too, but for setsid). */
  abandon?: readonly string[];
  /** The machine's name, for "CMD: command not found on HOST"; default what `uname -n` says there. */
  host?: string;
  /** The command's standard input, a shell word (a FIFO the client writes, see jobScript); default /dev/null. */
  stdin?: string;
}

/**
 * The supervisor script (for `sh -c`) that runs a command by the protocol in
 * the module comment.
 *
 * @example
 * const token = newStartToken();
 * const child = await session.supervise(supervisedScript({ token, argv: ["sleep", "30"] }), token);
 * child.stop(); // ends its input: the supervisor sends TERM to the sleep's group, KILL 3 s later
 */
export function supervisedScript(command: SupervisedCommand): string {
  // $ds: INT and QUIT back to their default actions (a shell starts background commands with them ignored).
  const run = `${assignments(command.env)}$ds ${quotedArgv(command.argv, "command")}`;
  const setsid = `${assignments(command.env)}setsid -- $ds ${quotedArgv(command.argv, "command")}`;
  const ignored = FORWARDED_SIGNALS.filter((name) => name !== "KILL").join(" ");
  const grace = STOP_GRACE_SECONDS * 10;
  const input = command.stdin ?? "/dev/null";
  return [
    ...(command.setup ?? []),
    `printf '%s\\n' ${shellQuote(command.token)} >&2`,
    // Signal the command's group; while it runs, setsid may not have made the group yet: then the command itself.
    `g=; job=; signal_() { kill -s "$1" -- "$g" 2>/dev/null || kill -s "$1" "$job" 2>/dev/null; }`,
    // Once the command is reaped, only a group (its PID may be someone else's by then); none before it started.
    `group_() { case "$g" in 0|-*) kill -s "$1" -- "$g" 2>/dev/null;; esac; }`,
    // A command that cannot start is said so in the user's words, never as the shell running this script would.
    ...missingCommandCheck(command),
    `exec 3<&0`,
    DEFAULT_SIGNALS,
    // Group leader (as under sshd): the command joins this shell's group, and ending the group needs no extra process.
    `group=; read -r _ _ _ _ group _ < /proc/$$/stat 2>/dev/null`,
    `if [ "$group" = "$$" ]; then`,
    `  ${run} <${input} 3<&- & job=$!; g=0`,
    `elif command -v setsid >/dev/null 2>&1; then`,
    `  ${setsid} <${input} 3<&- & job=$!; g=-$job`,
    `else`,
    `  ${run} <${input} 3<&- & job=$!; g=$job`,
    `fi`,
    // Ignored only now, so the command keeps the default actions: signals for the group do not end this shell.
    `trap '' ${ignored}`,
    `stopping=; trap 'stopping=1' USR1`,
    // The watchdog: control lines are signals; the end of the input stops the command.
    `( trap '' ${ignored} USR1`,
    `  while read -r s; do [ "$s" = ${STOP_LINE} ] && break; signal_ "$s"; done`,
    `  kill -s USR1 $$ 2>/dev/null; signal_ TERM`,
    `  n=0; while kill -0 "$job" 2>/dev/null && [ $n -lt ${grace} ]; do sleep 0.1; n=$((n+1)); done`,
    `  if kill -0 "$job" 2>/dev/null; then ${[...(command.abandon ?? []), `signal_ KILL`].join("; ")}; fi`,
    `) <&3 >/dev/null 2>&1 &`,
    `watchdog=$!`,
    `exec 3<&-`,
    // `wait` returns early when USR1 arrives; 2>/dev/null: shells report a job killed by a signal ("Terminated").
    `while :; do wait "$job" 2>/dev/null; rc=$?; kill -0 "$job" 2>/dev/null || break; done`,
    // Reaped, not only signalled: killed but not yet scheduled, it would still take a byte of what the channel
    // sends next (a runner's next script). Twice: its USR1 may end the first wait early.
    `kill -s KILL "$watchdog" 2>/dev/null; wait "$watchdog" 2>/dev/null; wait "$watchdog" 2>/dev/null`,
    // What the command left running.
    `group_ TERM`,
    ...(command.cleanup ?? []),
    // Stopped: nothing of it may outlive the stop (under sshd this ends this shell too).
    `if [ -n "$stopping" ]; then group_ KILL; fi`,
    `if [ -z "$stopping" ] && [ "$rc" -gt 128 ]; then s=$(kill -l "$rc" 2>/dev/null); case "$s" in ${PASSED_ON_SIGNALS.join("|")}) trap - "$s" 2>/dev/null; kill -s "$s" $$;; esac; fi`,
    `exit "$rc"`,
  ].join("\n");
}

/**
 * Lines that end the script with 127 and "CMD: command not found on HOST"
 * (or 126, "permission denied") when the command cannot be started, after
 * running the clean-up lines as for any other end.
 */
function missingCommandCheck(command: SupervisedCommand): string[] {
  const name = shellQuote(command.argv[0] ?? "");
  const host = command.host === undefined ? `"$(uname -n 2>/dev/null)"` : shellQuote(command.host);
  const fail = (status: number, why: string): string =>
    `{ printf '%s: %s on %s\\n' ${name} '${why}' ${host} >&2; rc=${status}; stopping=; ${[...(command.cleanup ?? []), `exit ${status}`].join("; ")}; }`;
  return [
    `case ${name} in`,
    `  */*) if [ ! -e ${name} ]; then ${fail(127, "no such file")}; elif [ -d ${name} ] || [ ! -x ${name} ]; then ${fail(126, "permission denied")}; fi;;`,
    `  *) ${assignments(command.env)}command -v -- ${name} >/dev/null 2>&1 || ${fail(127, "command not found")};;`,
    `esac`,
  ];
}

// ---------------------------------------------------------------- the runner

/**
 * A long-lived runner (see the module comment): one POSIX shell per channel
 * that runs scripts on request, one at a time, so a job costs no new
 * session and no login shell (whose startup files ran once, when the runner
 * started). It reads, on standard input:
 *
 * - `J TOKEN ID LENGTH` (a supervised job) or `P TOKEN ID LENGTH` (a plain
 *   script), then the script's lines, then a line `TOKEN`; LENGTH counts
 *   the script's bytes and its final newline. It runs the script with `sh -c`
 *   — a job with the channel's input as its control, a plain script with
 *   none — then prints `TOKEN-end STATUS` on standard output and on
 *   standard error. Until then the script's output is the channel's. ID,
 *   when not `-`, names a job scratch directory the current lease owns. A
 *   script that arrived with another length is not run: its STATUS is
 *   `damaged`;
 * - `R TOKEN`: the lease is over: what its jobs left (a scratch directory
 *   never downloaded) is removed, then `TOKEN-end 0` is printed on both.
 *
 * Anything else is ignored (a control line that came too late). The end of
 * its input ends the runner, after removing what its lease left; its jobs'
 * scratch directories name it as their owner ($RUNNER_OWNER), so what a
 * killed runner left is found by {@link garbageScript}.
 *
 * @example
 * import { execFileSync } from "node:child_process";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const home = mkdtempSync(join(tmpdir(), "offload-home-"));
 * // run here as the machine's login shell runs it, with a scratch $HOME
 * const sh = (script: string, input = "", args: string[] = []) =>
 *   execFileSync("sh", ["-c", script, ...args], { input, encoding: "utf8", env: { ...process.env, HOME: home } });
 * // a plain script with token t1 and no job directory; then the end of input ends the runner
 * const stdout = sh(runnerScript(), "P t1 - 8\necho hi\nt1\n");
 * rmSync(home, { recursive: true });
 * stdout; // "hi\nt1-end 0\n"
 */
export function runnerScript(): string {
  return [
    `B=${REMOTE_BASE}`,
    ...PROCESS_FUNCTIONS,
    `if stat_ $$; then RUNNER_OWNER="$$ $S"; else RUNNER_OWNER="$$ -"; fi; export RUNNER_OWNER`,
    `if env --default-signal=INT,QUIT true 2>/dev/null; then OFFLOAD_DEFSIG=y; else OFFLOAD_DEFSIG=n; fi; export OFFLOAD_DEFSIG`,
    `leased=`,
    `release_() { for id in $leased; do (cd "$B/jobs" 2>/dev/null && rm -rf -- "$id" "$id.list" "$id.hashes" "$id.owner" "$id.stdin"); done; leased=; }`,
    `while IFS= read -r line; do`,
    `  case $line in`,
    `    "J "*|"P "*)`,
    `      set -- $line; kind=$1; tok=$2; id=$3; length=$4`,
    `      case $id in ''|-) ;; *) leased="$leased $id";; esac`,
    `      s=; while IFS= read -r l; do [ "$l" = "$tok" ] && break; s="$s$l`,
    `"; done`,
    // Counted in bytes, whatever the locale (bash counts characters), and the locale put back for the script.
    `      if [ -n "\${LC_ALL+x}" ]; then l=$LC_ALL; LC_ALL=C; n=\${#s}; LC_ALL=$l; else LC_ALL=C; n=\${#s}; unset LC_ALL; fi`,
    `      cd "$HOME" 2>/dev/null || cd /`,
    // A byte lost on the way may have turned a path in it into another: such a script never runs.
    `      if [ "$n" != "$length" ]; then printf 'offload: a script reached the runner damaged (%s of %s bytes)\\n' "$n" "$length" >&2; rc=${DAMAGED_STATUS}`,
    `      elif [ "$kind" = J ]; then sh -c "$s" offload; rc=$?; else sh -c "$s" offload </dev/null; rc=$?; fi`,
    `      printf '%s-end %s\\n' "$tok" "$rc"; printf '%s-end %s\\n' "$tok" "$rc" >&2;;`,
    `    "R "*) release_; printf '%s-end 0\\n' "\${line#R }"; printf '%s-end 0\\n' "\${line#R }" >&2;;`,
    `  esac`,
    `done`,
    `release_`,
  ].join("\n");
}

// ---------------------------------------------------------------- status probe and `offload test`

/**
 * The status probe: `key=value` lines (time, uname, uptime, load, cores,
 * memkb, workdir, availkb); four subprocesses. The clock is read first, so
 * it is as close as possible to the round trip's midpoint. When the work
 * directory does not exist yet, its nearest existing parent is measured.
 *
 * @example
 * import { execFileSync } from "node:child_process";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const home = mkdtempSync(join(tmpdir(), "offload-home-"));
 * // run here as the machine's login shell runs it, with a scratch $HOME
 * const sh = (script: string, input = "", args: string[] = []) =>
 *   execFileSync("sh", ["-c", script, ...args], { input, encoding: "utf8", env: { ...process.env, HOME: home } });
 * const output = sh(probeScript(".cache/offload"));
 * rmSync(home, { recursive: true });
 * output.split("\n").filter((line) => line !== "").map((line) => line.slice(0, line.indexOf("=")));
 * // ["time", "uname", "uptime", "load", "cores", "memkb", "workdir", "availkb"]
 * // .cache/offload does not exist yet: its nearest existing parent is measured
 * output.includes(`\nworkdir=${home}\n`); // true
 */
export function probeScript(workDir: string | undefined): string {
  return [
    `printf 'time=%s\\n' "$(date +%s.%N)"`,
    `printf 'uname=%s\\n' "$(uname -s -n -r -m)"`,
    `read up _ 2>/dev/null < /proc/uptime && printf 'uptime=%s\\n' "$up"`,
    LOAD_LINE,
    CORES_LINE,
    `while read k v _; do if [ "$k" = MemAvailable: ]; then printf 'memkb=%s\\n' "$v"; break; fi; done 2>/dev/null < /proc/meminfo`,
    nearestExistingDirectory(remoteDirectory(workDir)),
    `printf 'workdir=%s\\n' "$d"`,
    AVAILABLE_KIB_LINE,
  ].join("\n");
}

/** `load=L1 L5 L15`, the load averages. */
const LOAD_LINE = `read l1 l5 l15 _ 2>/dev/null < /proc/loadavg && printf 'load=%s %s %s\\n' "$l1" "$l5" "$l15"`;
/** `cores=N`, the processors this user may use. */
const CORES_LINE = `printf 'cores=%s\\n' "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"`;
/** `availkb=KIB`, free KiB (for unprivileged users) on the file system holding `$d`. */
const AVAILABLE_KIB_LINE = `df -Pk -- "$d" 2>/dev/null | { read _; read fs size used avail _; printf 'availkb=%s\\n' "$avail"; }`;

/** Sets `$d` to `dir` (a shell word) or, while that does not exist, its nearest existing parent (at most 64 levels up). */
function nearestExistingDirectory(dir: string): string {
  return `d=${dir}; n=0; while [ ! -d "$d" ] && [ $n -lt 64 ]; do d=$(dirname -- "$d"); n=$((n+1)); done`;
}

/**
 * The build hook's probe of a build machine: `key=value` lines with the
 * load averages, the cores, the free KiB on the file system holding the
 * store directory (Guix's `free-disk-space` on /gnu/store; its nearest
 * existing parent while it does not exist) and the remote
 * `GUIX_DAEMON_SOCKET` (empty when unset), which wins over the record's
 * `daemon-socket` as it does for Guix.
 *
 * @example
 * import { execFileSync } from "node:child_process";
 * // run here with sh, as a login shell runs it on the machine, with the remote GUIX_DAEMON_SOCKET set
 * const env = { ...process.env, GUIX_DAEMON_SOCKET: "/run/guix.sock" };
 * const output = execFileSync("sh", ["-c", storeProbeScript("/gnu/store")], { encoding: "utf8", env });
 * output.split("\n").filter((line) => line !== "").map((line) => line.slice(0, line.indexOf("="))); // ["load", "cores", "availkb", "socket"]
 * output.endsWith("\nsocket=/run/guix.sock\n"); // true
 * // e.g. load=0.52 0.40 0.31, cores=8, availkb=51234567 (of /gnu/store or, without one, its nearest existing parent)
 */
export function storeProbeScript(storeDir: string): string {
  return [LOAD_LINE, CORES_LINE, nearestExistingDirectory(shellQuote(storeDir)), AVAILABLE_KIB_LINE, `printf 'socket=%s\\n' "\${GUIX_DAEMON_SOCKET-}"`].join(
    "\n",
  );
}

/**
 * Where `guix` is on the PATH of non-interactive sessions, then what
 * `guix --version` prints; fails when there is no `guix`.
 *
 * @example
 * guixVersionScript(); // "command -v guix && guix --version"
 */
export function guixVersionScript(): string {
  return "command -v guix && guix --version";
}

/**
 * `uname -s`, `uname -m`, then `STATE NAME` for each QEMU binfmt_misc entry.
 *
 * @example
 * await session.output(["sh", "-c", architectureScript()]);
 * // e.g. Linux, x86_64 and enabled qemu-aarch64, each on a line of its own
 */
export function architectureScript(): string {
  return ["uname -s", "uname -m", `for f in /proc/sys/fs/binfmt_misc/qemu-*; do [ -f "$f" ] && read s _ < "$f" && echo "$s \${f##*/}"; done; true`].join("\n");
}

/**
 * Prints each of its arguments that is not a command on the PATH (for `sh -c SCRIPT sh TOOL...`).
 *
 * @example
 * import { execFileSync } from "node:child_process";
 * execFileSync("sh", ["-c", missingToolsScript(), "sh", "cat", "no-such-tool"], { encoding: "utf8" }); // "no-such-tool\n"
 */
export function missingToolsScript(): string {
  return 'for t in "$@"; do command -v "$t" >/dev/null 2>&1 || echo "$t"; done; true';
}

/**
 * Creates the work directory and a file in it, then prints the directory and
 * its free KiB; exits 3 when it cannot be created, 4 when it is not writable.
 *
 * @example
 * import { execFileSync } from "node:child_process";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const home = mkdtempSync(join(tmpdir(), "offload-home-"));
 * // run here as the machine's login shell runs it, with a scratch $HOME
 * const sh = (script: string, input = "", args: string[] = []) =>
 *   execFileSync("sh", ["-c", script, ...args], { input, encoding: "utf8", env: { ...process.env, HOME: home } });
 * const [dir, freeKiB] = sh(workDirScript(".cache/offload")).split("\n");
 * rmSync(home, { recursive: true });
 * dir === `${home}/.cache/offload`; // true
 * /^[0-9]+$/.test(freeKiB!); // true
 */
export function workDirScript(workDir: string | undefined): string {
  return [
    `d=${remoteDirectory(workDir)}`,
    `mkdir -p -- "$d" || exit 3`,
    `t=$(mktemp "$d/.offload-test.XXXXXX") || exit 4`,
    `rm -f -- "$t"`,
    `printf '%s\\n' "$d"`,
    `df -Pk -- "$d" | { read _; read fs size used avail _; echo "$avail"; }`,
  ].join("\n");
}

/**
 * The three scripts of `offload test`'s round trip through a file in the
 * work directory: store standard input, print it back, remove it.
 *
 * @example
 * roundTripScripts(undefined, "a1b2c3");
 * // { store: 'cat > "$HOME"/.offload-roundtrip-a1b2c3', fetch: 'cat "$HOME"/.offload-roundtrip-a1b2c3',
 * //   remove: 'rm -f -- "$HOME"/.offload-roundtrip-a1b2c3' }
 */
export function roundTripScripts(workDir: string | undefined, name: string): { store: string; fetch: string; remove: string } {
  const file = `${remoteDirectory(workDir)}/${shellQuote(`.offload-roundtrip-${checkId(name)}`)}`;
  return { store: `cat > ${file}`, fetch: `cat ${file}`, remove: `rm -f -- ${file}` };
}

// ---------------------------------------------------------------- the offload engine

/**
 * Shell functions about processes, from /proc (a "-" start time where there
 * is no /proc: then only `kill -0` can tell, which a reused PID fools).
 * `stat_ PID` sets C (command name), T (state), P (parent) and S (start
 * time) or fails; `alive_ PID START` succeeds while that very process runs
 * (not a zombie); `owner_` sets O
 * to "PID START" of the process whose life is this client's connection: the
 * nearest sshd ancestor (each connection has its own), else the parent.
 */
const PROCESS_FUNCTIONS = [
  'stat_() { s=; read -r s 2>/dev/null < "/proc/$1/stat" || return 1; C=${s#*(}; C=${C%) *}; set -- ${s##*) }; [ $# -ge 20 ] || return 1; T=$1; P=$2; shift 19; S=$1; }',
  // A zombie has ended (where nothing reaps orphans, as in some containers, it stays listed).
  'alive_() { if [ "$2" = - ]; then kill -0 "$1" 2>/dev/null; else stat_ "$1" && [ "$S" = "$2" ] && [ "$T" != Z ] && [ "$T" != X ]; fi; }',
  'owner_() { p=$PPID; O=; n=0; while [ $n -lt 6 ] && [ "$p" -gt 1 ] && stat_ "$p"; do case $C in sshd*) O="$p $S"; return;; esac; p=$P; n=$((n+1)); done; if stat_ $PPID; then O="$PPID $S"; else O="$PPID -"; fi; }',
];

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

/** Sets B (the base directory) and J (job `id`'s scratch directory). */
function jobVariables(id: string): string {
  return `B=${REMOTE_BASE}; J="$B/jobs/${checkId(id)}"`;
}

/**
 * Print the keys (one per line) the remote cache lacks, or holds with another size.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { execFileSync } from "node:child_process";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const home = mkdtempSync(join(tmpdir(), "offload-home-"));
 * // run here as the machine's login shell runs it, with a scratch $HOME
 * const sh = (script: string, input = "") =>
 *   execFileSync("sh", ["-c", script], { input, encoding: "utf8", env: { ...process.env, HOME: home }, stdio: "pipe" });
 * import { createHash } from "node:crypto";
 * const key = createHash("sha256").update("hello\n").digest("hex");
 * const before = sh(missingKeysScript([{ key, size: 6 }]));
 * writeFileSync(join(home, ".cache/offload/cas", key), "hello\n");
 * const after = sh(missingKeysScript([{ key, size: 6 }]));
 * const otherSize = sh(missingKeysScript([{ key, size: 7 }]));
 * rmSync(home, { recursive: true });
 * before === `${key}\n`; // true
 * after; // ""
 * otherSize === `${key}\n`; // true
 */
export function missingKeysScript(entries: ReadonlyArray<{ key: string; size: number }>): string {
  const lines = [
    `mkdir -p ${REMOTE_BASE}/cas ${REMOTE_BASE}/jobs && cd ${REMOTE_BASE}/cas || exit 1`,
    // Entries present are touched: their modification time is their last use, for the cache's LRU trimming.
    `u=; c() { if [ -f "$1" ] && [ "$(wc -c < "$1")" -eq "$2" ]; then u="$u $1"; else echo "$1"; fi; }`,
  ];
  for (const { key, size } of entries) lines.push(`c ${checkKey(key)} ${Math.floor(size)}`);
  lines.push(`[ -z "$u" ] || touch -c -- $u`);
  return lines.join("\n");
}

/**
 * List the input cache, one entry per line: last use (seconds since the
 * epoch, the modification time), size in bytes, hard links (more than one:
 * a job's scratch directory holds it), key. Then a line `now SECONDS`, the
 * remote clock.
 *
 * @example
 * import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
 * import { execFileSync } from "node:child_process";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const home = mkdtempSync(join(tmpdir(), "offload-home-"));
 * // run here as the machine's login shell runs it, with a scratch $HOME
 * const sh = (script: string, input = "") =>
 *   execFileSync("sh", ["-c", script], { input, encoding: "utf8", env: { ...process.env, HOME: home }, stdio: "pipe" });
 * const cas = join(home, ".cache/offload/cas");
 * mkdirSync(cas, { recursive: true });
 * writeFileSync(join(cas, "ab".repeat(32)), "hello\n");
 * utimesSync(join(cas, "ab".repeat(32)), 1700000000, 1700000000);
 * const [entry, now] = sh(cacheListingScript()).split("\n");
 * rmSync(home, { recursive: true });
 * entry; // "1700000000.0000000000 6 1 abababababababababababababababababababababababababababababababab"
 * /^now [0-9]+$/.test(now!); // true
 */
export function cacheListingScript(): string {
  return [
    `if cd ${REMOTE_BASE}/cas 2>/dev/null; then find . -maxdepth 1 -type f ! -name '.*' -printf '%T@ %s %n %f\\n'; fi`,
    `printf 'now %s\\n' "$(date +%s)"`,
  ].join("\n");
}

/**
 * Remove these cache entries — each only if it is still unused (one link)
 * and was last used before `cutoff` (seconds since the epoch), so a job that
 * took it up since the listing keeps it. Prints the keys removed.
 *
 * @example
 * import { linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
 * import { execFileSync } from "node:child_process";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const home = mkdtempSync(join(tmpdir(), "offload-home-"));
 * // run here as the machine's login shell runs it, with a scratch $HOME
 * const sh = (script: string, input = "") =>
 *   execFileSync("sh", ["-c", script], { input, encoding: "utf8", env: { ...process.env, HOME: home }, stdio: "pipe" });
 * const cas = join(home, ".cache/offload/cas");
 * mkdirSync(cas, { recursive: true });
 * const [old, inUse, recent] = ["a", "b", "c"].map((digit) => digit.repeat(64));
 * for (const key of [old, inUse, recent]) writeFileSync(join(cas, key!), key!);
 * for (const key of [old, inUse]) utimesSync(join(cas, key!), 1700000000, 1700000000);
 * // a job's scratch directory holds inUse
 * linkSync(join(cas, inUse!), join(home, "input"));
 * const removed = sh(cacheEvictionScript([old!, inUse!, recent!], 1750000000));
 * const left = readdirSync(cas).sort();
 * rmSync(home, { recursive: true });
 * removed === `${old}\n`; // true
 * left.map((key) => key[0]); // ["b", "c"]
 */
export function cacheEvictionScript(keys: readonly string[], cutoff: number): string {
  const names = keys.map((key) => `-name ${checkKey(key)}`).join(" -o ");
  if (names === "") return "exit 0";
  return `cd ${REMOTE_BASE}/cas 2>/dev/null || exit 0; find . -maxdepth 1 -type f -links 1 ! -newermt @${Math.floor(cutoff)} \\( ${names} \\) -printf '%f\\n' -delete`;
}

/**
 * Read the given files, concatenated, from stdin into the cache. Each lands
 * under a temporary name and is renamed to its key only when complete, so an
 * interrupted upload never leaves a bad cache entry.
 *
 * @example
 * import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
 * import { execFileSync } from "node:child_process";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const home = mkdtempSync(join(tmpdir(), "offload-home-"));
 * // run here as the machine's login shell runs it, with a scratch $HOME
 * const sh = (script: string, input = "") =>
 *   execFileSync("sh", ["-c", script], { input, encoding: "utf8", env: { ...process.env, HOME: home }, stdio: "pipe" });
 * import { createHash } from "node:crypto";
 * const text = createHash("sha256").update("hello\n").digest("hex");
 * const tool = `${createHash("sha256").update("#!/bin/sh\n").digest("hex")}-x`;
 * sh(uploadScript([{ key: text, size: 6, executable: false }, { key: tool, size: 10, executable: true }]), "hello\n#!/bin/sh\n");
 * const cas = join(home, ".cache/offload/cas");
 * const modes = [text, tool].map((key) => (statSync(join(cas, key)).mode & 0o777).toString(8));
 * const content = readFileSync(join(cas, text), "utf8");
 * const names = readdirSync(cas).length;
 * rmSync(home, { recursive: true });
 * modes; // ["444", "555"]
 * content; // "hello\n"
 * names; // 2
 */
export function uploadScript(entries: ReadonlyArray<{ key: string; size: number; executable: boolean }>): string {
  const lines = [
    `mkdir -p ${REMOTE_BASE}/cas && cd ${REMOTE_BASE}/cas || exit 1`,
    ...PROCESS_FUNCTIONS,
    // Named after this shell, so garbageScript can tell an abandoned temporary from one being written.
    `if stat_ $$; then t=".tmp.$$.$S"; else t=".tmp.$$.-"; fi`,
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
  /** The start line, printed on stderr when set-up is done and the command starts. */
  token: string;
  inputs: {
    directories: readonly string[];
    files: ReadonlyArray<{ key: string; remotePath: string }>;
    symlinks: ReadonlyArray<{ remotePath: string; target: string }>;
  };
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Remove the scratch directory when the command ends (the job has no outputs to fetch). */
  cleanUpAfter: boolean;
  /** The machine's name, for "CMD: command not found on HOST". */
  host?: string;
  /**
   * The command reads its standard input from a FIFO beside the scratch
   * directory, which the client fills ({@link stdinScript}); it starts once
   * the writer is there. Otherwise its input is /dev/null.
   */
  stdinFromClient?: boolean;
  /** Run by a runner ({@link runnerScript}): the runner owns the scratch directory, not the connection. */
  underRunner?: boolean;
}

/**
 * The script of a job (for `sh -c`): create the scratch directory,
 * materialize the inputs from the cache (hard links), then run the command
 * supervised ({@link supervisedScript}) in it. The scratch directory is
 * removed when the command ends if the job has no outputs, and whenever it
 * was stopped. Exits 125 when set-up failed before the command started.
 *
 * @example
 * const token = newStartToken();
 * const script = jobScript({ jobId: "j1", token, inputs: { directories: [], files: [], symlinks: [] }, command: ["make"], env: {}, cleanUpAfter: false });
 * const child = await session.supervise(script, token); // make runs in ~/.cache/offload/jobs/j1
 */
export function jobScript(options: JobScriptOptions): string {
  if (options.command.length === 0) throw new TypeError("a job needs a command");
  const remove = `cd "$B" && rm -rf "$J" "$J.owner" "$J.stdin"`;
  const setup = [
    `umask 022`,
    jobVariables(options.jobId),
    `fail() { printf 'offload: %s\\n' "$1" >&2; cd / && rm -rf "$J" "$J.owner" "$J.stdin"; exit ${SETUP_FAILED_STATUS}; }`,
    ...PROCESS_FUNCTIONS,
    // The owner record comes first: from the moment the directory exists, garbageScript can tell whose it is.
    options.underRunner === true
      ? `mkdir -p "$B/jobs" && printf '%s\\n' "$RUNNER_OWNER" > "$J.owner" || fail "cannot create the job directory $J"`
      : `mkdir -p "$B/jobs" && owner_ && printf '%s\\n' "$O" > "$J.owner" || fail "cannot create the job directory $J"`,
    `mkdir "$J" || fail "cannot create the job directory $J"`,
    ...(options.stdinFromClient === true ? [`mkfifo -m 600 "$J.stdin" || fail "cannot create $J.stdin"`] : []),
    `cd "$J" || fail "cannot enter $J"`,
  ];
  for (const directory of inputDirectories(options.inputs)) {
    setup.push(`mkdir -p ${dotPath(directory)} || fail ${shellQuote(`cannot create ${directory}`)}`);
  }
  for (const file of options.inputs.files) {
    const source = `"$B/cas/${checkKey(file.key)}"`;
    setup.push(
      `ln ${source} ${dotPath(file.remotePath)} 2>/dev/null || cp ${source} ${dotPath(file.remotePath)} || fail ${shellQuote(`cannot place input ${file.remotePath}`)}`,
    );
  }
  for (const link of options.inputs.symlinks) {
    setup.push(`ln -s ${shellQuote(link.target)} ${dotPath(link.remotePath)} || fail ${shellQuote(`cannot create link ${link.remotePath}`)}`);
  }
  return supervisedScript({
    token: options.token,
    argv: options.command,
    env: options.env,
    host: options.host,
    stdin: options.stdinFromClient === true ? `"$J.stdin"` : undefined,
    setup,
    // Under a runner, what the job left running must not write into the next job's output: it ends now.
    cleanup: [...(options.underRunner === true ? ["group_ KILL"] : []), options.cleanUpAfter ? remove : `if [ -n "$stopping" ]; then ${remove}; fi`],
    abandon: [remove],
  });
}

/**
 * The directories to create before placing the inputs: the listed ones and
 * the parents of every file and link (`--input dir/file` keeps `dir/`),
 * parents first, each once.
 */
function inputDirectories(inputs: JobScriptOptions["inputs"]): string[] {
  const directories = new Set<string>();
  const addWithParents = (path: string): void => {
    const segments = path.split("/");
    for (let i = 1; i <= segments.length; i++) directories.add(segments.slice(0, i).join("/"));
  };
  for (const directory of inputs.directories) addWithParents(directory);
  for (const entry of [...inputs.files, ...inputs.symlinks]) {
    const parent = entry.remotePath.split("/").slice(0, -1).join("/");
    if (parent !== "") addWithParents(parent);
  }
  return [...directories];
}

/**
 * Stream the outputs of a finished job, then remove its scratch directory.
 * Standard output carries: the length of the listing in decimal and a
 * newline; the listing (GNU find records `TYPE MODE SIZE\0LINK\0PATH\0`);
 * the contents of the regular files in listing order; then one hash line per
 * regular file, in the same order, computed by the remote while streaming.
 *
 * @example
 * const child = await session.exec(["sh", "-c", downloadScript("j1", ["out", "log.txt"])], { stdin: "ignore" });
 * await receiveOutputs(child.stdout, stagingDir, ["out", "log.txt"]); // offload/output-stream.ts reads the stream
 */
export function downloadScript(jobId: string, outputs: readonly string[]): string {
  const paths = outputs.map(dotPath).join(" ");
  const lines = [
    jobVariables(jobId),
    `cd "$J" || { echo "offload: the job directory $J is gone" >&2; exit 2; }`,
    `L="$J.list"; H="$J.hashes"`,
    `done_() { cd "$B" && rm -rf "$J" "$L" "$H" "$J.owner" "$J.stdin"; }`,
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
 * import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
 * import { execFileSync } from "node:child_process";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const home = mkdtempSync(join(tmpdir(), "offload-home-"));
 * // run here as the machine's login shell runs it, with a scratch $HOME
 * const sh = (script: string, input = "") =>
 *   execFileSync("sh", ["-c", script], { input, encoding: "utf8", env: { ...process.env, HOME: home }, stdio: "pipe" });
 * const jobs = join(home, ".cache/offload/jobs");
 * mkdirSync(join(jobs, "j1"), { recursive: true });
 * writeFileSync(join(jobs, "j1.owner"), "4242 77\n");
 * sh(cleanupScript("j1"));
 * const left = readdirSync(jobs);
 * rmSync(home, { recursive: true });
 * left; // []
 */
export function cleanupScript(jobId: string): string {
  return `${jobVariables(jobId)}; cd "$B" 2>/dev/null && rm -rf "$J" "$J.list" "$J.hashes" "$J.owner" "$J.stdin"; exit 0`;
}

/**
 * Feed a job's standard input (its FIFO, see JobScriptOptions.stdinFromClient)
 * from this command's: run it once the job has started.
 *
 * @example
 * const writer = await session.exec(["sh", "-c", stdinScript("j1")], { stdin: "pipe" });
 * process.stdin.pipe(writer.stdin); // the job reads what offload run reads
 */
export function stdinScript(jobId: string): string {
  return `${jobVariables(jobId)}; [ -p "$J.stdin" ] || { echo "offload: the job $J has no input pipe" >&2; exit 1; }; exec cat > "$J.stdin"`;
}

/**
 * Find what clients left behind on this machine (see "Leftovers" in the
 * module comment) and remove it, printing one line per item:
 * `job ID KIB` for a scratch directory, `upload NAME KIB` for an upload
 * temporary. With `dryRun`, only print. Hang-ups are ignored and nothing is
 * written to the channel but those lines, so a client that goes away
 * meanwhile does not cut it short.
 *
 * @example
 * import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
 * import { execFileSync } from "node:child_process";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const home = mkdtempSync(join(tmpdir(), "offload-home-"));
 * // run here as the machine's login shell runs it, with a scratch $HOME
 * const sh = (script: string, input = "") =>
 *   execFileSync("sh", ["-c", script], { input, encoding: "utf8", env: { ...process.env, HOME: home }, stdio: "pipe" });
 * const jobs = join(home, ".cache/offload/jobs");
 * mkdirSync(join(jobs, "gone"), { recursive: true });
 * mkdirSync(join(jobs, "running"), { recursive: true });
 * // owners: a PID above any pid_max (its client has gone) and this process (still running)
 * writeFileSync(join(jobs, "gone.owner"), "999999999 12345\n");
 * writeFileSync(join(jobs, "running.owner"), `${process.pid} -\n`);
 * const found = sh(garbageScript({ dryRun: true }));
 * const dryRunLeft = readdirSync(jobs).length;
 * sh(garbageScript());
 * const left = readdirSync(jobs).sort();
 * rmSync(home, { recursive: true });
 * /^job gone [0-9]+\n$/.test(found); // true
 * dryRunLeft; // 4
 * left; // ["running", "running.owner"]
 */
export function garbageScript(options: { dryRun?: boolean } = {}): string {
  const remove = options.dryRun === true ? ":" : "rm -rf";
  return [
    `trap '' HUP PIPE`,
    ...PROCESS_FUNCTIONS,
    `kib_() { du -sk -- "$1" 2>/dev/null | { read -r k _; echo "\${k:-0}"; }; }`,
    `if cd ${REMOTE_BASE}/jobs 2>/dev/null; then`,
    `  for d in *; do`,
    `    [ -d "$d" ] && [ ! -L "$d" ] || continue`,
    `    if [ -f "$d.owner" ]; then read -r p st _ < "$d.owner" 2>/dev/null; [ -n "$p" ] && alive_ "$p" "\${st:--}" && continue`,
    // No owner record: from an older version (a job writes its record before its directory).
    `    else [ -n "$(find "$d" -maxdepth 0 -mmin +${OWNERLESS_JOB_MINUTES} 2>/dev/null)" ] || continue; fi`,
    `    printf 'job %s %s\\n' "$d" "$(kib_ "$d")"; ${remove} -- "$d" "$d.list" "$d.hashes" "$d.owner" "$d.stdin"`,
    `  done`,
    // Records whose directory is gone (a job stopped between the two steps of its set-up).
    `  for f in *.owner; do [ -f "$f" ] && [ ! -e "\${f%.owner}" ] || continue; read -r p st _ < "$f" 2>/dev/null; [ -n "$p" ] && alive_ "$p" "\${st:--}" && continue; ${remove} -- "$f"; done`,
    `fi`,
    `if cd ${REMOTE_BASE}/cas 2>/dev/null; then`,
    `  for t in .tmp.*; do`,
    `    [ -f "$t" ] || continue; r=\${t#.tmp.}; p=\${r%%.*}; st=\${r#*.}`,
    `    case $p in ''|*[!0-9]*) continue;; esac; [ "$st" = "$r" ] && st=-; alive_ "$p" "$st" && continue`,
    `    printf 'upload %s %s\\n' "$t" "$(kib_ "$t")"; ${remove} -- "$t"`,
    `  done`,
    `fi`,
    `exit 0`,
  ].join("\n");
}
