// `npm run test:unit`: the tests that need neither Guile nor OpenSSH, for a
// quick loop (`npm test` stays the full suite). A test file needs OpenSSH
// when it starts servers or makes keys through test/helpers (sshd.ts,
// farm.ts) or runs ssh/ssh-keygen itself, and Guile when it uses
// test/helpers/guile.ts or runs guile. The bundle is built first: some CLI
// tests run bin/offload. `--list` prints the files instead of running them.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const NEEDS_OPENSSH =
  /\b(?:startSshd|startFarm|offloadFarm|withOneMachineSession|generateKeyPair|sharedClientKey|startSilentServer)\b|["']ssh-keygen["']|(?:spawn|execFile)(?:Sync)?\(\s*["'](?:ssh|sshd)["']/;
const NEEDS_GUILE = /(?:helpers|\.)\/guile(?:\.ts)?["']|["']guile["']/;

function testFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...testFiles(path));
    else if (entry.endsWith(".test.ts")) found.push(path);
  }
  return found;
}

const all = ["grammar", "src", "test"].flatMap(testFiles).sort();
const unit = all.filter((file) => {
  const text = readFileSync(file, "utf8");
  return !NEEDS_OPENSSH.test(text) && !NEEDS_GUILE.test(text);
});
console.log(`# ${unit.length} of ${all.length} test files need neither Guile nor OpenSSH`);
if (process.argv.includes("--list")) {
  console.log(unit.join("\n"));
  process.exit(0);
}
execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=120000", ...unit], { stdio: "inherit" });
process.exit(result.status ?? 1);
