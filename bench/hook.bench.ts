/**
 * Benchmark: offload as guix-daemon's build hook, next to Guix's own
 * `guix offload` on the same kind of set-up, in one run.
 *
 * With a real guix-daemon (OFFLOAD_TEST_GUIX_DAEMON, OFFLOAD_TEST_GUIX, root;
 * see test/helpers/real-offload.ts — on a Guix built uninstalled, the build
 * machine's `guix repl` may need OFFLOAD_TEST_REMOTE_ENV, e.g.
 * GUIX_REAL_GNU_STUB=1):
 *   1. overhead per offloaded build of a trivial derivation whose inputs are
 *      already on the build machine (only its .drv is sent): offloaded time
 *      minus the local build time, ours and Guix's, alternating runs;
 *      target ours ≤ 0.35× Guix's. Our hooks go through the machine's
 *      connection holder, as by default (the warm-up build starts it);
 *      OFFLOAD_HOOK_PERSIST=0 in the environment measures them without;
 *   2. a build with 64 MiB of missing inputs (a fresh random source each
 *      run); target ours at least as fast as Guix;
 *   3. 10 builds of one second submitted together (one client, one daemon
 *      worker) to 2 build machines with 2 slots each: makespan against the
 *      ideal (3 rounds of one offloaded build), and how many requests were
 *      postponed (each costs a 5-second re-ask); target ≤ 1.3× ideal and
 *      no postponement while a slot is free. Guix's makespan for comparison.
 * Without a real daemon, part 3 runs against the test daemons of the CI
 * tests (test/helpers/hook-farm.ts) and the other parts are skipped.
 *
 * The hook runs from the bundle (dist/offload.mjs; `npm run bench` builds
 * it), or from $OFFLOAD_BENCH_PROGRAM (a command line). Times are medians on
 * a 2-core machine shared with other work: read ratios.
 *
 * @example
 * // OFFLOAD_TEST_GUIX_DAEMON=… OFFLOAD_TEST_GUIX=… node --import tsx bench/hook.bench.ts
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StoreConnection } from "../src/store/connection.ts";
import { hookFarm, stopHolders } from "../test/helpers/hook-farm.ts";
import { realOffloadSkipReason, startRealOffload, type RealOffload } from "../test/helpers/real-offload.ts";
import { tempDir } from "../test/helpers/temp-dir.ts";
import { median } from "./median.ts";

const root = join(import.meta.dirname, "..");
const RUNS = Number(process.env["OFFLOAD_BENCH_RUNS"] ?? 9);

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

function program(): string[] {
  const given = process.env["OFFLOAD_BENCH_PROGRAM"];
  if (given !== undefined && given !== "") return given.split(/\s+/);
  const bundle = join(root, "dist", "offload.mjs");
  if (!existsSync(bundle)) throw new Error("dist/offload.mjs is missing: run `npm run build` (npm run bench does)");
  return [process.execPath, bundle];
}

/** A connected client of a set-up's local daemon, with busybox on both sides. */
interface Client {
  setup: RealOffload;
  store: StoreConnection;
  busybox: string;
  log: string[];
}

async function client(setup: RealOffload): Promise<Client> {
  const store = await setup.local.connect();
  const log: string[] = [];
  store.onLog = (text) => log.push(text.toString("utf8"));
  await store.setOptions({ useSubstitutes: false, offload: true, printBuildTrace: true, verbosity: 1 });
  const busybox = await setup.addBusybox(store);
  for (const remote of setup.remotes) {
    const there = await remote.connect();
    await setup.addBusybox(there);
    there.close();
  }
  return { setup, store, busybox, log };
}

async function timeBuild(c: Client, name: string, script: string, extra: Parameters<RealOffload["derivation"]>[4] = {}): Promise<number> {
  const drv = await c.setup.derivation(c.store, c.busybox, name, script, extra);
  const started = performance.now();
  await c.store.buildPaths([drv]);
  return performance.now() - started;
}

