/**
 * What the hook asks a build machine before giving it a build, in one
 * command: the load and the number of cores (Guix's normalized load), the
 * free space of the file system holding the store (Guix's `free-disk-space`
 * on /gnu/store; when the directory is missing, its nearest existing
 * parent), and the remote `GUIX_DAEMON_SOCKET`, which wins over the record's
 * `daemon-socket` as it does for Guix (bug 48240).
 *
 * @example
 * import { probeBuildMachine } from "./remote-probe.ts";
 * const facts = await probeBuildMachine(link, "/gnu/store", 15_000);
 * facts.diskFreeBytes; // free bytes under /gnu/store on the machine
 */
import { shellQuote } from "../../ssh/remote-shell.ts";
import { HookError } from "./errors.ts";
import type { LinkProcess, MachineLink } from "./machine-link.ts";

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
 * The probe's shell script for a store directory.
 *
 * @example
 * probeScript("/gnu/store"); // "read l1 l5 l15 _ < /proc/loadavg …"
 */
export function probeScript(storeDir: string): string {
  return [
    `read l1 l5 l15 _ < /proc/loadavg && printf 'load=%s %s %s\\n' "$l1" "$l5" "$l15"`,
    `printf 'cores=%s\\n' "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"`,
    `d=${shellQuote(storeDir)}; n=0; while [ ! -d "$d" ] && [ $n -lt 64 ]; do d=$(dirname -- "$d"); n=$((n+1)); done`,
    `df -Pk -- "$d" 2>/dev/null | { read _; read fs size used avail _; printf 'availkb=%s\\n' "$avail"; }`,
    `printf 'socket=%s\\n' "\${GUIX_DAEMON_SOCKET-}"`,
  ].join("\n");
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
    new HookError("remote", `cannot read ${what} of build machine '${machineName}' (probe said ${JSON.stringify(text.slice(0, 200))})`, { machine: machineName });
  const load = (fields.get("load") ?? "").trim().split(" ").map(Number);
  if (load.length !== 3 || load.some((value) => !Number.isFinite(value))) throw bad("the load");
  const cores = Number(fields.get("cores"));
  if (!Number.isInteger(cores) || cores < 1) throw bad("the number of cores");
  const availableKiB = (fields.get("availkb") ?? "").trim();
  if (!/^\d+$/.test(availableKiB)) throw bad("the free space of the store");
  const socket = fields.get("socket") ?? "";
  return { load: load as [number, number, number], cores, diskFreeBytes: Number(availableKiB) * 1024, daemonSocketOverride: socket === "" ? null : socket };
}

function collect(child: LinkProcess, limit: number): Promise<{ stdout: string; stderr: string }> {
  const read = (stream: NodeJS.ReadableStream): Promise<string> =>
    new Promise((resolve) => {
      let text = "";
      stream.on("data", (chunk: Buffer) => {
        if (text.length < limit) text += chunk.toString("utf8");
      });
      stream.once("end", () => resolve(text));
      stream.once("close", () => resolve(text));
    });
  return Promise.all([read(child.stdout), read(child.stderr)]).then(([stdout, stderr]) => ({ stdout, stderr }));
}

/**
 * Probe the machine behind `link`; rejects after `timeoutMs` (Guix's short
 * timeout is 15 s) or when the command fails.
 *
 * @example
 * const { load, cores } = await probeBuildMachine(link, "/gnu/store", 15_000);
 */
export async function probeBuildMachine(link: MachineLink, storeDir: string, timeoutMs: number): Promise<BuildMachineFacts> {
  const name = link.machine.name;
  const child = await link.exec(probeScript(storeDir));
  child.stdin.end();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.close();
      reject(new HookError("remote", `build machine '${name}' did not answer the probe within ${Math.round(timeoutMs / 1000)} s`, { machine: name }));
    }, timeoutMs);
  });
  try {
    const [output, status] = await Promise.race([Promise.all([collect(child, 64 * 1024), child.exit]), timeout]);
    if (status.code !== 0) {
      throw new HookError("remote", `probe failed on build machine '${name}' (status ${status.code ?? status.signal}): ${output.stderr.trim().slice(0, 300)}`, { machine: name });
    }
    return parseProbe(output.stdout, name);
  } finally {
    clearTimeout(timer);
  }
}
