/**
 * The Guix side of `offload test` for one build machine — what the build
 * hook needs there, beyond SSH:
 *
 * - `guix`: on the PATH of non-interactive SSH sessions (inputs are streamed
 *   into `guix archive --import`), with its version;
 * - `daemon`: the machine's guix-daemon answers through the SSH connection
 *   (at its `daemon-socket`, or the remote `GUIX_DAEMON_SOCKET`), with its
 *   protocol version;
 * - `keys`: this host's signing key is authorized there and the machine's is
 *   authorized here, proven as `guix offload test` does: a small store item
 *   is sent there (signed by this host's daemon, imported by the machine's)
 *   and one made there comes back (signed there, checked against this host's
 *   ACL);
 * - `guix-host-key`: the host key Guix would be offered. Guix's libssh reads
 *   no known_hosts, so the server presents the first type in libssh's order
 *   that it has (Ed25519 before ECDSA before RSA); a pinned RSA or ECDSA key
 *   on a server that also has an Ed25519 key never matches in Guix, and an
 *   ECDSA pin never matches at all (Guix compares `ssh-…` type names);
 * - `store-space`: at least 100 MiB free in the machine's store (Guix's
 *   threshold), not in some work directory.
 *
 * @example
 * import { testGuix } from "./guix-checks.ts";
 * for (const check of await testGuix(machine, { connect: {}, timeoutMs: 15_000, config: hookConfig(process.env) })) console.log(check.check, check.ok, check.message);
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import type { ServerHostKeyAlgorithm } from "ssh2";
import type { BuildMachine } from "../../machines/types.ts";
import { ByteReader } from "../../store/byte-reader.ts";
import { StoreConnection } from "../../store/connection.ts";
import { DaemonError, StoreError } from "../../store/errors.ts";
import { discardNar, ExportReader } from "../../store/export-format.ts";
import { checkSignature, unsignedError } from "../../store/signature.ts";
import type { ConnectOptions } from "../../ssh/connect.ts";
import { describeHostKey, parsePinnedHostKey } from "../../ssh/host-key.ts";
import { presentedHostKey } from "../../ssh/presented-host-key.ts";
import { MINIMUM_FREE_BYTES } from "../../ssh/probe.ts";
import { guixVersionScript } from "../../ssh/remote-shell.ts";
import { SshSession, type RemoteProcess } from "../../ssh/session.ts";
import { formatBytes } from "../../ssh/units.ts";
import { withTimeout } from "../with-timeout.ts";
import type { HookConfig } from "./config.ts";
import { probeBuildMachine } from "./remote-probe.ts";
import { readAcl } from "./retrieve-outputs.ts";
import { startImporter } from "./send-inputs.ts";

/** The checks, in the order they are reported. */
export const GUIX_CHECKS = ["guix-host-key", "guix", "daemon", "store-space", "keys"] as const;
export type GuixCheckName = (typeof GUIX_CHECKS)[number];

/** The outcome of one check. */
export interface GuixCheckResult {
  check: GuixCheckName;
  ok: boolean;
  message: string;
  ms: number;
}

/** What the checks need. */
export interface GuixCheckOptions {
  connect: ConnectOptions;
  /** Per-command timeout. */
  timeoutMs: number;
  /** This host's Guix (store directory, daemon socket, ACL). */
  config: HookConfig;
}

/**
 * libssh's host-key algorithms in its default order (libssh 0.10, as in
 * Guile-SSH), restricted to those ssh2 can verify.
 */
const LIBSSH_HOST_KEY_ORDER: readonly ServerHostKeyAlgorithm[] = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp521",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp256",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

/**
 * Run the Guix checks against `machine`. Never throws; when the SSH
 * connection itself fails, only the host-key check is reported (the SSH
 * checks of `offload test` say why).
 */
export async function testGuix(machine: BuildMachine, options: GuixCheckOptions): Promise<GuixCheckResult[]> {
  const results: GuixCheckResult[] = [await timed("guix-host-key", () => hostKeyGuixSees(machine, options.timeoutMs))];
  let link: SshSession;
  try {
    link = await SshSession.connect(machine, options.connect);
  } catch {
    return results;
  }
  try {
    results.push(await timed("guix", () => guixVersion(link, options.timeoutMs)));
    let socket = machine.daemonSocket;
    results.push(
      await timed("store-space", async () => {
        const facts = await probeBuildMachine(link, options.config.storeDir, options.timeoutMs);
        socket = facts.daemonSocketOverride ?? socket;
        const free = formatBytes(facts.diskFreeBytes);
        if (facts.diskFreeBytes < MINIMUM_FREE_BYTES)
          return { ok: false, message: `only ${free} free in ${options.config.storeDir} (Guix gives no builds below ${formatBytes(MINIMUM_FREE_BYTES)})` };
        return { ok: true, message: `${free} free in ${options.config.storeDir}` };
      }),
    );
    const remote: { connection: StoreConnection | null } = { connection: null };
    const daemon = await timed("daemon", async () => {
      const connection = await StoreConnection.handshake(await link.openSocket(socket), { storeDir: options.config.storeDir });
      remote.connection = connection;
      const version = connection.daemonVersion;
      return { ok: true, message: `guix-daemon at ${socket} answers through SSH, protocol ${version >> 8}.${version & 0xff} (0x${version.toString(16)})` };
    });
    results.push(daemon);
    const connected = remote.connection;
    if (connected !== null) {
      results.push(await timed("keys", () => keysBothWays(link, connected, socket, options)));
      connected.close();
    }
    return results;
  } finally {
    link.close();
  }
}

type Outcome = { ok: boolean; message: string };

