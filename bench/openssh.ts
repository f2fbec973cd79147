/**
 * OpenSSH's client as the benchmarks' yardstick: `ssh` set up as a machine
 * record is (the test client key, the servers' pinned host keys, no user
 * configuration), so both sides pay for the same authentication.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestSshd } from "../test/helpers/sshd.ts";

/**
 * Arguments for `ssh` to `server` (before the command): pinned keys only, no
 * prompts, and any further `options` (such as `-o KexAlgorithms=…`).
 *
 * @example
 * // spawnSync("ssh", [...opensshArgs(server, knownHosts), "true"])
 */
export function opensshArgs(server: TestSshd, knownHosts: string, options: readonly string[] = []): string[] {
  return [
    "-F",
    "/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    "-o",
    "StrictHostKeyChecking=yes",
    "-i",
    server.clientKey.privateKeyFile,
    "-p",
    String(server.port),
    ...options,
    `${server.user}@${server.host}`,
  ];
}

/**
 * A known_hosts file in `dir` pinning each server's first host key, as `[host]:port`.
 *
 * @example
 * // const knownHosts = knownHostsFor(farm.servers, tempDir("offload-bench-"));
 */
export function knownHostsFor(servers: readonly TestSshd[], dir: string): string {
  const file = join(dir, "known_hosts");
  writeFileSync(file, servers.map((s) => `[${s.host}]:${s.port} ${s.hostKeys[0]!.publicLine.split(" ").slice(0, 2).join(" ")}`).join("\n") + "\n");
  return file;
}