const unique = (): string => randomBytes(6).toString("hex");

async function overhead(ours: Client, guix: Client): Promise<void> {
  console.log(`\n1. overhead per offloaded trivial build (inputs already there), ${RUNS} runs each, alternating`);
  await ours.store.setOptions({ useSubstitutes: false, offload: false });
  const local: number[] = [];
  for (let i = 0; i < RUNS; i++) local.push(await timeBuild(ours, `local-${unique()}`, `echo ${unique()} > $out`));
  await ours.store.setOptions({ useSubstitutes: false, offload: true, printBuildTrace: true, verbosity: 1 });
  // One unmeasured build each: connections, caches and the machines-file cache warm up.
  await timeBuild(ours, `warm-${unique()}`, "echo warm > $out");
  await timeBuild(guix, `warm-${unique()}`, "echo warm > $out");
  const mine: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    mine.push(await timeBuild(ours, `trivial-${unique()}`, `echo ${unique()} > $out`));
    theirs.push(await timeBuild(guix, `trivial-${unique()}`, `echo ${unique()} > $out`));
  }
  const base = median(local);
  const oursOverhead = median(mine) - base;
  const guixOverhead = median(theirs) - base;
  console.log(`   local build:            ${seconds(base)}`);
  console.log(
    `   offloaded, offload:     ${seconds(median(mine))}  (overhead ${seconds(oursOverhead)}; runs ${mine.map((t) => (t / 1000).toFixed(2)).join(" ")})`,
  );
  console.log(
    `   offloaded, guix offload: ${seconds(median(theirs))}  (overhead ${seconds(guixOverhead)}; runs ${theirs.map((t) => (t / 1000).toFixed(2)).join(" ")})`,
  );
  console.log(`   overhead ratio offload/guix: ${(oursOverhead / guixOverhead).toFixed(2)} (target ≤ 0.35)`);
}

async function bigInputs(ours: Client, guix: Client): Promise<void> {
  const runs = Math.max(1, Math.min(3, RUNS));
  console.log(`\n2. a build with 64 MiB of missing inputs, ${runs} runs each, alternating`);
  const withInput = async (c: Client): Promise<number> => {
    const dir = tempDir("offload-bench-input-");
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data", "blob"), randomBytes(64 * 1024 * 1024));
    const source = await c.store.addToStore("big-input", dir);
    return timeBuild(c, `big-${unique()}`, "echo used > $out", { inputSrcs: [c.busybox, source], env: { input: source } });
  };
  const mine: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < runs; i++) {
    mine.push(await withInput(ours));
    theirs.push(await withInput(guix));
  }
  console.log(`   offload:      ${seconds(median(mine))}  (runs ${mine.map((t) => (t / 1000).toFixed(2)).join(" ")})`);
  console.log(`   guix offload: ${seconds(median(theirs))}  (runs ${theirs.map((t) => (t / 1000).toFixed(2)).join(" ")})`);
  console.log(`   ratio offload/guix: ${(median(mine) / median(theirs)).toFixed(2)} (target ≤ 1)`);
}

async function tenBuilds(c: Client, label: string): Promise<{ makespan: number; ideal: number; postponed: number }> {
  const script = `${c.busybox}/bin/busybox sleep 1; echo $name > $out`;
  const single: number[] = [];
  for (let i = 0; i < 3; i++) single.push(await timeBuild(c, `single-${unique()}`, script));
  const drvs: string[] = [];
  for (let i = 0; i < 10; i++) drvs.push(await c.setup.derivation(c.store, c.busybox, `ten-${i}-${unique()}`, script));
  c.log.length = 0;
  const started = performance.now();
  await c.store.buildPaths(drvs);
  const makespan = performance.now() - started;
  const text = c.log.join("");
  // Only our hook says so (with OFFLOAD_VERBOSE=1); Guix's postpones silently.
  const postponed = (text.match(/^postponing /gm) ?? []).length;
  const ideal = 3 * median(single);
  const counted = label.trim() === "offload" ? `; postponed requests: ${postponed}` : "";
  console.log(
    `   ${label}: one build ${seconds(median(single))}; 10 together ${seconds(makespan)} = ${(makespan / ideal).toFixed(2)}× ideal (3 rounds)${counted}`,
  );
  return { makespan, ideal, postponed };
}

