/**
 * The HOME the build daemon's offload hook sees. The daemon runs the hook
 * as root, and `guix offload` sets HOME to the running user's home from the
 * password database before it loads machines.scm — so `private-key`'s
 * default and any `(getenv "HOME")` in the file mean root's home, whoever
 * runs the linter.
 *
 * @example
 * daemonHome("root:x:0:0:root:/root:/bin/bash\n"); // "/root"
 */
import { readFileSync } from "node:fs";

/** Where root's home is when the password database does not say. */
const ROOT_HOME = "/root";

/**
 * Root's home directory according to `passwd` (the text of /etc/passwd by default).
 *
 * @example
 * daemonHome("admin:x:0:0::/var/admin:/bin/sh\n"); // "/var/admin"
 * daemonHome("");                                 // "/root"
 */
export function daemonHome(passwd: string = readPasswd()): string {
  for (const line of passwd.split("\n")) {
    const fields = line.split(":");
    if (fields.length >= 7 && fields[2] === "0" && fields[5]!.startsWith("/")) return fields[5]!;
  }
  return ROOT_HOME;
}

function readPasswd(): string {
  try {
    return readFileSync("/etc/passwd", "utf8");
  } catch {
    return "";
  }
}
