/**
 * What the build hook needs from a build machine: byte streams to a Unix
 * socket there (the remote guix-daemon's socket, through an SSH
 * `direct-streamlocal@openssh.com` channel) and commands with their standard
 * input (the importer that receives a signed export, the probe). The hook
 * works against the {@link MachineLink} interface so that a process keeping
 * SSH connections open across hook processes can provide links later; the
 * implementation here opens one SSH connection per machine per process.
 *
 * @example
 * import { LinkCache, sshLinkOpener } from "./machine-link.ts";
 * const links = new LinkCache(sshLinkOpener({ timeoutMs: 30_000 }));
 * const link = await links.get(machine);
 * const socket = await link.openSocket(machine.daemonSocket);
 * links.closeAll();
 */
import type { Duplex, Readable, Writable } from "node:stream";
import type { ClientChannel } from "ssh2";
import type { BuildMachine } from "../../machines/types.ts";
import { compressionAlgorithms } from "../../ssh/compression.ts";
import { establish, type ConnectOptions, type SshClient } from "../../ssh/connect.ts";
import { errorMessage, SshError } from "../../ssh/errors.ts";
import { machineKey } from "../../ssh/machine-key.ts";

/** How a remote command ended. */
export interface LinkExit {
  code: number | null;
  signal: string | null;
}

/** A command running on the build machine. Read stdout and stderr, or it may stall. */
export interface LinkProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Settles when the command's channel closes; rejects if the connection was lost first. */
  exit: Promise<LinkExit>;
  /** Close the channel (the remote command gets EOF and SIGHUP from sshd). */
  close(): void;
}

/** A way to reach one build machine. */
export interface MachineLink {
  readonly machine: BuildMachine;
  /** True once the link is unusable. */
  readonly closed: boolean;
  /** A byte stream to the Unix socket at `path` on the machine. */
  openSocket(path: string): Promise<Duplex>;
  /** Start `command` (a line for the remote login shell). */
  exec(command: string): Promise<LinkProcess>;
  /** Called once when the link ends: with an error when it was lost. */
  onClose(listener: (error?: SshError) => void): void;
  close(): void;
}

/** Opens links. */
export type LinkOpener = (machine: BuildMachine) => Promise<MachineLink>;

/**
 * Links over one direct SSH connection each.
 *
 * @example
 * const open = sshLinkOpener({ timeoutMs: 10_000 });
 * const link = await open(machine);
 */
export function sshLinkOpener(options: ConnectOptions = {}): LinkOpener {
  return async (machine) => {
    const { client } = await establish(machine, options);
    return new SshLink(machine, client);
  };
}

class SshLink implements MachineLink {
  private closedWith: { error: SshError | undefined } | null = null;
  private readonly listeners: Array<(error?: SshError) => void> = [];
  /** Open channels, disarmed when the link ends (see {@link markClosed}). */
  private readonly channels = new Set<ClientChannel>();

