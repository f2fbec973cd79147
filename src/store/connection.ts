/**
 * A client connection to guix-daemon over any duplex byte stream: a Unix
 * socket locally, an SSH `direct-streamlocal` channel to a remote daemon's
 * socket, or a test server. It speaks the worker protocol as Guix's client
 * does (guix/store.scm): the handshake, then one operation at a time, each
 * followed by the daemon's messages — log text (surfaced through `onLog`),
 * requests for bytes of a stream we send (ImportPaths), chunks of a stream
 * it sends (ExportPath), and finally a result or an error.
 *
 * Operations are queued, so callers may issue them concurrently; each runs
 * alone on the stream. An error the daemon reports fails that operation with
 * a DaemonError and the connection stays usable. Anything else (the stream
 * ending, garbage, a local stream failing halfway) fails the operation with
 * a StoreError and breaks the connection for good: later operations fail at
 * once with `connection-broken`, and the stream is destroyed.
 *
 * @example
 * import { StoreConnection } from "./connection.ts";
 * const store = await StoreConnection.connect("/var/guix/daemon-socket/socket");
 * store.onLog = (text) => process.stderr.write(text);
 * const info = await store.queryPathInfo("/gnu/store/…-hello-2.12");
 * store.close();
 */
import net from "node:net";
import type { Duplex, Readable, Writable } from "node:stream";
import { ByteReader } from "./byte-reader.ts";
import { encodeSetOptions, type BuildOptions } from "./build-options.ts";
import { DaemonError, StoreError } from "./errors.ts";
import { narChunks, drained } from "./nar-writer.ts";
import { BuildMode, Op, PROTOCOL_VERSION, Stderr, WORKER_MAGIC_1, WORKER_MAGIC_2, protocolMajor, protocolMinor, type BuildModeCode } from "./protocol.ts";
import { DEFAULT_STORE_DIR, assertStorePath, sortedUnique } from "./store-path.ts";
import { WireWriter, encodeInt } from "./wire.ts";

/** What the daemon knows about a valid store item. */
export interface PathInfo {
  /** The derivation that built it, or null. */
  deriver: string | null;
  /** SHA-256 of its NAR. */
  narHash: Buffer;
  /** The store items it refers to. */
  references: string[];
  /** When it was registered (seconds since the epoch). */
  registrationTime: number;
  /** Size of its NAR in bytes. */
  narSize: number;
}

/** Options of the handshake. */
export interface HandshakeOptions {
  /** The daemon's store directory, for checking paths before sending them. Default /gnu/store. */
  storeDir?: string;
  /** Ask the daemon to reserve space for the garbage collector (default true, as Guix). */
  reserveSpace?: boolean;
  /** Pin the daemon's worker process to this CPU. */
  cpuAffinity?: number;
}

/** Handlers for the stream operations' messages. */
interface StreamHandlers {
  /** Supplies up to `max` bytes for STDERR_READ; an empty buffer means end of stream. */
  read?: (max: number) => Promise<Buffer>;
  /** Receives a STDERR_WRITE chunk. */
  write?: (chunk: Buffer) => void | Promise<void>;
}

function broken(message: string, cause?: unknown): StoreError {
  return new StoreError("connection-broken", message, cause === undefined ? {} : { cause });
}

/**
 * One connection to a daemon.
 *
 * @example
 * // a remote daemon, through an SSH channel to its socket (ssh2's openssh_forwardOutStreamLocal)
 * const store = await StoreConnection.handshake(channel, { storeDir: "/gnu/store" });
 */
export class StoreConnection {
  /** Called with each piece of log text the daemon sends (bytes: build logs need not be UTF-8). */
  onLog: ((text: Buffer) => void) | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: StoreError | null = null;
  private closed = false;

  private constructor(
    private readonly stream: Duplex,
    private readonly reader: ByteReader,
    /** The daemon's protocol version. */
    readonly daemonVersion: number,
    /** The store directory paths are checked against. */
    readonly storeDir: string,
  ) {
    stream.on("error", (error: unknown) => this.breakWith(broken(`connection to the daemon failed: ${(error as Error).message}`, error)));
    stream.on("close", () => this.breakWith(broken("the daemon closed the connection")));
  }

