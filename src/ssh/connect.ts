/**
 * Connection set-up for {@link SshSession}: TCP (opened here, not by ssh2, so
 * each stage fails with its own code and can be timed), then the SSH
 * handshake with the pinned host key, then public-key authentication with
 * the record's key or an ssh-agent.
 *
 * @example
 * import { establish } from "./connect.ts";
 * const { client, timings } = await establish(machine, { timeoutMs: 5000, onStage: (stage, ms) => console.log(stage, ms) });
 * // onStage hears "tcp", "host-key" and "auth" as each succeeds; timings keeps them as tcpMs, hostKeyMs and authMs
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import type { Client as Ssh2Client, NegotiatedAlgorithms } from "ssh2";
import { formatLocation } from "../../grammar/source.ts";
import type { BuildMachine } from "../machines/types.ts";
import { compressionAlgorithms } from "./compression.ts";
import { errorMessage, HostKeyMismatchError, SshError, type ConnectStage, type HostKeyMismatch } from "./errors.ts";
import { ALL_HOST_KEY_ALGORITHMS, describeHostKey, describePin, parsePinnedHostKey, type PinnedHostKey } from "./host-key.ts";
import { machineKey } from "./machine-key.ts";
import { presentedHostKey } from "./presented-host-key.ts";
import { formatMs } from "./units.ts";

/** An ssh2 client. */
export type SshClient = Ssh2Client;

/** What connecting needs of ssh2 and of authentication.ts, loaded on the first connect: a process that goes through a connection holder never loads ssh2. */
interface Library {
  Client: typeof Ssh2Client;
  authHandlerFor: typeof import("./authentication.ts").authHandlerFor;
}

let library: Promise<Library> | undefined;

function loadLibrary(): Promise<Library> {
  library ??= Promise.all([import("ssh2"), import("./authentication.ts")]).then(([ssh2, authentication]) => ({
    Client: ssh2.default.Client,
    authHandlerFor: authentication.authHandlerFor,
  }));
  return library;
}

/** Guix's connect timeout (`guix offload`, since 2023). */
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_KEEPALIVE_INTERVAL_MS = 10_000;
const DEFAULT_KEEPALIVE_COUNT_MAX = 3;

/** How to connect. Every field is optional. */
export interface ConnectOptions {
  /** Whole connect budget (TCP + handshake + authentication); default 30 000 (Guix). */
  timeoutMs?: number;
  /** Keep-alive probe interval; default 10 000. 0 disables keep-alives. */
  keepaliveIntervalMs?: number;
  /** Unanswered keep-alives before the peer is declared dead; default 3. */
  keepaliveCountMax?: number;
  /** Passphrase for an encrypted private key; default none (the CLI passes `$OFFLOAD_KEY_PASSPHRASE`). */
  passphrase?: string | undefined;
  /** ssh-agent socket used when an encrypted key's passphrase is not given; default none (the CLI passes `$SSH_AUTH_SOCK`). */
  agentSocket?: string | undefined;
  /** Channels open at once on one session (more wait for a free one); default 10, OpenSSH's MaxSessions. */
  maxChannels?: number;
  /** Called as each connection stage succeeds, with the milliseconds it took. */
  onStage?: (stage: ConnectStage, ms: number) => void;
  /** ssh2's protocol trace (every message sent and received), for diagnosing. */
  debug?: (line: string) => void;
}

/** How long each connection stage took, in milliseconds. */
export interface ConnectTimings {
  tcpMs: number;
  hostKeyMs: number;
  authMs: number;
}

/** An authenticated ssh2 client and what it took. */
export interface Established {
  client: SshClient;
  timings: ConnectTimings;
  negotiated: NegotiatedAlgorithms;
}

