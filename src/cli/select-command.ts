/**
 * `offload select --system S [--features F]`: which machine would be chosen
 * now, and why each other machine would not (a dry run: no slot is taken).
 * Exits 0 when a machine would be chosen, 1 when none could take the job now.
 *
 * @example
 * // offload select --system aarch64-linux --features kvm --json
 */
import type { Command } from "commander";
import { exclusionText } from "../offload/errors.ts";
import { MachineSelector, type Assessment } from "../offload/selector.ts";
import { ensureStateDir } from "../offload/state-dir.ts";
import { SessionPool } from "../ssh/pool.ts";
import { credentialsFromEnvironment } from "../ssh/credentials.ts";
import { normalizedLoad } from "../ssh/probe.ts";
import { formatBytes } from "../ssh/units.ts";
import { addEngineOptions, addRequirementOptions, featureList, type EngineOptions, type RequirementOptions } from "./engine-options.ts";
import { addLimitOptions, type LimitOptions } from "./limit-options.ts";
import { loadMachineList, machinesOption } from "./machines-file.ts";
import { colorsFor } from "./output.ts";
import { holderSettingsFor } from "./persist-option.ts";
import { stateDirOption } from "./state-dir-option.ts";

interface SelectOptions extends EngineOptions, RequirementOptions, LimitOptions {
  machines: string;
  json?: boolean;
}

/** One machine in `offload select --json`. */
export interface SelectMachineJson {
  name: string;
  port: number;
  chosen: boolean;
  eligible: boolean;
  reason: string | null;
  detail: string | null;
  score: number | null;
  speed: number;
  "parallel-builds": number;
  "slots-in-use": number;
  "normalized-load": number | null;
  "disk-free-bytes": number | null;
  "probe-age-ms": number | null;
}

/** Register `offload select`. */
export function registerSelectCommand(program: Command): void {
  const command = program
    .command("select")
    .description("show which build machine a job would be offloaded to now, and why (dry run)")
    .option("--json", "print JSON")
    .addOption(machinesOption())
    .addOption(stateDirOption());
  addRequirementOptions(command);
  addEngineOptions(command);
  addLimitOptions(command).action(async (options: SelectOptions) => {
    process.exitCode = await selectAction(options);
  });
}

async function selectAction(options: SelectOptions): Promise<number> {
  const features = featureList(options.features);
  const machines = await loadMachineList(options.machines, options.stateDir, options);
  const connections = new SessionPool(
    { timeoutMs: options.connectTimeout, ...credentialsFromEnvironment(process.env) },
    holderSettingsFor(options.stateDir, options.persist),
  );
  const selector = new MachineSelector(machines, { stateDir: ensureStateDir(options.stateDir), connections });
  try {
    const assessments = await selector.assess({ system: options.system, features }, { waitForAllProbes: true });
    const chosen = [...assessments].filter((a) => a.score !== null).sort((a, b) => b.score! - a.score!)[0] ?? null;
    const rows = assessments.map((a) => toJson(a, a === chosen));
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ system: options.system, features, chosen: chosen === null ? null : { name: chosen.machine.name, port: chosen.machine.port }, machines: rows }, null, 2)}\n`,
      );
    } else printHuman(options.system, features, assessments, chosen);
    return chosen === null ? 1 : 0;
  } finally {
    connections.closeAll();
  }
}

function toJson(a: Assessment, chosen: boolean): SelectMachineJson {
  return {
    name: a.machine.name,
    port: a.machine.port,
    chosen,
    eligible: a.exclusion === null && a.score !== null,
    reason: a.exclusion?.reason ?? null,
    detail: a.exclusion?.detail ?? null,
    score: a.score === null ? null : Number(a.score.toFixed(4)),
    speed: a.machine.speed,
    "parallel-builds": a.machine.parallelBuilds,
    "slots-in-use": a.slotsUsed,
    "normalized-load": a.facts === null ? null : Number(normalizedLoad(a.facts).toFixed(3)),
    "disk-free-bytes": a.facts?.diskFreeBytes ?? null,
    "probe-age-ms": a.probedAt === null ? null : Math.max(0, Date.now() - a.probedAt),
  };
}

function printHuman(system: string, features: string[], assessments: Assessment[], chosen: Assessment | null): void {
  const colors = colorsFor(process.stdout);
  const wanted = `system ${system}${features.length === 0 ? "" : ` with features ${features.join(", ")}`}`;
  if (chosen === null) {
    process.stdout.write(`${colors.red(`no machine for ${wanted} right now`)}\n`);
  } else {
    process.stdout.write(`${colors.green(`${chosen.machine.name}:${chosen.machine.port}`)} would run a job for ${wanted}\n`);
  }
  if (assessments.length === 0) {
    process.stdout.write("the machines file lists no machines\n");
    return;
  }
  const headers = ["MACHINE", "VERDICT", "SCORE", "SPEED", "SLOTS", "LOAD", "DISK FREE", "WHY"];
  const rows = assessments.map((a) => {
    const verdict = a === chosen ? "chosen" : a.exclusion === null ? "eligible" : "excluded";
    const why = a.exclusion === null ? (a === chosen ? "best score" : "lower score") : exclusionText(a.exclusion);
    return [
      `${a.machine.name}:${a.machine.port}`,
      verdict,
      a.score === null ? "-" : a.score.toFixed(2),
      String(a.machine.speed),
      `${a.slotsUsed}/${a.machine.parallelBuilds}`,
      a.facts === null ? "-" : normalizedLoad(a.facts).toFixed(2),
      a.facts === null ? "-" : formatBytes(a.facts.diskFreeBytes),
      why,
    ];
  });
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
  process.stdout.write(`${colors.bold(line(headers))}\n`);
  rows.forEach((row, index) => {
    const text = line(row);
    const a = assessments[index]!;
    process.stdout.write(`${a === chosen ? colors.green(text) : a.exclusion === null ? text : colors.dim(text)}\n`);
  });
}
