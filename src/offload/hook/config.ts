/**
 * Where the hook finds this host's Guix: the store directory (Guix's
 * `NIX_STORE_DIR`, default /gnu/store), the daemon's socket
 * (`GUIX_DAEMON_SOCKET`, default /var/guix/daemon-socket/socket), the
 * configuration directory holding the ACL and machines.scm
 * (`GUIX_CONFIGURATION_DIRECTORY`, default /etc/guix) — the variables Guix
 * itself honours, which guix-daemon passes on to its hook.
 *
 * One more, for tests and unusual set-ups: `OFFLOAD_REAL_STORE_DIR`, where
 * the store's files really are when the store directory is mounted
 * elsewhere (outputs are written there; paths still name the store
 * directory).
 *
 * @example
 * import { hookConfig } from "./config.ts";
 * // what guix-daemon passes on when nothing is set
 * hookConfig({});
 * // { storeDir: "/gnu/store", realStoreDir: "/gnu/store", daemonSocket: "/var/guix/daemon-socket/socket",
 * //   configDir: "/etc/guix", aclFile: "/etc/guix/acl" }
 */
import { join } from "node:path";

/** This host's Guix, as the hook sees it. */
export interface HookConfig {
  /** The store directory in store paths. */
  storeDir: string;
  /** Where the store's files are on this host's file system. */
  realStoreDir: string;
  /** The local daemon's socket. */
  daemonSocket: string;
  /** Guix's configuration directory. */
  configDir: string;
  /** Keys whose signatures are accepted on items coming back. */
  aclFile: string;
}

/** Guix's defaults. */
export const GUIX_DEFAULTS = {
  storeDir: "/gnu/store",
  daemonSocket: "/var/guix/daemon-socket/socket",
  configDir: "/etc/guix",
} as const;

/** The variable naming where the store's files really are (tests, unusual mounts). */
const REAL_STORE_DIR_ENV = "OFFLOAD_REAL_STORE_DIR";

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The configuration from environment variables.
 *
 * @example
 * hookConfig({ GUIX_CONFIGURATION_DIRECTORY: "/tmp/etc" }).aclFile; // "/tmp/etc/acl"
 * hookConfig({ NIX_STORE_DIR: "/tmp/store/", OFFLOAD_REAL_STORE_DIR: "/mnt/store" });
 * // { storeDir: "/tmp/store", realStoreDir: "/mnt/store" }
 */
export function hookConfig(env: Readonly<Record<string, string | undefined>>): HookConfig {
  const storeDir = (nonEmpty(env["NIX_STORE_DIR"]) ?? GUIX_DEFAULTS.storeDir).replace(/\/+$/, "");
  const configDir = nonEmpty(env["GUIX_CONFIGURATION_DIRECTORY"]) ?? GUIX_DEFAULTS.configDir;
  return {
    storeDir,
    realStoreDir: (nonEmpty(env[REAL_STORE_DIR_ENV]) ?? storeDir).replace(/\/+$/, ""),
    daemonSocket: nonEmpty(env["GUIX_DAEMON_SOCKET"]) ?? GUIX_DEFAULTS.daemonSocket,
    configDir,
    aclFile: join(configDir, "acl"),
  };
}

/**
 * Where a store path's file is on this host.
 *
 * @example
 * realPath({ storeDir: "/gnu/store", realStoreDir: "/mnt/store" }, "/gnu/store/abc-x"); // "/mnt/store/abc-x"
 * realPath({ storeDir: "/gnu/store", realStoreDir: "/mnt/store" }, "/gnu/storehouse/x"); // "/gnu/storehouse/x"
 */
export function realPath(config: Pick<HookConfig, "storeDir" | "realStoreDir">, path: string): string {
  return path.startsWith(`${config.storeDir}/`) ? config.realStoreDir + path.slice(config.storeDir.length) : path;
}

/**
 * The machines file the hook reads by default: `machines.scm` in Guix's
 * configuration directory (what `guix offload` reads).
 *
 * @example
 * defaultHookMachinesFile({}); // "/etc/guix/machines.scm"
 */
export function defaultHookMachinesFile(env: Readonly<Record<string, string | undefined>>): string {
  return join(nonEmpty(env["GUIX_CONFIGURATION_DIRECTORY"]) ?? GUIX_DEFAULTS.configDir, "machines.scm");
}
