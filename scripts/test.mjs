// `npm test`: makes sure what the tests need is installed, builds the bundle,
// then runs every test file with Node's built-in runner.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const needs = [
  { what: "guile (Guile 3.0)", path: "/usr/bin/guile", pkg: "guile-3.0" },
  { what: "sshd (OpenSSH server)", path: "/usr/sbin/sshd", pkg: "openssh-server" },
  { what: "ssh (OpenSSH client)", path: "/usr/bin/ssh", pkg: "openssh-client" },
  { what: "GNU parallel", path: "/usr/bin/parallel", pkg: "parallel" },
  { what: "nix-store (Nix)", path: "/usr/bin/nix-store", pkg: "nix-bin" },
];
const missing = needs.filter((n) => !existsSync(n.path));
if (missing.length > 0) {
  const pkgs = missing.map((n) => n.pkg);
  const isRoot = process.getuid?.() === 0;
  const hasApt = existsSync("/usr/bin/apt-get");
  if (isRoot && hasApt) {
    console.log(`# installing ${pkgs.join(" ")} (apt-get)`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...pkgs], { stdio: "inherit", env });
  } else {
    console.error(`The tests need ${missing.map((n) => n.what).join(", ")}.`);
    console.error(`Install them (Debian/Ubuntu: sudo apt-get install ${pkgs.join(" ")}) or run npm test as root.`);
    process.exit(1);
  }
}

const installed = ["chevrotain", "prettier", "eslint", "typescript-eslint", "ts-unused-exports"].every((name) => existsSync(join("node_modules", name)));
if (!installed) execFileSync("npm", ["ci"], { stdio: "inherit" });

/** Runs one check; a failure ends the run with what failed and how to repair it, not a stack trace. */
function check(title, args, repair) {
  console.log(`# ${title}`);
  const result = spawnSync("node", args, { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`npm test: ${title} failed (above)${repair ? `; ${repair}` : ""}`);
    process.exit(1);
  }
}
check("build (esbuild)", ["scripts/build.mjs"]);
check("typecheck (tsc --noEmit)", ["node_modules/typescript/bin/tsc", "--noEmit"]);
check("format (prettier --check)", ["node_modules/prettier/bin/prettier.cjs", "--check", "--log-level=warn", "."], "`npm run format` rewrites the files");
check("lint (eslint)", ["node_modules/eslint/bin/eslint.js", "."], "`npx eslint --fix .` repairs some");
check(
  "unused exports (ts-unused-exports)",
  ["node_modules/ts-unused-exports/bin/ts-unused-exports", "tsconfig.json", "--allowUnusedTypes"],
  "stop exporting them or delete them",
);

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (entry.endsWith(".test.ts")) out.push(path);
  }
  return out;
}
const files = [...testFiles("grammar"), ...testFiles("src"), ...testFiles("test")].sort();
const only = process.argv.slice(2);
const selected = only.length > 0 ? files.filter((f) => only.some((o) => f.includes(o))) : files;
const result = spawnSync("node", ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=300000", "--test-reporter=spec", ...selected], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