  /** Connects to a daemon's Unix socket and performs the handshake. */
  static async connect(socketPath: string, options: HandshakeOptions = {}): Promise<StoreConnection> {
    const socket = net.createConnection({ path: socketPath });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
      });
    } catch (error) {
      socket.destroy();
      const detail = error instanceof Error ? error.message : String(error);
      throw new StoreError("connection-failed", `failed to connect to \`${socketPath}': ${detail}`, { cause: error });
    }
    return StoreConnection.handshake(socket, options);
  }

  /**
   * Performs the handshake on an already open stream (a socket, an SSH
   * channel…). On failure the stream is destroyed.
   */
  static async handshake(stream: Duplex, options: HandshakeOptions = {}): Promise<StoreConnection> {
    const reader = new ByteReader(stream, (cause) => broken("the daemon closed the connection", cause));
    try {
      stream.write(encodeInt(WORKER_MAGIC_1));
      const magic = (await reader.readExact(8)).readBigUInt64LE();
      if (magic !== BigInt(WORKER_MAGIC_2)) throw new StoreError("protocol", "build daemon handshake failed: wrong magic number");
      const version = await reader.readInt();
      if (protocolMajor(version) !== protocolMajor(PROTOCOL_VERSION)) {
        throw new StoreError("protocol", `build daemon handshake failed: unsupported protocol version 0x${version.toString(16)}`);
      }
      const hello = new WireWriter().int(PROTOCOL_VERSION);
      if (protocolMinor(version) >= 14) {
        hello.bool(options.cpuAffinity !== undefined);
        if (options.cpuAffinity !== undefined) hello.int(options.cpuAffinity);
      }
      if (protocolMinor(version) >= 11) hello.bool(options.reserveSpace ?? true);
      stream.write(hello.toBuffer());
      const connection = new StoreConnection(stream, reader, version, options.storeDir ?? DEFAULT_STORE_DIR);
      await connection.processMessages({});
      return connection;
    } catch (error) {
      reader.detach();
      stream.destroy();
      // As Guix's open-connection: anything going wrong here is a failed handshake.
      if (
        error instanceof StoreError &&
        (error.code === "protocol" || error.code === "connection-broken") &&
        !error.message.startsWith("build daemon handshake failed")
      ) {
        throw new StoreError(error.code, `build daemon handshake failed: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  /** True once the connection can no longer be used. */
  get isBroken(): boolean {
    return this.failure !== null;
  }

  /** Closes the connection (operations still queued fail with `connection-broken`). */
  close(): void {
    this.closed = true;
    this.breakWith(broken("the connection was closed"));
  }

  private breakWith(error: StoreError): void {
    if (this.failure !== null) return;
    this.failure = this.closed ? broken("the connection was closed") : error;
    this.reader.detach();
    this.stream.destroy();
  }

  /** Runs `operation` after the ones before it; a non-daemon failure breaks the connection. */
  private run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      if (this.failure !== null) throw this.failure;
      try {
        return await operation();
      } catch (error) {
        if (error instanceof DaemonError) throw error;
        const reason = error instanceof StoreError ? error : broken(`operation failed: ${(error as Error).message}`, error);
        this.breakWith(reason);
        throw reason;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private send(bytes: Buffer): void {
    if (this.failure !== null) throw this.failure;
    this.stream.write(bytes);
  }

  /** Reads the daemon's messages until STDERR_LAST, or throws its STDERR_ERROR. */
  private async processMessages(handlers: StreamHandlers): Promise<void> {
    // Bounded by the daemon: each message consumes bytes of a finite stream.
    for (;;) {
      const code = await this.reader.readInt();
      switch (code) {
        case Stderr.Next: {
          const text = await this.reader.readString();
          this.onLog?.(text);
          break;
        }
        case Stderr.Read: {
          const max = await this.reader.readInt();
          if (handlers.read === undefined) throw new StoreError("protocol", "the daemon asked for data this operation does not send");
          const data = await handlers.read(max);
          if (data.length > max) throw new StoreError("protocol", "more data than the daemon asked for");
          this.send(new WireWriter().string(data).toBuffer());
          break;
        }
        case Stderr.Write: {
          const length = await this.reader.readInt();
          if (handlers.write === undefined) throw new StoreError("protocol", "the daemon sent data this operation does not expect");
          const write = handlers.write;
          await this.reader.stream(length, (chunk) => write(chunk));
          await this.reader.readPadding(length);
          break;
        }
        case Stderr.Last:
          return;
        case Stderr.Error: {
          const message = (await this.reader.readString()).toString("utf8");
          const status = protocolMinor(this.daemonVersion) >= 8 ? await this.reader.readInt() : 1;
          throw new DaemonError(message, status);
        }
        default:
          throw new StoreError("protocol", `invalid message code 0x${code.toString(16)} from the daemon`);
      }
    }
  }

  /** Sends a request and reads the messages; `result` then reads the reply. */
  private request<T>(bytes: Buffer, result: () => Promise<T>, handlers: StreamHandlers = {}): Promise<T> {
    return this.run(async () => {
      this.send(bytes);
      await this.processMessages(handlers);
      return result();
    });
  }

  private checkPath(path: string): void {
    assertStorePath(path, this.storeDir);
  }

  /** Sets the session's build options (SetOptions). */
  setOptions(options: BuildOptions): Promise<void> {
    return this.request(encodeSetOptions(options, protocolMinor(this.daemonVersion)), async () => undefined);
  }

  /** True if `path` is a valid store item (IsValidPath). */
  isValidPath(path: string): Promise<boolean> {
    return this.request(new WireWriter().int(Op.IsValidPath).string(path).toBuffer(), async () => (await this.reader.readInt()) !== 0);
  }

  /** The valid ones among `paths` (QueryValidPaths), sorted. */
  queryValidPaths(paths: readonly string[]): Promise<string[]> {
    for (const path of paths) this.checkPath(path);
    return this.request(new WireWriter().int(Op.QueryValidPaths).strings(sortedUnique(paths)).toBuffer(), () => this.reader.readTexts());
  }

  /** What the daemon recorded about a valid path (QueryPathInfo). */
  queryPathInfo(path: string): Promise<PathInfo> {
    this.checkPath(path);
    return this.request(new WireWriter().int(Op.QueryPathInfo).string(path).toBuffer(), async () => {
      const deriver = await this.reader.readText();
      const hashText = await this.reader.readText();
      if (!/^[0-9a-f]{64}$/.test(hashText)) throw new StoreError("protocol", `invalid NAR hash \`${hashText}' from the daemon`);
      const references = await this.reader.readTexts();
      const registrationTime = await this.reader.readInt();
      const narSize = await this.reader.readInt();
      return { deriver: deriver === "" ? null : deriver, narHash: Buffer.from(hashText, "hex"), references, registrationTime, narSize };
    });
  }

  /** The references of a valid path (QueryReferences). */
  queryReferences(path: string): Promise<string[]> {
    this.checkPath(path);
    return this.request(new WireWriter().int(Op.QueryReferences).string(path).toBuffer(), () => this.reader.readTexts());
  }

  /** The valid paths that refer to `path` (QueryReferrers). */
  queryReferrers(path: string): Promise<string[]> {
    this.checkPath(path);
    return this.request(new WireWriter().int(Op.QueryReferrers).string(path).toBuffer(), () => this.reader.readTexts());
  }

  /** The output paths a valid derivation declares (QueryDerivationOutputs). */
  queryDerivationOutputs(path: string): Promise<string[]> {
    this.checkPath(path);
    return this.request(new WireWriter().int(Op.QueryDerivationOutputs).string(path).toBuffer(), () => this.reader.readTexts());
  }

  /** Protects `path` from the garbage collector while the connection lives (AddTempRoot). */
  addTempRoot(path: string): Promise<void> {
    this.checkPath(path);
    return this.request(new WireWriter().int(Op.AddTempRoot).string(path).toBuffer(), async () => {
      await this.reader.readInt();
    });
  }

  /**
   * Adds a file with `content` named `name` (AddTextToStore); returns its path.
   *
   * @example
   * const hello = makeDerivation({ name: "hello", system: "x86_64-linux", builder: "/bin/sh" });
   * const drvPath = await store.addTextToStore("hello.drv", hello.text, hello.references); // hello.path, as computed here
   */
  addTextToStore(name: string, content: string | Uint8Array, references: readonly string[] = []): Promise<string> {
    for (const reference of references) this.checkPath(reference);
    const request = new WireWriter().int(Op.AddTextToStore).string(name).string(content).strings(references).toBuffer();
    return this.request(request, () => this.reader.readText());
  }

  /**
   * Adds the file tree at `source` (AddToStore, recursive SHA-256 by default,
   * as `guix build` adds sources); the NAR is streamed, never held in memory.
   * Returns the store path.
   */
  addToStore(name: string, source: string, options: { recursive?: boolean; hashAlgorithm?: string } = {}): Promise<string> {
    const header = new WireWriter()
      .int(Op.AddToStore)
      .string(name)
      .int(1) // obsolete "fixed" flag; Guix always sends 1
      .bool(options.recursive ?? true)
      .string(options.hashAlgorithm ?? "sha256")
      .toBuffer();
    return this.run(async () => {
      this.send(header);
      for await (const chunk of narChunks(source)) {
        if (this.failure !== null) throw this.failure;
        if (!this.stream.write(chunk)) await drained(this.stream);
      }
      await this.processMessages({});
      return this.reader.readText();
    });
  }

  /**
   * Builds derivations (or substitutes paths) (BuildPaths); a failure is a
   * DaemonError with status 100 (build failed), 101 (timed out) or 1.
   *
   * @example
   * await store.buildPaths([drvPath]).catch((error) => {
   *   if (error instanceof DaemonError && error.status === 101) console.error(`timed out: ${error.daemonMessage}`);
   *   throw error;
   * });
   */
  buildPaths(paths: readonly string[], mode: BuildModeCode = BuildMode.Normal): Promise<void> {
    for (const path of paths) this.checkPath(path.split("!")[0]!);
    const w = new WireWriter().int(Op.BuildPaths).strings(paths);
    if (protocolMinor(this.daemonVersion) >= 15) w.int(mode);
    else if (mode !== BuildMode.Normal) return Promise.reject(new DaemonError("unsupported build mode", 1));
    return this.request(w.toBuffer(), async () => {
      await this.reader.readInt();
    });
  }

  /**
   * Exports one valid path (ExportPath) into `sink`: its NAR, metadata and,
   * when `sign` is true, the daemon's signature. Honours the sink's
   * backpressure. Resolves once the item is complete.
   */
  exportPath(path: string, sink: Writable, options: { sign?: boolean } = {}): Promise<void> {
    this.checkPath(path);
    const request = new WireWriter()
      .int(Op.ExportPath)
      .string(path)
      .bool(options.sign ?? true)
      .toBuffer();
    const write = async (chunk: Buffer): Promise<void> => {
      if (!sink.write(chunk)) await drained(sink);
    };
    return this.request(
      request,
      async () => {
        await this.reader.readInt();
      },
      { write },
    );
  }

  /**
   * Exports `paths` in the given order as one export stream (`1` item … `0`),
   * as Guix's `export-paths` does once the order is settled (see
   * topologicalOrder).
   *
   * @example
   * await store.exportPaths(topologicalOrder(paths, (path) => infos.get(path)!.references), out, { sign: true });
   */
  async exportPaths(paths: readonly string[], sink: Writable, options: { sign?: boolean } = {}): Promise<void> {
    for (const path of paths) {
      if (!sink.write(encodeInt(1))) await drained(sink);
      await this.exportPath(path, sink, options);
    }
    if (!sink.write(encodeInt(0))) await drained(sink);
  }

  /**
   * Imports an export stream read from `source` (ImportPaths), answering the
   * daemon's requests for bytes from it; returns the imported paths. The
   * daemon checks every item's signature against its ACL.
   */
  importPaths(source: Readable): Promise<string[]> {
    const input = new ByteReader(source, (cause) => new StoreError("export-format", "the export stream failed", cause === undefined ? {} : { cause }));
    const read = async (max: number): Promise<Buffer> => input.readSome(max);
    return this.request(new WireWriter().int(Op.ImportPaths).toBuffer(), () => this.reader.readTexts(), { read }).finally(() => input.detach());
  }
}
