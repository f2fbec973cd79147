/**
 * A build job's log file. Most jobs print little, and opening a stream per
 * job costs more than their output: the log stays in memory while small and
 * is written in one go at the end, and switches to a file stream once it grows.
 *
 * @example
 * import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { finished } from "node:stream/promises";
 * const logs = mkdtempSync(join(tmpdir(), "offload-logs-"));
 * const log = new JobLog(join(logs, "1-unit-tests.log"));
 * log.write("# offload job unit-tests\n");
 * // a small log waits in memory, so a job that prints little opens no file until it ends
 * const openedEarly = existsSync(join(logs, "1-unit-tests.log"));
 * log.end();
 * await finished(log);
 * const text = readFileSync(join(logs, "1-unit-tests.log"), "utf8");
 * rmSync(logs, { recursive: true });
 * [openedEarly, text]; // [false, "# offload job unit-tests\n"]
 */
import { createWriteStream, writeFile, type WriteStream } from "node:fs";
import { Writable } from "node:stream";

/** Logs up to this size stay in memory until the job ends. */
const LOG_MEMORY_BYTES = 256 * 1024;

/** A writable log file, written lazily. */
export class JobLog extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  private stream: WriteStream | null = null;

  constructor(private readonly file: string) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.stream !== null) {
      this.stream.write(chunk, done);
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size <= LOG_MEMORY_BYTES) {
      done();
      return;
    }
    this.stream = createWriteStream(this.file);
    this.stream.write(Buffer.concat(this.chunks), done);
    this.chunks = [];
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.stream !== null) this.stream.end(() => done());
    else writeFile(this.file, Buffer.concat(this.chunks), (error) => done(error));
  }
}
