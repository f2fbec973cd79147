/**
 * Facts about this machine that a configuration may ask for: host name,
 * user id, login name, user accounts. One place computes them, so the
 * machines cache can check that a cached result still holds.
 *
 * @example
 * import { hostname } from "node:os";
 * hostFact("hostname") === hostname(); // true
 * // an account is its /etc/passwd line, by name or by id
 * hostFact("passwd:#0") === hostFact("passwd:root"); // true
 * hostFact("passwd:no-such-user"); // null
 * passwdEntry("root")?.dir; // "/root"
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { PasswdEntry } from "./host.ts";

/** The account database the C library reads first (NSS sources beyond files are not consulted). */
const PASSWD_FILE = "/etc/passwd";

function passwdLines(): string[] {
  try {
    return readFileSync(PASSWD_FILE, "utf8").split("\n");
  } catch {
    return [];
  }
}

/** The `/etc/passwd` line of a user, by name or id, or undefined. */
function passwdLine(user: string | number): string | undefined {
  for (const line of passwdLines()) {
    const fields = line.split(":");
    if (fields.length < 7) continue;
    if (typeof user === "number" ? Number(fields[2]) === user : fields[0] === user) return line;
  }
  return undefined;
}

/**
 * A user account by name or id, as `getpw` returns it.
 *
 * @example
 * passwdEntry(0); // { name: "root", uid: 0, gid: 0, dir: "/root" }
 * passwdEntry("no-such-user"); // undefined
 */
export function passwdEntry(user: string | number): PasswdEntry | undefined {
  const line = passwdLine(user);
  if (line === undefined) return undefined;
  const [name, passwd, uid, gid, gecos, dir, shell] = line.split(":");
  return { name: name!, passwd: passwd!, uid: Number(uid), gid: Number(gid), gecos: gecos!, dir: dir!, shell: shell! };
}

/** This process's real user id (-1 where there is none). */
export function currentUid(): number {
  return process.getuid?.() ?? -1;
}

/**
 * A fact by its key — `hostname`, `uid`, `login`, `passwd:NAME` or
 * `passwd:#UID` — as a string (null when absent), for recording and re-checking.
 *
 * @example
 * hostFact("uid") === String(process.getuid?.()); // true
 * hostFact("no-such-fact"); // null
 */
export function hostFact(key: string): string | null {
  if (key === "hostname") return hostname();
  if (key === "uid") return String(currentUid());
  if (key === "login") return null;
  if (key.startsWith("passwd:#")) return passwdLine(Number(key.slice("passwd:#".length))) ?? null;
  if (key.startsWith("passwd:")) return passwdLine(key.slice("passwd:".length)) ?? null;
  return null;
}