/**
 * Connect and authenticate to `machine`. Rejects with an {@link SshError} whose `stage` says which step failed.
 *
 * @example
 * import type { BuildMachine } from "../machines/types.ts";
 * import type { SshError } from "./errors.ts";
 * const machine = { name: "127.0.0.1", port: 1, hostKey: "ssh-ed25519 AAAA", problems: [] } as unknown as BuildMachine;
 * // nothing listens on port 1
 * await establish(machine, { timeoutMs: 5000 }).catch((error: SshError) => [error.code, error.stage, error.message]);
 * // ["refused", "tcp", "connection to 127.0.0.1:1 refused: is sshd running and listening on port 1?"]
 * const broken = { ...machine, problems: ["port must be a number"], location: { file: "machines.scm", line: 3, column: 2 } };
 * await establish(broken, {}).catch((error: SshError) => [error.code, error.message]);
 * // ["invalid-record", "machines.scm:3:2: machine '127.0.0.1' cannot be used: port must be a number"]
 */
export async function establish(machine: BuildMachine, options: ConnectOptions): Promise<Established> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  if (machine.problems.length > 0) {
    throw new SshError(
      "invalid-record",
      machine.name,
      `${formatLocation(machine.location)}: machine '${machine.name}' cannot be used: ${machine.problems.join("; ")}`,
      { stage: "tcp" },
    );
  }
  const lib = await loadLibrary();
  const started = performance.now();
  const socket = await openTcp(machine, timeoutMs);
  const tcpMs = performance.now() - started;
  options.onStage?.("tcp", tcpMs);
  let pin: PinnedHostKey;
  try {
    pin = parsePinnedHostKey(machine.hostKey, machine.name);
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return handshake(lib, machine, options, socket, pin, deadline, tcpMs);
}

function openTcp(machine: BuildMachine, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: machine.name, port: machine.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SshError("timeout", machine.name, `no TCP connection to ${machineKey(machine)} within ${formatMs(timeoutMs)}`, { stage: "tcp" }));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(tcpError(machine, error));
    });
  });
}

/**
 * The {@link SshError} for a failed TCP connect, by errno: `dns`, `refused`, `timeout` or `unreachable`.
 *
 * @example
 * const error = tcpError({ name: "build1", port: 22 }, Object.assign(new Error("getaddrinfo ENOTFOUND build1"), { code: "ENOTFOUND" }));
 * error.code; // "dns"
 * error.message; // 'cannot resolve host name "build1" (ENOTFOUND)'
 */
export function tcpError(machine: Pick<BuildMachine, "name" | "port">, error: NodeJS.ErrnoException): SshError {
  const address = machineKey(machine);
  const options = { stage: "tcp" as const, cause: error };
  switch (error.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NODATA":
    case "EAI_NONAME":
      return new SshError("dns", machine.name, `cannot resolve host name ${JSON.stringify(machine.name)} (${error.code})`, options);
    case "ECONNREFUSED":
      return new SshError("refused", machine.name, `connection to ${address} refused: is sshd running and listening on port ${machine.port}?`, options);
    case "ETIMEDOUT":
      return new SshError("timeout", machine.name, `TCP connection to ${address} timed out`, options);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return new SshError("unreachable", machine.name, `${address} is unreachable (${error.code})`, options);
    default:
      return new SshError("refused", machine.name, `cannot connect to ${address}: ${error.message}`, options);
  }
}

/** What the handshake has learned so far, for telling apart why it failed. */
interface HandshakeState {
  /** The host key the server presented, once it has. */
  presentedKey: Buffer | null;
  /** Why our credential could not be offered (unreadable key, agent without it), once known. */
  keyError: SshError | null;
}

/**
 * The SSH handshake and authentication on an open socket: verify the pinned
 * host key (timing each stage), authenticate, and turn any failure into an
 * {@link SshError} ({@link classifyHandshakeFailure}).
 */