async function real(): Promise<void> {
  const hookProgram = program();
  const ours = await client(await startRealOffload({ hook: "offload", program: hookProgram }));
  const guix = await client(await startRealOffload({ hook: "guix" }));
  try {
    await overhead(ours, guix);
    await bigInputs(ours, guix);
  } finally {
    ours.store.close();
    guix.store.close();
    stopHolders(ours.setup.stateDir);
    await Promise.all([ours.setup.stop(), guix.setup.stop()]);
  }
  console.log("\n3. 10 builds of 1 s submitted together, 2 build machines × 2 slots");
  const oursTen = await client(
    await startRealOffload({ hook: "offload", program: hookProgram, machines: 2, parallelBuilds: 2, env: { OFFLOAD_VERBOSE: "1" } }),
  );
  const guixTen = await client(await startRealOffload({ hook: "guix", machines: 2, parallelBuilds: 2 }));
  try {
    const mine = await tenBuilds(oursTen, "offload     ");
    await tenBuilds(guixTen, "guix offload");
    console.log(
      `   target: offload ≤ 1.3× ideal (${(mine.makespan / mine.ideal).toFixed(2)}), no request postponed while a slot is free (postponed: ${mine.postponed})`,
    );
  } finally {
    oursTen.store.close();
    guixTen.store.close();
    stopHolders(oursTen.setup.stateDir);
    await Promise.all([oursTen.setup.stop(), guixTen.setup.stop()]);
  }
}

/** Part 3 against the CI tests' daemons (no Guix needed). */
async function withTestDaemons(): Promise<void> {
  console.log("\n3. 10 builds of 1 s submitted together, 2 build machines × 2 slots (test daemons)");
  const farm = await hookFarm(2, { parallelBuilds: 2 });
  try {
    const env = { ...farm.env, OFFLOAD_PROGRAM: program().join(" "), OFFLOAD_VERBOSE: "1" };
    const script = "/bin/sleep 1; echo $name > $out";
    const single: number[] = [];
    for (let i = 0; i < 3; i++) {
      const drv = await farm.derivation(`single-${unique()}`, script);
      const started = performance.now();
      const result = await farm.driver({ env }).build(drv);
      if (result.outcome !== "built") throw new Error(`single build: ${result.outcome}`);
      single.push(performance.now() - started);
    }
    const drvs = await Promise.all(Array.from({ length: 10 }, (_, i) => farm.derivation(`ten-${i}-${unique()}`, script)));
    const driver = farm.driver({ env, pollIntervalMs: 5_000 });
    const started = performance.now();
    const results = await Promise.all(drvs.map((drv) => driver.build(drv)));
    const makespan = performance.now() - started;
    if (results.some((result) => result.outcome !== "built")) throw new Error("a build failed");
    const postponed = results.reduce((sum, result) => sum + result.answers.filter((answer) => answer.reply === "postpone").length, 0);
    const ideal = 3 * median(single);
    console.log(
      `   offload: one build ${seconds(median(single))}; 10 together ${seconds(makespan)} = ${(makespan / ideal).toFixed(2)}× ideal; postponed requests: ${postponed}`,
    );
    console.log("   target: ≤ 1.3× ideal, no request postponed while a slot is free");
  } finally {
    await farm.stop();
  }
}

const skip = realOffloadSkipReason();
if (skip === false) await real();
else {
  console.log(`real guix-daemon parts skipped: ${skip}`);
  await withTestDaemons();
}
process.exit(0);
