// `npm run bench`: runs every benchmark in bench/ (each compares against Guile,
// OpenSSH or GNU parallel in the same run and prints ratios).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

spawnSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
const only = process.argv.slice(2);
const benches = readdirSync("bench")
  .filter((f) => f.endsWith(".bench.ts"))
  .sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
let failed = 0;
for (const bench of benches) {
  console.log(`\n### ${bench}`);
  const result = spawnSync("node", ["--import", "tsx", `bench/${bench}`], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
