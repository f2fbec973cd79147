/**
 * What the hook asks a build machine before giving it a build, in one
 * script (src/ssh/remote-shell.ts's storeProbeScript): the load and the
 * number of cores (Guix's normalized load), the free space of the file
 * system holding the store (Guix's `free-disk-space` on /gnu/store; when
 * the directory is missing, its nearest existing parent), and the remote
 * `GUIX_DAEMON_SOCKET`, which wins over the record's `daemon-socket` as it
 * does for Guix (bug 48240).
 *
 * @example
 * import { probeBuildMachine } from "./remote-probe.ts";
 * const facts = await probeBuildMachine(session, "/gnu/store", 15_000);
 * facts.diskFreeBytes; // free bytes under /gnu/store on the machine
 */
import { SshError } from "../../ssh/errors.ts";
import { storeProbeScript } from "../../ssh/remote-shell.ts";
import { withScriptHost, type ScriptResult } from "../../ssh/script-host.ts";
import type { SshSession } from "../../ssh/session.ts";
import { HookError } from "./errors.ts";

/** What the probe learns. */
export interface BuildMachineFacts {
  load: [number, number, number];
  cores: number;
  /** Free bytes (for unprivileged users) on the store's file system. */
  diskFreeBytes: number;
  /** The remote `GUIX_DAEMON_SOCKET`, or null when unset or empty. */
  daemonSocketOverride: string | null;
}

/**
 * Parse the probe's output; throws HookError `remote` naming what is missing.
 *
 * @example
 * parseProbe("load=0.5 0.4 0.3\ncores=4\navailkb=1024\nsocket=\n", "b").cores; // 4
 */
export function parseProbe(text: string, machineName: string): BuildMachineFacts {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const equals = line.indexOf("=");
    if (equals > 0) fields.set(line.slice(0, equals), line.slice(equals + 1));
  }
  const bad = (what: string): HookError =>
    new HookError("remote", `cannot read ${what} of build machine '${machineName}' (probe said ${JSON.stringify(text.slice(0, 200))})`, {
      machine: machineName,
    });
  const load = (fields.get("load") ?? "").trim().split(" ").map(Number);
  if (load.length !== 3 || load.some((value) => !Number.isFinite(value))) throw bad("the load");
  const cores = Number(fields.get("cores"));
  if (!Number.isInteger(cores) || cores < 1) throw bad("the number of cores");
  const availableKiB = (fields.get("availkb") ?? "").trim();
  if (!/^\d+$/.test(availableKiB)) throw bad("the free space of the store");
  const socket = fields.get("socket") ?? "";
  return { load: load as [number, number, number], cores, diskFreeBytes: Number(availableKiB) * 1024, daemonSocketOverride: socket === "" ? null : socket };
}

/**
 * Probe the machine behind `session` (through its holder, on one of the
 * holder's ready runners: no login shell); rejects after `timeoutMs`
 * (Guix's short timeout is 15 s) or when the script fails.
 */
export async function probeBuildMachine(session: SshSession, storeDir: string, timeoutMs: number): Promise<BuildMachineFacts> {
  const name = session.machine.name;
  let result: ScriptResult;
  try {
    result = await withScriptHost(session, (host) => host.runScript(storeProbeScript(storeDir), { timeoutMs, maxOutputBytes: 64 * 1024 }));
  } catch (error) {
    if (!(error instanceof SshError && error.code === "timeout")) throw error;
    throw new HookError("remote", `build machine '${name}' did not answer the probe within ${Math.round(timeoutMs / 1000)} s`, { machine: name, cause: error });
  }
  if (result.code !== 0) {
    const stderr = result.stderr.toString("utf8").trim().slice(0, 300);
    throw new HookError("remote", `probe failed on build machine '${name}' (status ${result.code ?? result.signal}): ${stderr}`, { machine: name });
  }
  return parseProbe(result.stdout.toString("utf8"), name);
}