function handshake(
  lib: Library,
  machine: BuildMachine,
  options: ConnectOptions,
  socket: net.Socket,
  pin: PinnedHostKey,
  deadline: number,
  tcpMs: number,
): Promise<Established> {
  return new Promise((resolve, reject) => {
    const client = new lib.Client();
    const state: HandshakeState = { presentedKey: null, keyError: null };
    let stageStart = performance.now();
    let hostKeyMs = 0;
    let negotiated: NegotiatedAlgorithms | null = null;
    let settled = false;
    /** Set while a second connection finds out which host key the server has; the first one's close is expected then. */
    let diagnosing = false;

    const settle = (error: SshError | null): void => {
      if (settled) return;
      settled = true;
      if (error === null) {
        const authMs = performance.now() - stageStart;
        options.onStage?.("auth", authMs);
        resolve({ client, negotiated: negotiated!, timings: { tcpMs, hostKeyMs, authMs } });
        return;
      }
      client.removeAllListeners();
      client.on("error", () => undefined);
      client.end();
      socket.destroy();
      reject(error);
    };
    const hostVerifier = (key: Buffer): boolean => {
      state.presentedKey = Buffer.from(key);
      const accepted = key.equals(pin.blob);
      if (accepted) {
        hostKeyMs = performance.now() - stageStart;
        options.onStage?.("host-key", hostKeyMs);
        stageStart = performance.now();
      }
      return accepted;
    };

    client.once("handshake", (algorithms: NegotiatedAlgorithms) => (negotiated = algorithms));
    client.once("ready", () => settle(null));
    client.on("error", (error: Error & { level?: string }) => {
      if (diagnosing) return;
      const failure = classifyHandshakeFailure(machine, pin, state, error, options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
      if (failure !== "pinned-type-not-offered") {
        settle(failure);
        return;
      }
      diagnosing = true;
      void pinnedTypeNotOffered(machine, pin, Math.max(1000, Math.min(5000, deadline - performance.now()))).then(settle);
    });
    client.once("close", () => diagnosing || settle(closedDuringHandshake(machine, state)));

    try {
      client.connect({
        sock: socket,
        host: machine.name,
        port: machine.port,
        username: machine.user,
        readyTimeout: Math.max(1, Math.round(deadline - performance.now())),
        keepaliveInterval: options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: options.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
        algorithms: { serverHostKey: pin.algorithms, compress: compressionAlgorithms(machine.compression) },
        ...(options.debug === undefined ? {} : { debug: options.debug }),
        hostVerifier,
        authHandler: lib.authHandlerFor(machine, options, (error) => (state.keyError = error)),
      });
      acknowledgeServerDebugMessages(client);
    } catch (error) {
      settle(
        new SshError("handshake-failed", machine.name, `cannot start SSH with ${machineKey(machine)}: ${errorMessage(error)}`, {
          stage: "host-key",
          cause: error,
        }),
      );
    }
  });
}

/**
 * Why the handshake failed, from what it had learned: a host key other than
 * the pinned one, a key we could not offer, or what ssh2 reported (by stage).
 * "pinned-type-not-offered": the server has no key of the pinned type, which
 * takes a second connection to explain.
 */
function classifyHandshakeFailure(
  machine: BuildMachine,
  pin: PinnedHostKey,
  state: Readonly<HandshakeState>,
  error: Error & { level?: string },
  timeoutMs: number,
): SshError | "pinned-type-not-offered" {
  const { presentedKey, keyError } = state;
  if (presentedKey !== null && !presentedKey.equals(pin.blob)) {
    return new HostKeyMismatchError({ ...mismatchOf(machine, pin), presented: describeHostKey(presentedKey), pinnedTypeOffered: true, offeredTypes: [] });
  }
  if (/no matching host key format/i.test(error.message)) return "pinned-type-not-offered";
  const stage: ConnectStage = presentedKey === null ? "host-key" : "auth";
  if (keyError !== null && stage === "auth") return keyError;
  return handshakeError(machine, error, stage, timeoutMs);
}

function mismatchOf(machine: BuildMachine, pin: PinnedHostKey): Pick<HostKeyMismatch, "machine" | "address" | "expected" | "location"> {
  return { machine: machine.name, address: machineKey(machine), expected: describePin(pin), location: machine.location };
}

/** The mismatch error for a server without a key of the pinned type, with the key it does have. */
async function pinnedTypeNotOffered(machine: BuildMachine, pin: PinnedHostKey, budgetMs: number): Promise<HostKeyMismatchError> {
  const learned = await presentedHostKey(machine, ALL_HOST_KEY_ALGORITHMS, budgetMs);
  return new HostKeyMismatchError({
    ...mismatchOf(machine, pin),
    presented: learned.key === null ? null : describeHostKey(learned.key),
    pinnedTypeOffered: false,
    offeredTypes: learned.offered,
  });
}

function closedDuringHandshake(machine: BuildMachine, state: Readonly<HandshakeState>): SshError {
  const beforeHostKey = state.presentedKey === null;
  return new SshError(
    "connection-lost",
    machine.name,
    `${machineKey(machine)} closed the connection ${beforeHostKey ? "before the SSH handshake finished" : "during authentication"}`,
    { stage: beforeHostKey ? "host-key" : "auth" },
  );
}

function handshakeError(machine: BuildMachine, error: Error & { level?: string }, stage: ConnectStage, timeoutMs: number): SshError {
  const address = machineKey(machine);
  const options = { stage, cause: error };
  if (error.level === "client-timeout") {
    const what = stage === "host-key" ? `no SSH handshake with ${address}` : `authentication with ${address} did not finish`;
    return new SshError("timeout", machine.name, `${what} within the ${formatMs(timeoutMs)} connect timeout`, options);
  }
  if (error.level === "client-authentication" || /authentication/i.test(error.message)) {
    return new SshError(
      "auth-failed",
      machine.name,
      `${address} refused public-key authentication for user ${JSON.stringify(machine.user)} with ${machine.privateKey ?? "no key"}: is its public key in the remote authorized_keys?`,
      options,
    );
  }
  if (error.level === "handshake" || error.level === "protocol") {
    return new SshError("handshake-failed", machine.name, `SSH handshake with ${address} failed: ${error.message}`, options);
  }
  return new SshError("connection-lost", machine.name, `connection to ${address} lost: ${error.message}`, options);
}

/** The parts of ssh2's client that {@link acknowledgeServerDebugMessages} touches. */
interface ClientInternals {
  _callbacks?: Array<() => void>;
  _protocol?: { _handlers?: Record<string, unknown>; ping(): void };
}

/**
 * Patches ssh2 1.17 internals (ssh2 is pinned exactly for this).
 *
 * The ssh2 behaviour worked around: ssh2's client ignores SSH_MSG_DEBUG —
 * its `DEBUG` message handler is undefined unless the `debug` option is set
 * — so nothing goes back to the server when one arrives. sshd sends them
 * right after authentication (one per authorized_keys match) and does not
 * disable Nagle for exec sessions, so while they sit unacknowledged (Linux
 * delays ACKs by 40 ms) its reply to our first channel request is held
 * back: a 40 ms stall on most new connections.
 *
 * The patch answers each DEBUG message with a keep-alive, the one message
 * ssh2 lets us send that the server answers without side effects; its reply
 * slot is registered in `_callbacks` as ssh2's own keep-alives do. Tests in
 * connect.test.ts fail when ssh2 starts handling DEBUG itself or when the
 * internals used here change.
 */
function acknowledgeServerDebugMessages(client: SshClient): void {
  const internals = client as unknown as ClientInternals;
  const protocol = internals._protocol;
  if (protocol?._handlers === undefined || internals._callbacks === undefined) return;
  const previous = protocol._handlers["DEBUG"];
  protocol._handlers["DEBUG"] = (...args: unknown[]): void => {
    if (typeof previous === "function") (previous as (...a: unknown[]) => void)(...args);
    internals._callbacks?.push(() => undefined);
    try {
      protocol.ping();
    } catch {
      internals._callbacks?.pop(); // not sent: keep the reply queue aligned
    }
  };
}

/**
 * The `connection-lost` error for a failure after set-up.
 *
 * @example
 * import type { BuildMachine } from "../machines/types.ts";
 * const machine = { name: "b", port: 22 } as BuildMachine;
 * lostConnection(machine, new Error("Keepalive timeout")).message; // "connection to b:22 lost: no answer to keep-alives"
 * lostConnection(machine, new Error("read ECONNRESET")).code; // "connection-lost"
 */
export function lostConnection(machine: BuildMachine, error: unknown): SshError {
  if (error instanceof SshError) return error;
  const message = errorMessage(error);
  const why = /keepalive/i.test(message) ? "no answer to keep-alives" : message;
  return new SshError("connection-lost", machine.name, `connection to ${machineKey(machine)} lost: ${why}`, { cause: error });
}