  constructor(
    readonly machine: BuildMachine,
    private readonly client: SshClient,
  ) {
    client.on("error", (error: Error) => this.markClosed(lost(machine, error)));
    client.on("close", () => this.markClosed(new SshError("connection-lost", machine.name, `connection to ${machineKey(machine)} closed by the remote side`)));
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  openSocket(path: string): Promise<Duplex> {
    return this.open(`a stream to ${path}`, (done) => this.client.openssh_forwardOutStreamLocal(path, done));
  }

  async exec(command: string): Promise<LinkProcess> {
    let status: LinkExit | null = null;
    let exit!: Promise<LinkExit>;
    const channel = await this.open(`a command`, (done) => this.client.exec(command, done), (opened) => {
      // Listen at once: a short command's status can arrive with the open confirmation.
      opened.on("exit", (code: number | null, signal?: string) => {
        status = { code: code ?? null, signal: signal ?? null };
      });
      exit = new Promise<LinkExit>((resolve, reject) => {
        opened.once("close", () => {
          if (status !== null) resolve(status);
          else if (this.closedWith?.error !== undefined) reject(this.closedWith.error);
          else resolve({ code: null, signal: null });
        });
      });
      exit.catch(() => undefined);
    });
    channel.stderr.on("error", () => undefined);
    return {
      stdin: channel,
      stdout: channel,
      stderr: channel.stderr,
      exit,
      close: () => {
        try {
          channel.close();
        } catch {
          // The connection is already gone.
        }
      },
    };
  }

  onClose(listener: (error?: SshError) => void): void {
    if (this.closedWith !== null) {
      const { error } = this.closedWith;
      queueMicrotask(() => listener(error));
    } else this.listeners.push(listener);
  }

  close(): void {
    if (this.closedWith !== null) return;
    this.markClosed(undefined);
    try {
      this.client.end();
    } catch {
      // Already broken.
    }
  }

  private markClosed(error: SshError | undefined): void {
    if (this.closedWith !== null) return;
    this.closedWith = { error };
    // ssh2 lets a channel whose streams end after the connection is gone send its
    // CHANNEL_CLOSE through the torn-down compressor, which throws "Invalid Zlib
    // instance" from a stream callback; marking each channel closed first makes
    // that send a no-op (as src/ssh/session.ts does).
    for (const channel of this.channels) disarm(channel);
    this.channels.clear();
    for (const listener of this.listeners.splice(0)) listener(error);
  }

  private open(
    what: string,
    start: (done: (error: Error | undefined, channel: ClientChannel) => void) => void,
    prepare: (channel: ClientChannel) => void = () => undefined,
  ): Promise<ClientChannel> {
    if (this.closedWith !== null) {
      return Promise.reject(this.closedWith.error ?? new SshError("connection-lost", this.machine.name, `connection to ${machineKey(this.machine)} was closed`));
    }
    return new Promise((resolve, reject) => {
      try {
        start((error, channel) => {
          if (error !== undefined) {
            reject(new SshError("channel-failed", this.machine.name, `cannot open ${what} on ${machineKey(this.machine)}: ${errorMessage(error)}`, { cause: error }));
            return;
          }
          channel.on("error", () => undefined);
          this.channels.add(channel);
          channel.once("close", () => this.channels.delete(channel));
          prepare(channel);
          resolve(channel);
        });
      } catch (error) {
        reject(lost(this.machine, error));
      }
    });
  }
}

/** An ssh2 channel's internal state, which {@link disarm} touches. */
interface ChannelState {
  outgoing?: { state: string };
}

function disarm(channel: ClientChannel): void {
  const state = channel as unknown as ChannelState;
  if (state.outgoing !== undefined) state.outgoing.state = "closed";
}

function lost(machine: BuildMachine, error: unknown): SshError {
  if (error instanceof SshError) return error;
  return new SshError("connection-lost", machine.name, `connection to ${machineKey(machine)} lost: ${errorMessage(error)}`, { cause: error });
}

/** Records that differ in how to connect never share a link (the host key's comment does not count). */
function linkKey(machine: BuildMachine): string {
  const pinned = machine.hostKey.trim().split(/\s+/).slice(0, 2).join(" ");
  return JSON.stringify([machine.name, machine.port, machine.user, machine.privateKey, pinned, compressionAlgorithms(machine.compression)]);
}

/**
 * One link per machine in this process, shared by every user; a lost link
 * is replaced on the next `get`, a failed attempt is not remembered.
 *
 * @example
 * const links = new LinkCache(sshLinkOpener());
 * const [a, b] = await Promise.all([links.get(machine), links.get(machine)]); // a === b
 */
export class LinkCache {
  private readonly links = new Map<string, Promise<MachineLink>>();

  constructor(private readonly opener: LinkOpener) {}

  /**
   * The machine's link, opening it if needed.
   *
   * @example
   * const link = await links.get(machine);
   */
  async get(machine: BuildMachine): Promise<MachineLink> {
    return this.open(machine);
  }

  /**
   * A link for bulk transfers: without SSH compression (unless `compress`),
   * because ssh2's zlib (level 6, one flush per packet, on the main thread)
   * moves about 12 MB/s on a loaded 2-core machine, less than most links.
   * The same link as {@link get} when the record asks for no compression.
   *
   * @example
   * const bulk = await links.bulk(machine);
   */
  bulk(machine: BuildMachine, compress = false): Promise<MachineLink> {
    return this.open(compress ? machine : { ...machine, compression: "none" });
  }

  private async open(machine: BuildMachine): Promise<MachineLink> {
    const key = linkKey(machine);
    const existing = this.links.get(key);
    if (existing !== undefined) {
      const link = await existing.catch(() => null);
      if (link !== null && !link.closed) return link;
      if (this.links.get(key) === existing) this.links.delete(key);
    }
    const opening = this.opener(machine);
    this.links.set(key, opening);
    try {
      const link = await opening;
      link.onClose(() => {
        if (this.links.get(key) === opening) this.links.delete(key);
      });
      return link;
    } catch (error) {
      if (this.links.get(key) === opening) this.links.delete(key);
      throw error;
    }
  }

  /**
   * Close every link.
   *
   * @example
   * links.closeAll();
   */
  closeAll(): void {
    for (const link of this.links.values()) void link.then((l) => l.close(), () => undefined);
    this.links.clear();
  }
}
