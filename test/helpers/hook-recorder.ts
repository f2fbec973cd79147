/**
 * Recording what a build hook sees of its daemon, so the daemon-side driver
 * (hook-driver.ts) can be checked against a real guix-daemon. The recorder
 * is a `$GUIX` wrapper: for `offload …` it notes the arguments, working
 * directory, whether it leads its own session and what its descriptors 0,
 * 1, 2 and 4 are, copies the request pipe and the reply pipe while the real
 * hook runs, and notes its exit status; anything else runs the real program.
 * {@link readRecording} turns the notes into a transcript with store hashes,
 * the store directory and the system replaced by placeholders, comparable
 * between a real daemon and the driver (fixtures/hook/daemon-transcript.json).
 *
 * @example
 * import { hookRecorder, readRecording } from "../helpers/hook-recorder.ts";
 * const recorder = hookRecorder(OFFLOAD_GUIX);   // give recorder.program to the daemon as GUIX
 * // … builds …
 * const transcript = readRecording(recorder.dir, { storeDir, system });
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp-dir.ts";

/** A recorder ready to be the daemon's `$GUIX`. */
export interface HookRecorder {
  /** The wrapper script. */
  program: string;
  /** Where each hook process's notes go (one directory per process). */
  dir: string;
}

/** What one hook process saw. */
export interface RecordedHook {
  argv: string[];
  cwd: string;
  /** The hook leads its own session (the daemon's setsid). */
  sessionLeader: boolean;
  /** `pipe` or what else each descriptor is; `same-as-1` when fd 2 is fd 1's pipe. */
  fds: { "0": string; "1": string; "2": string; "4": string };
  /** Lines the daemon wrote on the request pipe, in order. */
  requests: string[];
  /** Whether the daemon closed the request pipe (the hook saw its end). */
  requestsClosed: boolean;
  /** The `# ` lines of the reply pipe, in order. */
  replies: string[];
  status: number;
}

/** A comparable recording: the hooks in the order they started. */
export interface HookTranscript {
  hooks: RecordedHook[];
}

/**
 * Write the wrapper that records hooks and runs `target` (bin/offload-guix).
 *
 * @example
 * const recorder = hookRecorder("/path/to/offload-guix");
 */
export function hookRecorder(target: string): HookRecorder {
  const dir = tempDir("offload-hook-recording-");
  const program = join(dir, "record-guix");
  const script = `#!/bin/bash
# Records what a build hook sees, then runs ${target} (see test/helpers/hook-recorder.ts).
if [ "$1" != offload ]; then exec ${JSON.stringify(target)} "$@"; fi
d=${JSON.stringify(dir)}/$(date +%s%N)-$$
mkdir -p "$d"
printf '%s\\n' "$@" > "$d/argv"
pwd > "$d/cwd"
[ "$(ps -o sid= -p $$ | tr -d ' ')" = "$$" ] && echo yes > "$d/session-leader"
# Read the descriptors before any redirection of this script's own: a FIFO or an
# anonymous pipe is a pipe; fd 2 is "same-as-1" when it is fd 1's very pipe.
kind() { case "$(stat -L -c %F "/proc/$$/fd/$1" 2>/dev/null)" in fifo) echo pipe;; socket) echo socket;; "") echo closed;; *) echo other;; esac; }
id() { stat -L -c %d:%i "/proc/$$/fd/$1" 2>/dev/null; }
two=$(kind 2); [ -n "$(id 2)" ] && [ "$(id 2)" = "$(id 1)" ] && two=same-as-1
printf '0 %s\n1 %s\n2 %s\n4 %s\n' "$(kind 0)" "$(kind 1)" "$two" "$(kind 4)" > "$d/fds"
exec 5>&4
{ cat; echo closed > "$d/requests-closed"; } | tee "$d/requests" | ${JSON.stringify(target)} "$@" 2>&1 4>&5 | tee "$d/replies"
echo "\${PIPESTATUS[2]}" > "$d/status"
`;
  writeFileSync(program, script, { mode: 0o755 });
  return { program, dir };
}

/** Replace what differs between two set-ups by placeholders. */
function normalize(text: string, storeDir: string, system: string): string {
  const hashed = new RegExp(`${storeDir.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}/[0-9a-df-np-sv-z]{32}-`, "g");
  return text.replace(hashed, "<store>/").replaceAll(system, "<system>");
}

/**
 * Read a recorder's notes as a transcript.
 *
 * @example
 * const transcript = readRecording(recorder.dir, { storeDir: "/gnu/store", system: "x86_64-linux" });
 */
export function readRecording(dir: string, where: { storeDir: string; system: string }): HookTranscript {
  const read = (hook: string, name: string): string => {
    const file = join(dir, hook, name);
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  };
  const lines = (text: string): string[] => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));
  const hooks = readdirSync(dir)
    .filter((entry) => /^\d+-\d+$/.test(entry))
    .sort()
    .map((hook): RecordedHook => {
      const fds = Object.fromEntries(lines(read(hook, "fds")).map((line) => line.split(" ") as [string, string])) as RecordedHook["fds"];
      return {
        argv: lines(read(hook, "argv")).map((arg) => normalize(arg, where.storeDir, where.system)),
        cwd: read(hook, "cwd").trim(),
        sessionLeader: read(hook, "session-leader").trim() === "yes",
        fds,
        requests: lines(read(hook, "requests")).map((line) => normalize(line, where.storeDir, where.system)),
        requestsClosed: read(hook, "requests-closed").trim() === "closed",
        replies: lines(read(hook, "replies")).filter((line) => line.startsWith("# ")),
        status: Number(read(hook, "status").trim()),
      };
    });
  return { hooks };
}

/**
 * The transcript with what legitimately differs between set-ups taken out:
 * the inputs and outputs lines after `# accept` are sets (the daemon prints
 * them from a sorted set of full paths, so their order follows the hashes).
 *
 * @example
 * assert.deepEqual(comparable(recorded), comparable(fixture));
 */
export function comparable(transcript: HookTranscript): HookTranscript {
  return {
    hooks: transcript.hooks.map((hook) => {
      const accepted = hook.replies.indexOf("# accept");
      const requests = hook.requests.map((line, index) =>
        accepted >= 0 && (index === accepted + 1 || index === accepted + 2)
          ? line
              .split(" ")
              .filter((word) => word !== "")
              .sort()
              .map((word) => `${word} `)
              .join("")
          : line,
      );
      return { ...hook, requests };
    }),
  };
}

/** The fixture recorded from a real guix-daemon (see fixtures/hook/README.md). */
export const DAEMON_TRANSCRIPT_FIXTURE = new URL("../../fixtures/hook/daemon-transcript.json", import.meta.url);
