// `npm run demo`: a newcomer's first offload, all on this machine.
// Reads the shipped example, then starts a throwaway OpenSSH server on
// 127.0.0.1 with fresh keys, writes a machines file for it, and runs
// `offload test`, `offload status` and an `offload run` that sends an input
// and brings an output back. The server and its files are removed at the end.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSshd, tempDir, writeMachinesFile } from "../test/helpers/sshd.ts";

function step(title: string, args: string[], cwd?: string): number {
  const shown = args.map((a) => (/^[\w./=:-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
  console.log(`\n$ offload ${shown}\n${"-".repeat(Math.min(78, title.length))}\n# ${title}`);
  const result = spawnSync(process.execPath, [join(process.cwd(), "bin/offload"), ...args], { stdio: "inherit", cwd });
  return result.status ?? 1;
}

step("the shipped example, read exactly as Guix reads it", ["show", "examples/machines.scm"]);
step("and what a linter finds in it (its keys are not on this machine)", ["lint", "--no-check-files", "examples/machines.scm"]);

if (!existsSync("/usr/sbin/sshd")) {
  console.log("\nTo see offloading end to end, install the OpenSSH server (Debian/Ubuntu: apt-get install openssh-server) and run `npm run demo` again.");
  process.exit(0);
}

const server = await startSshd();
const work = tempDir("offload-demo-");
const machinesFile = join(work, "machines.scm");
writeMachinesFile(machinesFile, [server.machine({ name: "127.0.0.1", parallelBuilds: 2, overloadThreshold: null })]);
writeFileSync(join(work, "hello.txt"), "hello from the local machine\n");
console.log(`\nStarted a throwaway sshd on 127.0.0.1:${server.port} and wrote ${machinesFile}.`);

let failures = 0;
failures += step("is the build machine reachable and usable?", ["test", machinesFile]) === 0 ? 0 : 1;
failures += step("how busy is it?", ["status", machinesFile]) === 0 ? 0 : 1;
failures +=
  step(
    "run a job there: send hello.txt, bring SHOUT.txt back",
    ["run", "--machines", machinesFile, "--state-dir", join(work, "state"), "--wait", "60", "--input", "hello.txt", "--output", "SHOUT.txt", "--", "sh", "-c", "tr a-z A-Z < hello.txt > SHOUT.txt && cat SHOUT.txt"],
    work,
  ) === 0
    ? 0
    : 1;
const shout = join(work, "SHOUT.txt");
console.log(existsSync(shout) ? `\nSHOUT.txt came back: ${readFileSync(shout, "utf8").trim()}` : "\nSHOUT.txt did not come back");

await server.stop();
console.log(failures === 0 && existsSync(shout) ? "\nDemo finished: the server is stopped and its files removed." : "\nDemo finished with failures (see above).");
process.exit(failures === 0 && existsSync(shout) ? 0 : 1);
