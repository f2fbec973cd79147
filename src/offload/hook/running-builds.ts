/**
 * Which builds this host's hooks are running on each machine, for
 * `offload status`: a hook writes a small file per build under
 * `<state>/hook-builds/<name:port>/<pid>.json` while the build runs and
 * removes it after; a file whose process is gone (a killed hook) is not
 * listed and is removed when next seen.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22 };
 * import { recordRunningBuild, runningBuilds } from "./running-builds.ts";
 * const done = recordRunningBuild(stateDir, machine, "/gnu/store/abc-hello.drv", 1_000);
 * const during = runningBuilds(stateDir, machine);
 * done();
 * const after = runningBuilds(stateDir, machine);
 * rmSync(stateDir, { recursive: true });
 * during.map((build) => [build.pid === process.pid, build.drvPath, build.since]); // [[true, "/gnu/store/abc-hello.drv", 1000]]
 * after; // []
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { BuildMachine } from "../../machines/types.ts";
import { asObject, readJsonFile, removeFile, writeJsonFile } from "../json-file.ts";
import { pidExists } from "../process-tag.ts";
import { machineFileName } from "../state-dir.ts";

/** One build a hook is running. */
export interface RunningBuild {
  pid: number;
  drvPath: string;
  /** Epoch milliseconds when it was sent to the machine. */
  since: number;
}

function directory(stateDir: string, machine: Pick<BuildMachine, "name" | "port">): string {
  return join(stateDir, "hook-builds", machineFileName(machine));
}

/**
 * Record that this process builds `drvPath` on `machine`; returns the function that forgets it.
 *
 * @example
 * const done = recordRunningBuild(stateDir, machine, drvPath);
 * try { await build(); } finally { done(); }
 */
export function recordRunningBuild(stateDir: string, machine: Pick<BuildMachine, "name" | "port">, drvPath: string, now: number = Date.now()): () => void {
  const file = join(directory(stateDir, machine), `${process.pid}.json`);
  writeJsonFile(file, { pid: process.pid, drvPath, since: now });
  return () => removeFile(file);
}

/**
 * The builds running on `machine` now, oldest first.
 *
 * @example
 * import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22 };
 * const dir = join(stateDir, "hook-builds", "build1:22");
 * mkdirSync(dir, { recursive: true });
 * // left by a hook that was killed (a PID above any pid_max)
 * writeFileSync(join(dir, "999999999.json"), JSON.stringify({ pid: 999999999, drvPath: "/gnu/store/old-x.drv", since: 1 }));
 * recordRunningBuild(stateDir, machine, "/gnu/store/abc-hello.drv", 2_000);
 * const builds = runningBuilds(stateDir, machine);
 * const files = readdirSync(dir);
 * rmSync(stateDir, { recursive: true });
 * builds.map((build) => build.drvPath); // ["/gnu/store/abc-hello.drv"]
 * // and the killed hook's file is gone
 * files.length; // 1
 */
export function runningBuilds(stateDir: string, machine: Pick<BuildMachine, "name" | "port">): RunningBuild[] {
  const dir = directory(stateDir, machine);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
  const builds: RunningBuild[] = [];
  for (const name of names) {
    const data = asObject(readJsonFile(join(dir, name)));
    const { pid, drvPath, since } = data ?? {};
    if (typeof pid !== "number" || typeof drvPath !== "string" || typeof since !== "number") continue;
    if (pidExists(pid)) builds.push({ pid, drvPath, since });
    else removeFile(join(dir, name));
  }
  return builds.sort((a, b) => a.since - b.since);
}
