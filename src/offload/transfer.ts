/**
 * Input upload into the remote content-addressed cache: ask which keys the
 * remote lacks, then send exactly those, concatenated, over one channel
 * (plain `cat`/`head -c` on the remote: the fastest path ssh2 offers, on par
 * with OpenSSH). Unchanged inputs cost one round trip and no data.
 *
 * @example
 * import { uploadInputs } from "./transfer.ts";
 * const { bytes, files } = await uploadInputs(session, inputs.files);
 */
import { createReadStream } from "node:fs";
import type { Writable } from "node:stream";
import type { ScriptHost } from "../ssh/script-host.ts";
import type { SshSession } from "../ssh/session.ts";
import { remoteFailure } from "./disk-errors.ts";
import { OffloadError } from "./errors.ts";
import type { InputFile } from "./local-inputs.ts";
import { ProgressMeter, type TransferProgress } from "./progress.ts";
import { missingKeysScript, uploadScript } from "../ssh/remote-shell.ts";

/** How long a broken upload waits for the remote's exit status and message. */
const STATUS_WAIT_MS = 3_000;

/** Remote scripts stay well below Linux's 128 KiB limit on one argument. */
const MAX_SCRIPT_ENTRIES = 800;

/** What an upload moved. */
export interface UploadResult {
  /** Bytes of file content sent. */
  bytes: number;
  /** Cache entries sent. */
  files: number;
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * The cache keys (of `files`) that the remote lacks.
 *
 * @example
 * const missing = await missingKeys(session, inputs.files); // the keys the cache lacks, or holds with another size
 */
export async function missingKeys(host: ScriptHost, files: readonly InputFile[], signal?: AbortSignal): Promise<Set<string>> {
  const unique = [...new Map(files.map((file) => [file.key, { key: file.key, size: file.size }])).values()];
  const missing = new Set<string>();
  for (const batch of chunked(unique, MAX_SCRIPT_ENTRIES)) {
    throwIfAborted(signal);
    const result = await host.runScript(missingKeysScript(batch), { maxOutputBytes: 1 << 20 });
    if (result.code !== 0) {
      throw remoteFailure(host.machine.name, "checking the input cache", result.stderr.toString("utf8"), "transfer-failed", `status ${result.code}`);
    }
    for (const line of result.stdout.toString("utf8").split("\n")) if (line !== "") missing.add(line);
  }
  return missing;
}

/**
 * Send the inputs the remote cache lacks, reporting progress to `onProgress`;
 * the cache is checked on `host` (a leased runner, or the session), the data
 * sent over a channel of its own.
 *
 * @example
 * const { bytes, files } = await uploadInputs(session, inputs.files, abortController.signal);
 * // what was sent: nothing at all when the cache has every input
 */
export async function uploadInputs(
  session: SshSession,
  files: readonly InputFile[],
  signal?: AbortSignal,
  onProgress?: (progress: TransferProgress) => void,
  host: ScriptHost = session,
): Promise<UploadResult> {
  if (files.length === 0) return { bytes: 0, files: 0 };
  const missing = await missingKeys(host, files, signal);
  const toSend = [...new Map(files.filter((file) => missing.has(file.key)).map((file) => [file.key, file])).values()];
  if (toSend.length === 0) return { bytes: 0, files: 0 };
  const meter = new ProgressMeter(
    "upload",
    toSend.reduce((sum, file) => sum + file.size, 0),
    onProgress,
  );
  let bytes = 0;
  for (const batch of chunked(toSend, MAX_SCRIPT_ENTRIES)) {
    throwIfAborted(signal);
    bytes += await sendBatch(session, batch, meter, signal);
  }
  meter.finish();
  return { bytes, files: toSend.length };
}

async function sendBatch(session: SshSession, batch: readonly InputFile[], meter: ProgressMeter, signal?: AbortSignal): Promise<number> {
  const child = await session.exec(["sh", "-c", uploadScript(batch)], { stdin: "pipe" });
  const stderr: Buffer[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdout.resume();
  // Settled at once and never rejecting: a lost connection while the files are still
  // being written must not become an unhandled rejection; it is rethrown below.
  let exited = false;
  let lost: unknown = null;
  const exit = child.exit.then(
    (status) => ((exited = true), status),
    (error: unknown) => ((exited = true), (lost = error), null),
  );
  const onAbort = (): void => child.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  let sent = 0;
  try {
    try {
      for (const file of batch) {
        sent += await pipeFile(file, child.stdin, meter, () => exited || signal?.aborted === true);
      }
      child.stdin.end();
    } catch (error) {
      // The remote may have ended first and said why (a full disk): wait for its word, briefly.
      const status = exited ? await exit : await Promise.race([exit, sleep(STATUS_WAIT_MS)]);
      child.close();
      await exit;
      throwIfAborted(signal);
      // The connection went away: that, not the interrupted write, is what happened.
      if (lost !== null) throw lost;
      const said = Buffer.concat(stderr).toString("utf8");
      if (status !== undefined && status !== null && status.code !== 0 && said.trim() !== "") throw remoteFailure(session.machine.name, "upload", said);
      throw error;
    }
    const status = await exit;
    throwIfAborted(signal);
    if (status === null) throw lost;
    if (status.code !== 0) {
      throw remoteFailure(session.machine.name, "upload", Buffer.concat(stderr).toString("utf8"), "transfer-failed", `status ${status.code ?? status.signal}`);
    }
    return sent;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Write exactly `file.size` bytes of the file into `sink`, honouring back-pressure. */
async function pipeFile(file: InputFile, sink: Writable, meter: ProgressMeter, stopped: () => boolean): Promise<number> {
  let sent = 0;
  if (file.size > 0) {
    const source = createReadStream(file.localPath, { start: 0, end: file.size - 1, highWaterMark: 1 << 20 });
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (stopped()) throw new OffloadError("transfer-failed", `upload of ${file.remotePath} was interrupted`);
        sent += chunk.length;
        meter.add(chunk.length);
        if (!sink.write(chunk)) await drained(sink, stopped);
      }
    } finally {
      source.destroy();
    }
  }
  if (sent !== file.size) throw new OffloadError("input-unreadable", `input ${JSON.stringify(file.localPath)} changed while being sent`);
  return sent;
}

function drained(sink: Writable, stopped: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (!stopped()) return;
      cleanup();
      reject(new OffloadError("transfer-failed", "the remote stopped reading"));
    }, 200);
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new OffloadError("transfer-failed", "the channel closed during the upload"));
    };
    const cleanup = (): void => {
      clearInterval(check);
      sink.off("drain", onDrain);
      sink.off("close", onClose);
    };
    sink.once("drain", onDrain);
    sink.once("close", onClose);
  });
}

/**
 * Throw the engine's `cancelled` error if `signal` fired.
 *
 * @example
 * import type { OffloadError } from "./errors.ts";
 * throwIfAborted(new AbortController().signal); // undefined
 * let code = "";
 * try {
 *   throwIfAborted(AbortSignal.abort());
 * } catch (error) {
 *   code = (error as OffloadError).code;
 * }
 * code; // "cancelled"
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new OffloadError("cancelled", "cancelled");
}

function sleep(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
