/**
 * The `guix` a test build machine has on its PATH (the CI machines have no
 * Guix): `guix archive --import` reads an export stream on stdin and hands
 * it to the daemon at $GUIX_DAEMON_SOCKET (a test store server) with the
 * worker protocol's ImportPaths over that local socket, as the real command
 * does; the daemon checks the signatures; `guix --version` says it is this
 * fake. Messages and status as Guix's:
 * `guix archive: error: MESSAGE` and 1. Anything else is refused.
 *
 * For tests that must act while an import is under way: with
 * $OFFLOAD_TEST_IMPORT_GATE set to a directory, the command first creates
 * `started` there, then waits (at most two minutes) for `open` to exist.
 *
 * Run it through {@link fakeGuixDirectory}, which writes a `guix` script.
 *
 * @example
 * import { fakeGuixDirectory } from "../helpers/fake-guix.ts";
 * const bin = fakeGuixDirectory();   // then PATH=bin:$PATH on the build machine
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { StoreConnection } from "../../src/store/connection.ts";
import { DaemonError } from "../../src/store/errors.ts";
import { tempDir } from "./temp-dir.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A directory holding a `guix` script that runs this module.
 *
 * @example
 * const bin = fakeGuixDirectory();
 */
export function fakeGuixDirectory(): string {
  const dir = tempDir("offload-fake-guix-");
  const tsx = pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
  const script = `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(tsx)} ${JSON.stringify(fileURLToPath(import.meta.url))} "$@"\n`;
  writeFileSync(join(dir, "guix"), script, { mode: 0o755 });
  return dir;
}

/** Wait at the gate, if there is one (bounded: two minutes in steps of 20 ms). */
async function passGate(): Promise<void> {
  const gate = process.env["OFFLOAD_TEST_IMPORT_GATE"];
  if (gate === undefined || gate === "") return;
  writeFileSync(join(gate, "started"), String(process.pid));
  for (let i = 0; i < 6000 && !existsSync(join(gate, "open")); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function archiveImport(): Promise<number> {
  await passGate();
  const socket = process.env["GUIX_DAEMON_SOCKET"] || "/var/guix/daemon-socket/socket";
  const storeDir = process.env["NIX_STORE_DIR"] || "/gnu/store";
  const store = await StoreConnection.connect(socket, { storeDir });
  try {
    await store.importPaths(process.stdin);
    return 0;
  } finally {
    store.close();
  }
}

async function main(args: readonly string[]): Promise<number> {
  if (args[0] === "archive" && args[1] === "--import" && args.length === 2) return archiveImport();
  if (args[0] === "--version" && args.length === 1) {
    process.stdout.write("guix (GNU Guix) fake-for-tests\n");
    return 0;
  }
  process.stderr.write(`guix: fake guix for tests: unsupported command: ${args.join(" ")}\n`);
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (status) => process.exit(status),
    (error: unknown) => {
      const message = error instanceof DaemonError ? error.daemonMessage : error instanceof Error ? error.message : String(error);
      process.stderr.write(`guix archive: error: ${message}\n`);
      process.exit(1);
    },
  );
}
