// `npm run demo`: a newcomer's first offload, all on this machine.
// Reads the shipped example, then starts a throwaway OpenSSH server on
// 127.0.0.1 with fresh keys, writes a machines file for it (printed, and a
// copy kept in .scratch/demo/), and runs `offload test`, `offload status` and
// an `offload run` that sends an input and brings an output back. The server
// and its files are removed at the end.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSshd, writeMachinesFile } from "../test/helpers/sshd.ts";
import { tempDir } from "../test/helpers/temp-dir.ts";

/** Where the demo's machines file stays after the demo, for trying the commands again (.scratch/ is not tracked). */
const KEPT_DIR = join(".scratch", "demo");

function announce(title: string, args: string[]): void {
  const shown = args.map((a) => (/^[\w./=:-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
  console.log(`\n$ offload ${shown}\n${"-".repeat(Math.min(78, title.length))}\n# ${title}`);
}

function offload(args: string[], cwd: string | undefined, capture: boolean): { status: number; stdout: string } {
  const result = spawnSync(process.execPath, [join(process.cwd(), "bin/offload"), ...args], {
    stdio: capture ? ["inherit", "pipe", "inherit"] : "inherit",
    cwd,
    encoding: "utf8",
  });
  return { status: result.status ?? 1, stdout: result.stdout ?? "" };
}

function step(title: string, args: string[], cwd?: string): number {
  announce(title, args);
  return offload(args, cwd, false).status;
}

step("the shipped example, read exactly as Guix reads it", ["show", "examples/machines.scm"]);
const lintArgs = ["lint", "--no-check-files", "examples/machines.scm"];
announce("and what a linter finds in it (its keys are not on this machine)", lintArgs);
const lint = offload(lintArgs, undefined, true);
// A clean file prints nothing, which after a heading reads like a failure: say what was checked.
process.stdout.write(lint.status === 0 && lint.stdout === "" ? "no problems in examples/machines.scm\n" : lint.stdout);

if (!existsSync("/usr/sbin/sshd")) {
  console.log("\nTo see offloading end to end, install the OpenSSH server (Debian/Ubuntu: apt-get install openssh-server) and run `npm run demo` again.");
  process.exit(0);
}

const server = await startSshd();
const work = tempDir("offload-demo-");
const machinesFile = join(work, "machines.scm");
writeMachinesFile(machinesFile, [server.machine({ name: "127.0.0.1", parallelBuilds: 2, overloadThreshold: null })]);
writeFileSync(join(work, "hello.txt"), "hello from the local machine\n");
mkdirSync(KEPT_DIR, { recursive: true });
const kept = join(KEPT_DIR, "machines.scm");
copyFileSync(machinesFile, kept);
console.log(`\nStarted a throwaway sshd on 127.0.0.1:${server.port} and wrote ${machinesFile}:\n`);
process.stdout.write(readFileSync(machinesFile, "utf8"));
console.log(`\nA copy stays in ${kept} (try \`offload show ${kept}\` or \`offload lint ${kept}\`; its server is gone after the demo).`);

let failures = 0;
failures += step("is the build machine reachable and usable?", ["test", machinesFile]) === 0 ? 0 : 1;
failures += step("how busy is it?", ["status", machinesFile]) === 0 ? 0 : 1;
failures +=
  step(
    "run a job there: send hello.txt, bring SHOUT.txt back",
    [
      "run",
      "--machines",
      machinesFile,
      "--state-dir",
      join(work, "state"),
      "--wait",
      "60",
      "--input",
      "hello.txt",
      "--output",
      "SHOUT.txt",
      "--",
      "sh",
      "-c",
      "tr a-z A-Z < hello.txt > SHOUT.txt && cat SHOUT.txt",
    ],
    work,
  ) === 0
    ? 0
    : 1;
const shout = join(work, "SHOUT.txt");
console.log(existsSync(shout) ? `\nSHOUT.txt came back: ${readFileSync(shout, "utf8").trim()}` : "\nSHOUT.txt did not come back");

await server.stop();
console.log(
  failures === 0 && existsSync(shout) ? "\nDemo finished: the server is stopped and its files removed." : "\nDemo finished with failures (see above).",
);
process.exit(failures === 0 && existsSync(shout) ? 0 : 1);