async function timed(check: GuixCheckName, run: () => Promise<Outcome>): Promise<GuixCheckResult> {
  const started = performance.now();
  try {
    return { check, ...(await run()), ms: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    return { check, ok: false, message: messageOf(error), ms: Math.round((performance.now() - started) * 10) / 10 };
  }
}

function messageOf(error: unknown): string {
  if (error instanceof DaemonError) return error.daemonMessage;
  return error instanceof Error ? error.message : String(error);
}

function collect(child: RemoteProcess): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const read = (stream: NodeJS.ReadableStream): Promise<string> =>
    new Promise((resolve) => {
      let text = "";
      stream.on("data", (chunk: Buffer) => (text = (text + chunk.toString("utf8")).slice(-65536)));
      stream.once("end", () => resolve(text));
      stream.once("close", () => resolve(text));
    });
  return Promise.all([read(child.stdout), read(child.stderr), child.exit]).then(([stdout, stderr, exit]) => ({ stdout, stderr, code: exit.code }));
}

async function guixVersion(link: SshSession, timeoutMs: number): Promise<Outcome> {
  const result = await link.runScript(guixVersionScript(), { timeoutMs });
  const [stdout, stderr, code] = [result.stdout.toString("utf8"), result.stderr.toString("utf8"), result.code];
  const host = link.machine.name;
  if (code !== 0) {
    const why = stderr.trim().split("\n").slice(-1)[0] ?? "";
    return {
      ok: false,
      message: `no usable \`guix\` on the PATH of non-interactive SSH sessions on '${host}' (status ${code})${why === "" ? "" : `: ${why}`}; the hook runs \`guix archive --import\` there`,
    };
  }
  const [where = "", version = ""] = stdout.trim().split("\n");
  return { ok: true, message: `${version.trim()} (${where.trim()})` };
}

/** What the server presents to a client offering libssh's order, against the pinned key. */
async function hostKeyGuixSees(machine: BuildMachine, timeoutMs: number): Promise<Outcome> {
  const pin = parsePinnedHostKey(machine.hostKey, machine.name);
  if (!pin.type.startsWith("ssh-")) {
    return { ok: false, message: `the pinned key is ${pin.type}: Guix compares \`ssh-…\` type names, so it can never match; pin the server's ssh-ed25519 key` };
  }
  const { key: presented } = await presentedHostKey(machine, LIBSSH_HOST_KEY_ORDER, timeoutMs);
  if (presented === null) return { ok: false, message: `no host key from ${machine.name}:${machine.port} within ${Math.round(timeoutMs / 1000)} s` };
  const seen = describeHostKey(presented);
  if (presented.equals(pin.blob)) return { ok: true, message: `Guix would be offered the pinned ${seen.type} key` };
  return {
    ok: false,
    message: `Guix would be offered ${seen.type} ${seen.fingerprint} (it reads no known_hosts, so the server presents its preferred key), not the pinned ${pin.type} key; pin "${seen.type} ${seen.base64}"`,
  };
}

/** Send a fresh item there and fetch one made there, as `guix offload test` does. */
async function keysBothWays(link: SshSession, remote: StoreConnection, socket: string, options: GuixCheckOptions): Promise<Outcome> {
  const host = link.machine.name;
  const nonce = randomBytes(8).toString("hex");
  let local: StoreConnection;
  try {
    local = await StoreConnection.connect(options.config.daemonSocket, { storeDir: options.config.storeDir });
  } catch (error) {
    return { ok: false, message: `cannot reach this host's guix-daemon at ${options.config.daemonSocket}: ${messageOf(error)}` };
  }
  try {
    const outgoing = await local.addTextToStore(`offload-test-${nonce}`, `offload test from this host to '${host}' (${nonce})\n`);
    const importer = await startImporter(link, socket);
    const imported = collect(importer);
    await local.exportPaths([outgoing], importer.stdin, { sign: true });
    importer.stdin.end();
    const late = `\`guix archive --import\` did not finish within ${Math.round(options.timeoutMs / 1000)} s`;
    const { stderr, code } = await withTimeout(imported, options.timeoutMs, late, () => importer.close());
    if (code !== 0 || !(await remote.isValidPath(outgoing))) {
      const why = stderr.trim().split("\n").slice(-1)[0] ?? `status ${code}`;
      const hint = /unauthorized public key/.test(stderr)
        ? `: this host's signing key is not authorized on '${host}' (there: guix archive --authorize < this host's /etc/guix/signing-key.pub)`
        : "";
      return { ok: false, message: `'${outgoing}' was not properly imported on '${host}': ${why}${hint}` };
    }
    const incoming = await remote.addTextToStore(`offload-test-${nonce}-back`, `offload test from '${host}' to this host (${nonce})\n`);
    const chunks: Buffer[] = [];
    await remote.exportPath(incoming, new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk), done()) }), { sign: true });
    const item = await new ExportReader(ByteReader.fromBuffer(Buffer.concat(chunks), "export-format"), options.config.storeDir).readItem(discardNar);
    try {
      if (item.signature === null) throw unsignedError(incoming);
      checkSignature(item.signature, item.hash, readAcl(options.config.aclFile));
    } catch (error) {
      const why = error instanceof StoreError && "guixMessage" in error ? String(error.guixMessage) : messageOf(error);
      return {
        ok: false,
        message: `failed to import '${incoming}' from '${host}': ${why}; here: guix archive --authorize < ${host}'s /etc/guix/signing-key.pub`,
      };
    }
    return { ok: true, message: `this host's key is authorized on '${host}' and '${host}''s key here (sent and fetched back a test item)` };
  } finally {
    local.close();
  }
}
