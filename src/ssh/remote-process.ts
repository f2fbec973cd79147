/**
 * A command running on a build machine, built from an ssh2 exec channel.
 *
 * Before the command, the remote shell prints one line with its PID (which
 * `exec` hands to the command, and which is also the command's process group,
 * since sshd starts each session with setsid). That line is taken off stdout
 * here. It makes signals work everywhere: OpenSSH refuses the SSH "signal"
 * request for root logins ("session signalling requires privilege
 * separation"), so signals are sent with `kill -s SIG -- -PGID` on a second
 * channel instead, reaching the command and its children. Anything the login
 * shell's rc files print before the line is kept apart as the `preamble`
 * instead of corrupting the command's output.
 *
 * @example
 * import { withPidLine, readPidLine } from "./remote-process.ts";
 * client.exec(withPidLine("exec sleep 9"), (error, channel) => {
 *   void readPidLine(channel).then(({ pid }) => console.log(pid));
 * });
 */
import { PassThrough, Readable, type Writable } from "node:stream";
import type { ClientChannel } from "ssh2";

/** A command running on the remote machine. Read stdout and stderr, or the command may stall. */
export interface RemoteProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /**
   * Settles when the channel closes; rejects with `connection-lost` if the
   * connection dropped first. Like a child process's 'exit', this may come
   * before stdout has delivered its last bytes: wait for its 'end' as well.
   */
  exit: Promise<{ code: number | null; signal: string | null }>;
  /** Send a signal (`"TERM"`, `"SIGKILL"`, …) to the remote command's process group. */
  signal(name: string): void;
  /** Close the channel (the command is not killed by this; see {@link signal}). */
  close(): void;
  /** The remote PID (= process group), or null if the shell never printed it. */
  pid: number | null;
  /** Output the login shell printed before the command started (normally empty). */
  preamble: Buffer;
}

const PID_LINE = /(?:^|\n)offload-pid (\d+)\n/;
const PREAMBLE_LIMIT = 64 * 1024;

/**
 * Prefix a command line so the shell first prints its PID.
 *
 * @example
 * withPidLine("exec true"); // printf 'offload-pid %s\n' "$$"; exec true
 */
export function withPidLine(command: string): string {
  return `printf 'offload-pid %s\\n' "$$"; ${command}`;
}

/**
 * Read stdout up to and including the PID line. Resolves with the stream to
 * hand out as the command's stdout: the rest of the channel's output, or —
 * when the channel ended without a PID line — what arrived.
 *
 * @example
 * const { pid, preamble, stdout } = await readPidLine(channel);
 */
export function readPidLine(channel: Readable): Promise<{ pid: number | null; preamble: Buffer; stdout: Readable }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: { pid: number | null; preamble: Buffer; stdout: Readable }): void => {
      channel.off("readable", onReadable);
      channel.off("end", onEnd);
      channel.off("close", onEnd);
      resolve(result);
    };
    const onEnd = (): void => {
      const all = Buffer.concat(chunks);
      finish({ pid: null, preamble: Buffer.alloc(0), stdout: Readable.from(all.length > 0 ? [all] : []) });
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = channel.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
        const text = Buffer.concat(chunks).toString("latin1");
        const match = PID_LINE.exec(text);
        if (match !== null) {
          const all = Buffer.concat(chunks);
          const lineStart = match.index + (match[0].startsWith("\n") ? 1 : 0);
          finish({ pid: Number(match[1]), preamble: all.subarray(0, lineStart), stdout: continuation(all.subarray(match.index + match[0].length), channel) });
          return;
        }
        if (size > PREAMBLE_LIMIT) {
          // Not our shell protocol after all: give everything back untouched.
          finish({ pid: null, preamble: Buffer.alloc(0), stdout: continuation(Buffer.concat(chunks), channel) });
          return;
        }
      }
    };
    channel.on("readable", onReadable);
    channel.once("end", onEnd);
    channel.once("close", onEnd);
  });
}

/**
 * `head` followed by the rest of `source`, as a new stream. The channel itself
 * cannot be handed out: having been read to its end here, it may emit 'end'
 * before the caller has had a chance to listen.
 */
function continuation(head: Buffer, source: Readable): Readable {
  const stream = new PassThrough();
  if (head.length > 0) stream.write(head);
  source.pipe(stream);
  return stream;
}

/**
 * The signal name as `kill -s` wants it (`SIGTERM` → `TERM`); throws on anything that is not a signal name.
 *
 * @example
 * signalName("sigint"); // "INT"
 */
export function signalName(name: string): string {
  const bare = name.toUpperCase().replace(/^SIG/, "");
  if (!/^[A-Z][A-Z0-9]*$/.test(bare)) throw new TypeError(`not a signal name: ${JSON.stringify(name)}`);
  return bare;
}

/** ssh2's public `signal()` is a no-op once stdin is closed, but the request is still valid while the channel is open. */
interface ChannelInternals {
  outgoing: { id: number; state: string };
  _client: { _protocol: { signal(id: number, name: string): void } };
}

/**
 * Send the SSH "signal" channel request (used only when the PID is unknown;
 * OpenSSH ignores it for root logins).
 *
 * @example
 * sendChannelSignal(channel, "TERM");
 */
export function sendChannelSignal(channel: ClientChannel, name: string): void {
  const internals = channel as unknown as ChannelInternals;
  const state = internals.outgoing.state;
  if (state !== "open" && state !== "eof") return;
  try {
    internals._client._protocol.signal(internals.outgoing.id, name);
  } catch {
    // An unknown name or a dying connection: nothing to signal.
  }
}
