/**
 * A worker-protocol server for tests: a faithful subset of guix-daemon over
 * a temporary store, listening on a Unix socket. It plays the local daemon
 * and the build machine's daemon in tests, so it follows the real daemon's
 * wire behaviour (nix/nix-daemon/nix-daemon.cc) closely enough that its
 * bytes can be compared with recordings of the real thing
 * (fixtures/store/transcripts):
 *
 * - the handshake, and errors sent as STDERR_ERROR with the daemon's
 *   statuses; an error while an operation's arguments are still being read
 *   (a path outside the store, a malformed NAR, an unknown operation) ends
 *   the connection after the error, as the daemon's does;
 * - log messages filtered by the session's verbosity;
 * - ExportPath through a 64 KiB tunnel sink with the daemon's write pattern,
 *   signed with the server's key; ImportPaths through a 32 KiB tunnel source
 *   (STDERR_READ 32768), signatures required and checked against the ACL
 *   file, with `guix authenticate`'s messages;
 * - a database of valid paths (references, deriver, NAR hash and size,
 *   registration time) with the daemon's registration rules;
 * - BuildPaths that really runs builders (see store-server/builder.ts).
 *
 * Layout under `root`: `gnu/store` (the store, its path is part of every
 * store path's hash), `etc/guix` (signing-key.pub/.sec, acl),
 * `var/guix/daemon-socket/socket`, `var/log/guix/drvs` (gzipped build logs,
 * named as the daemon names them), `tmp` (build directories).
 *
 * Not reproduced: the build hook (offloading), substitutes, garbage
 * collection, chroots and build users, the debug messages of
 * verbosity ≥ 4, log types other than the default (pretty).
 *
 * @example
 * import { StoreServer } from "../helpers/store-server.ts";
 * const server = await StoreServer.start();
 * const store = await server.connect();
 * const path = await store.addTextToStore("hello", "Hello!");
 * store.close();
 * await server.stop();
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, unlinkSync, writeFileSync, type Stats } from "node:fs";
import net from "node:net";
import { arch } from "node:os";
import { dirname, join } from "node:path";
import { ByteReader } from "../../src/store/byte-reader.ts";
import { StoreConnection, type HandshakeOptions } from "../../src/store/connection.ts";
import { parseDerivation } from "../../src/store/derivation.ts";
import { EXPORT_MAGIC } from "../../src/store/export-format.ts";
import { aclText, generateSigningKeyPair, parseAcl, parsePublicKey, parseSecretKey, type PublicKey, type SigningKeyPair } from "../../src/store/keys.ts";
import { parseNar, type NarSink } from "../../src/store/nar-parser.ts";
import { narDigest } from "../../src/store/nar-writer.ts";
import { removeTree, restoreNar, temporarySibling } from "../../src/store/nar-restorer.ts";
import { Op, PROTOCOL_VERSION, Stderr, WORKER_MAGIC_1, WORKER_MAGIC_2, protocolMinor } from "../../src/store/protocol.ts";
import { HASH_MISMATCH_MESSAGE, signHash, verifySignature } from "../../src/store/signature.ts";
import { fixedOutputPath, isStorePath, sortedUnique, textPath } from "../../src/store/store-path.ts";
import { WireWriter, encodeInt } from "../../src/store/wire.ts";
import { buildPaths, canonicalise, Verbosity, type BuildSettings } from "./store-server/builder.ts";
import { PathDatabase, type ValidPathInfo } from "./store-server/database.ts";
import { DaemonFailure } from "./store-server/failure.ts";
import { TUNNEL_SOURCE_SIZE, TunnelSink, dumpCalls, writeStringCalls } from "./store-server/tunnel.ts";
import { tempDir } from "./temp-dir.ts";

/** Options for {@link StoreServer.start}. */
export interface StoreServerOptions {
  /** Directory holding everything (default: a fresh temporary directory). */
  root?: string;
  /**
   * The store directory clients see, part of every store path's hash
   * (default: `ROOT/gnu/store`). Two servers standing for two machines give
   * the same one, as every Guix machine has /gnu/store; each keeps its
   * files in its own `ROOT/gnu/store`, and while one of them runs a
   * builder the shared directory is a symlink to that server's files
   * (builds of servers sharing a store directory take turns).
   */
  storeDir?: string;
  /**
   * How builders see this server's files at a shared store directory:
   * `namespace` runs each builder in a private mount namespace with the files
   * bind-mounted there (needs root and `unshare -m`; works for /gnu/store
   * itself), `symlink` points the directory at them while the build runs.
   * Default: `namespace` where `unshare -m` works, `symlink` otherwise.
   */
  storeVisibility?: "namespace" | "symlink";
  /** The daemon's signing key (default: a fresh one). */
  signingKey?: SigningKeyPair;
  /** Keys authorized for imports, besides none (default: the server's own key). */
  authorizedKeys?: readonly PublicKey[];
  /** The system type builds run for (default: this machine's, e.g. x86_64-linux). */
  system?: string;
}

let unshareWorks: boolean | undefined;

/**
 * True if this process may run commands in a private mount namespace
 * (root, and `unshare -m` allowed: not in every container).
 *
 * @example
 * test("…", { skip: canUnshareMounts() ? false : "needs unshare -m" }, …);
 */
export function canUnshareMounts(): boolean {
  unshareWorks ??= process.getuid?.() === 0 && spawnSync("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/true"], { stdio: "ignore" }).status === 0;
  return unshareWorks;
}

/** Builds in progress per shared store directory, so they take turns. */
const buildLocks = new Map<string, Promise<void>>();

/** Thrown inside a session when the client closed its end: the session just ends. */
class EndOfClient extends Error {}

const NODE_TO_GUIX_ARCH: Record<string, string> = { x64: "x86_64", arm64: "aarch64", ia32: "i686", riscv64: "riscv64", ppc64: "powerpc64le" };

/**
 * A running test daemon.
 *
 * @example
 * const server = await StoreServer.start({ authorizedKeys: [other.publicKey] });
 */
export class StoreServer {
  /** The store directory in paths (what clients see). */
  readonly storeDir: string;
  /** Where this server's store files really are (equal to storeDir unless shared). */
  readonly realStoreDir: string;
  readonly configDir: string;
  readonly socketPath: string;
  readonly buildDir: string;
  readonly db: PathDatabase;
  readonly system: string;
  private readonly sockets = new Set<net.Socket>();
  /** How builders see a shared store directory. */
  readonly storeVisibility: "namespace" | "symlink";
  /** Temporary GC roots added by clients (recorded only: there is no collector). */
  readonly tempRoots = new Set<string>();

  private constructor(
    readonly root: string,
    readonly signingKey: SigningKeyPair,
    private readonly server: net.Server,
    system: string,
    storeDir: string | undefined,
    storeVisibility: "namespace" | "symlink" | undefined,
  ) {
    this.storeVisibility = storeVisibility ?? (canUnshareMounts() ? "namespace" : "symlink");
    this.realStoreDir = join(root, "gnu", "store");
    this.storeDir = storeDir ?? this.realStoreDir;
    this.configDir = join(root, "etc", "guix");
    this.socketPath = join(root, "var", "guix", "daemon-socket", "socket");
    this.buildDir = join(root, "tmp");
    this.system = system;
    this.db = new PathDatabase(this.storeDir, (path) => parseDerivation(readFileSync(this.physical(path), "utf8")));
  }

  /**
   * Creates the directories and key files and starts listening.
   *
   * @example
   * const server = await StoreServer.start();
   */
  static async start(options: StoreServerOptions = {}): Promise<StoreServer> {
    const root = options.root ?? tempDir("offload-store-server-");
    const key = options.signingKey ?? generateSigningKeyPair();
    const system = options.system ?? `${NODE_TO_GUIX_ARCH[arch()] ?? arch()}-linux`;
    const net_server = net.createServer();
    const server = new StoreServer(root, key, net_server, system, options.storeDir, options.storeVisibility);
    for (const dir of [server.realStoreDir, server.configDir, join(root, "var", "guix", "daemon-socket"), server.buildDir]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(server.configDir, "signing-key.pub"), key.publicText);
    writeFileSync(join(server.configDir, "signing-key.sec"), key.secretText, { mode: 0o600 });
    chmodSync(join(server.configDir, "signing-key.sec"), 0o600);
    server.setAuthorizedKeys(options.authorizedKeys ?? [key.publicKey]);
    net_server.on("connection", (socket) => server.accept(socket));
    await new Promise<void>((resolve, reject) => {
      net_server.once("error", reject);
      net_server.listen(server.socketPath, () => resolve());
    });
    return server;
  }

  /**
   * Rewrites the ACL file (read by each connection when it first verifies a signature, as `guix authenticate` does).
   *
   * @example
   * server.setAuthorizedKeys([server.signingKey.publicKey, remote.signingKey.publicKey]);
   */
  setAuthorizedKeys(keys: readonly PublicKey[]): void {
    writeFileSync(join(this.configDir, "acl"), aclText(keys));
  }

  /**
   * A client connection to this server.
   *
   * @example
   * const store = await server.connect();
   */
  connect(options: HandshakeOptions = {}): Promise<StoreConnection> {
    return StoreConnection.connect(this.socketPath, { storeDir: this.storeDir, ...options });
  }

  /**
   * Where the file of store path `path` really is.
   *
   * @example
   * readFileSync(server.physical(path));
   */
  physical(path: string): string {
    return path.startsWith(`${this.storeDir}/`) ? this.realStoreDir + path.slice(this.storeDir.length) : path;
  }

  /**
   * Runs `build` with the store directory showing this server's files
   * (a symlink when shared), one server at a time per store directory.
   */
  async withStoreVisible<T>(build: () => Promise<T>): Promise<T> {
    if (this.storeDir === this.realStoreDir) return build();
    if (this.storeVisibility === "namespace") {
      mkdirSync(this.storeDir, { recursive: true });
      return build();
    }
    const previous = buildLocks.get(this.storeDir) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    buildLocks.set(
      this.storeDir,
      previous.then(() => mine),
    );
    await previous;
    try {
      let existing: Stats | undefined;
      try {
        existing = lstatSync(this.storeDir);
      } catch {
        existing = undefined;
      }
      if (existing !== undefined && !existing.isSymbolicLink()) throw new DaemonFailure(`\`${this.storeDir}' is a real directory; cannot share it`);
      if (existing !== undefined) unlinkSync(this.storeDir);
      mkdirSync(dirname(this.storeDir), { recursive: true });
      symlinkSync(this.realStoreDir, this.storeDir);
      return await build();
    } finally {
      release();
    }
  }

  /** What the server knows about a path (undefined if invalid). */
  pathInfo(path: string): ValidPathInfo | undefined {
    return this.db.lookup(path);
  }

  /**
   * Stops listening and drops every connection.
   *
   * @example
   * await server.stop();
   */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => undefined);
    const session = new Session(this, socket);
    session
      .run()
      .catch(() => undefined)
      .finally(() => socket.destroy());
  }
}

/** One client connection, processed like a daemon worker process. */
class Session {
  private readonly reader: ByteReader;
  private canSendStderr = false;
  private clientVersion = 0;
  private acl: ReturnType<typeof parseAcl> | null = null;
  private readonly settings: BuildSettings = {
    keepGoing: false,
    // The daemon's verbosity is lvlInfo until SetOptions changes it.
    verbosity: Verbosity.Info,
    buildVerbosity: Verbosity.Error,
    printBuildTrace: false,
    multiplexedBuildOutput: false,
    maxSilentTime: 0,
    buildTimeout: 0,
    buildCores: 1,
  };

  constructor(
    private readonly server: StoreServer,
    private readonly socket: net.Socket,
  ) {
    this.reader = new ByteReader(socket, () => new EndOfClient("client closed the connection"));
  }

  private get storeDir(): string {
    return this.server.storeDir;
  }

  private send(bytes: Buffer): Promise<void> | void {
    if (this.socket.destroyed) throw new EndOfClient("client gone");
    if (!this.socket.write(bytes)) {
      return new Promise((resolve) => this.socket.once("drain", () => resolve()));
    }
  }

  async run(): Promise<void> {
    const magic = await this.reader.readInt();
    if (magic !== WORKER_MAGIC_1) return; // "protocol mismatch": the daemon just drops the connection
    this.send(new WireWriter().int(WORKER_MAGIC_2).int(PROTOCOL_VERSION).toBuffer());
    this.clientVersion = await this.reader.readInt();
    if (protocolMinor(this.clientVersion) >= 14 && (await this.reader.readInt()) !== 0) await this.reader.readInt();
    if (protocolMinor(this.clientVersion) >= 11) await this.reader.readInt();
    this.startWork();
    this.stopWork();
    // Bounded by the client: each iteration consumes an operation from a finite stream.
    for (;;) {
      let op: number;
      try {
        op = await this.reader.readInt();
      } catch (error) {
        if (error instanceof EndOfClient) return;
        throw error;
      }
      try {
        await this.perform(op);
      } catch (error) {
        if (error instanceof EndOfClient) return;
        const errorAllowed = this.canSendStderr;
        const message = error instanceof Error ? error.message : String(error);
        const status = error instanceof DaemonFailure ? error.status : 1;
        await this.stopWork(false, message, protocolMinor(this.clientVersion) >= 8 ? status : 0);
        // An error while the arguments were being read leaves the stream out of step: the daemon hangs up.
        if (!errorAllowed) return;
      }
    }
  }

  /** The daemon's startWork: log messages may flow; unexpected client data is a protocol error. */
  private startWork(): void {
    this.canSendStderr = true;
    if (this.reader.hasBuffered()) throw new DaemonFailure("EOF expected (protocol error?)");
  }

  private stopWork(success = true, message = "", status = 0): Promise<void> | void {
    this.canSendStderr = false;
    if (success) return this.send(encodeInt(Stderr.Last));
    const w = new WireWriter().int(Stderr.Error).string(message);
    if (status !== 0) w.int(status);
    return this.send(w.toBuffer());
  }

  /** Messages are indented by "|   " per open nest (the daemon's ltPretty log type). */
  private nesting = 0;

  private log(level: number, message: string): void {
    if (level > this.settings.verbosity || !this.canSendStderr) return;
    this.send(
      new WireWriter()
        .int(Stderr.Next)
        .string(`${"|   ".repeat(this.nesting)}${message}\n`)
        .toBuffer(),
    );
  }

  private nest(level: number, message: string): { close(): void } {
    if (level > this.settings.verbosity) return { close: () => undefined };
    this.log(level, message);
    this.nesting++;
    let open = true;
    return {
      close: () => {
        if (open) this.nesting--;
        open = false;
      },
    };
  }

  private output(data: Buffer): void {
    if (!this.canSendStderr) return;
    this.send(new WireWriter().int(Stderr.Next).string(data).toBuffer());
  }

  private async readStorePath(): Promise<string> {
    const path = await this.reader.readText();
    this.assertStorePath(path);
    return path;
  }

  private async readStorePaths(): Promise<string[]> {
    const paths = await this.reader.readTexts();
    for (const path of paths) this.assertStorePath(path);
    return sortedUnique(paths);
  }

  private assertStorePath(path: string): void {
    if (!isStorePath(path, this.storeDir)) throw new DaemonFailure(`path \`${path}' is not in the store`);
  }

  private async perform(op: number): Promise<void> {
    const { db } = this.server;
    switch (op) {
      case Op.IsValidPath: {
        const path = await this.reader.readText();
        this.startWork();
        this.assertStorePath(path);
        const valid = db.isValid(path);
        await this.stopWork();
        await this.send(encodeInt(valid ? 1 : 0));
        return;
      }
      case Op.QueryValidPaths: {
        const paths = await this.readStorePaths();
        this.startWork();
        const valid = paths.filter((path) => db.isValid(path));
        await this.stopWork();
        await this.send(new WireWriter().strings(valid).toBuffer());
        return;
      }
      case Op.QueryPathInfo: {
        const path = await this.readStorePath();
        this.startWork();
        const info = db.info(path);
        await this.stopWork();
        await this.send(
          new WireWriter()
            .string(info.deriver)
            .string(info.narHash.toString("hex"))
            .strings(info.references)
            .int(info.registrationTime)
            .int(info.narSize)
            .toBuffer(),
        );
        return;
      }
      case Op.QueryPathHash: {
        const path = await this.readStorePath();
        this.startWork();
        const info = db.info(path);
        await this.stopWork();
        await this.send(new WireWriter().string(info.narHash.toString("hex")).toBuffer());
        return;
      }
      case Op.QueryReferences:
      case Op.QueryReferrers:
      case Op.QueryValidDerivers:
      case Op.QueryDerivationOutputs: {
        const path = await this.readStorePath();
        this.startWork();
        const result =
          op === Op.QueryReferences
            ? db.info(path).references
            : op === Op.QueryReferrers
              ? db.referrers(path)
              : op === Op.QueryValidDerivers
                ? db.all().filter((p) => p.endsWith(".drv") && db.outputsOf(p).includes(path))
                : db.outputsOf(path);
        await this.stopWork();
        await this.send(new WireWriter().strings(result).toBuffer());
        return;
      }
      case Op.QueryDerivationOutputNames: {
        const path = await this.readStorePath();
        this.startWork();
        const names = db.outputNamesOf(path);
        await this.stopWork();
        await this.send(new WireWriter().strings(names).toBuffer());
        return;
      }
      case Op.QueryDeriver: {
        const path = await this.readStorePath();
        this.startWork();
        const deriver = db.info(path).deriver;
        await this.stopWork();
        await this.send(new WireWriter().string(deriver).toBuffer());
        return;
      }
      case Op.QueryAllValidPaths: {
        this.startWork();
        const all = db.all();
        await this.stopWork();
        await this.send(new WireWriter().strings(all).toBuffer());
        return;
      }
      case Op.HasSubstitutes: {
        await this.readStorePath();
        this.startWork();
        await this.stopWork();
        await this.send(encodeInt(0));
        return;
      }
      case Op.QuerySubstitutablePaths: {
        await this.readStorePaths();
        this.startWork();
        await this.stopWork();
        await this.send(new WireWriter().strings([]).toBuffer());
        return;
      }
      case Op.QuerySubstitutablePathInfos: {
        await this.readStorePaths();
        this.startWork();
        await this.stopWork();
        await this.send(encodeInt(0));
        return;
      }
      case Op.AddTempRoot: {
        const path = await this.readStorePath();
        this.startWork();
        this.server.tempRoots.add(path);
        await this.stopWork();
        await this.send(encodeInt(1));
        return;
      }
      case Op.SyncWithGC: {
        this.startWork();
        await this.stopWork();
        await this.send(encodeInt(1));
        return;
      }
      case Op.AddTextToStore: {
        const name = await this.reader.readText();
        const content = await this.reader.readString();
        const references = await this.readStorePaths();
        this.startWork();
        const path = await this.addTextToStore(name, content, references);
        await this.stopWork();
        await this.send(new WireWriter().string(path).toBuffer());
        return;
      }
      case Op.AddToStore:
        return this.addToStore();
      case Op.ExportPath: {
        const path = await this.readStorePath();
        const sign = (await this.reader.readInt()) === 1;
        this.startWork();
        await this.exportPath(path, sign);
        await this.stopWork();
        await this.send(encodeInt(1));
        return;
      }
      case Op.ImportPaths: {
        this.startWork();
        const paths = await this.importPaths();
        await this.stopWork();
        await this.send(new WireWriter().strings(paths).toBuffer());
        return;
      }
      case Op.BuildPaths: {
        const paths = await this.readStorePaths();
        const mode = protocolMinor(this.clientVersion) >= 15 ? await this.reader.readInt() : 0;
        this.startWork();
        const context = {
          storeDir: this.storeDir,
          // Builders run in their own mount namespace, seeing this server's files at the store directory.
          mountStore: this.server.storeDir !== this.server.realStoreDir && this.server.storeVisibility === "namespace" ? this.server.realStoreDir : null,
          physical: (path: string) => this.server.physical(path),
          db,
          settings: this.settings,
          system: this.server.system,
          buildDir: this.server.buildDir,
          logDir: join(this.server.root, "var", "log", "guix"),
          log: (level: number, message: string) => this.log(level, message),
          nest: (level: number, message: string) => this.nest(level, message),
          output: (data: Buffer) => this.output(data),
        };
        await this.server.withStoreVisible(() => buildPaths(context, paths, mode));
        await this.stopWork();
        await this.send(encodeInt(1));
        return;
      }
      case Op.SetOptions:
        return this.setOptions();
      case Op.BuiltinBuilders: {
        this.startWork();
        await this.stopWork();
        await this.send(new WireWriter().strings(["download", "git-download"]).toBuffer());
        return;
      }
      case Op.SubstituteURLs: {
        this.startWork();
        await this.stopWork();
        await this.send(new WireWriter().strings([]).toBuffer());
        return;
      }
      default:
        throw new DaemonFailure(`invalid operation ${op}`);
    }
  }

  private async setOptions(): Promise<void> {
    const minor = protocolMinor(this.clientVersion);
    await this.reader.readInt(); // keep-failed
    this.settings.keepGoing = (await this.reader.readInt()) !== 0;
    await this.reader.readInt(); // fallback
    this.settings.verbosity = await this.reader.readInt();
    if (minor < 0x61) {
      await this.reader.readInt(); // max jobs
      this.settings.maxSilentTime = await this.reader.readInt();
    }
    if (minor >= 2) await this.reader.readInt(); // use-build-hook
    if (minor >= 4) {
      this.settings.buildVerbosity = await this.reader.readInt();
      await this.reader.readInt(); // log type
      this.settings.printBuildTrace = (await this.reader.readInt()) !== 0;
    }
    if (minor >= 6 && minor < 0x61) this.settings.buildCores = await this.reader.readInt();
    if (minor >= 10) await this.reader.readInt(); // use-substitutes
    if (minor >= 12) {
      const count = await this.reader.readInt();
      for (let i = 0; i < count; i++) {
        const name = await this.reader.readText();
        const value = await this.reader.readText();
        const integer = (): number => {
          if (!/^-?\d+$/.test(value)) throw new DaemonFailure(`configuration setting \`${name}' should have an integer value`);
          return Number(value);
        };
        if (name === "build-timeout") this.settings.buildTimeout = integer();
        else if (name === "build-max-silent-time") this.settings.maxSilentTime = integer();
        else if (name === "build-cores") this.settings.buildCores = integer();
        else if (name === "multiplexed-build-output") this.settings.multiplexedBuildOutput = value === "true";
      }
    }
    this.startWork();
    await this.stopWork();
  }

  /** Writes a file into the store, canonical, and registers it. */
  private async addTextToStore(name: string, content: Buffer, references: string[]): Promise<string> {
    let path: string;
    try {
      path = textPath(name, content, references, this.storeDir);
    } catch (error) {
      throw new DaemonFailure((error as Error).message);
    }
    this.server.tempRoots.add(path);
    if (!this.server.db.isValid(path)) {
      const file = this.server.physical(path);
      if (existsSync(file)) removeTree(file);
      writeFileSync(file, content);
      canonicalise(file);
      const digest = await narDigest(file);
      this.server.db.register([{ path, narHash: digest.hash, narSize: digest.size, references, deriver: "" }]);
    }
    return path;
  }

  private async addToStore(): Promise<void> {
    const baseName = await this.reader.readText();
    const fixed = (await this.reader.readInt()) === 1;
    let recursive = (await this.reader.readInt()) === 1;
    let algorithm = await this.reader.readText();
    if (!fixed) {
      algorithm = "sha256";
      recursive = true;
    }
    // The daemon reads the whole NAR before starting work; a bad NAR ends the connection.
    const staging = temporarySibling(join(this.server.realStoreDir, "add"));
    let regular = true;
    const hash = createHash(supportedAlgorithm(algorithm));
    const previousTap = this.reader.tap;
    if (recursive) this.reader.tap = (bytes) => hash.update(bytes);
    try {
      if (recursive) {
        await restoreNar(this.reader, staging, { permissions: "store" });
      } else {
        // Flat: only a single regular file's contents count (RetrieveRegularNARSink).
        const chunks: Buffer[] = [];
        const flat: NarSink = {
          directory: () => {
            regular = false;
          },
          fileStart: () => undefined,
          fileChunk: (chunk) => {
            hash.update(chunk);
            chunks.push(Buffer.from(chunk));
          },
          fileEnd: () => undefined,
          symlink: () => {
            regular = false;
          },
        };
        await parseNar(this.reader, flat);
        if (regular) writeFileSync(staging, Buffer.concat(chunks));
      }
    } finally {
      this.reader.tap = previousTap;
    }
    try {
      this.startWork();
      if (!regular) throw new DaemonFailure("regular file expected");
      const path = fixedOutputPath(recursive, algorithm, hash.digest(), baseName, this.storeDir);
      this.server.tempRoots.add(path);
      if (!this.server.db.isValid(path)) {
        const file = this.server.physical(path);
        if (existsSync(file)) removeTree(file);
        renameSync(staging, file);
        canonicalise(file);
        const digest = await narDigest(file);
        this.server.db.register([{ path, narHash: digest.hash, narSize: digest.size, references: [], deriver: "" }]);
      }
      await this.stopWork();
      await this.send(new WireWriter().string(path).toBuffer());
    } finally {
      if (existsSync(staging)) removeTree(staging);
    }
  }

  private async exportPath(path: string, sign: boolean): Promise<void> {
    this.log(Verbosity.Info, `exporting path \`${path}'`);
    const info = this.server.db.info(path);
    const pending: Buffer[] = [];
    const tunnel = new TunnelSink((chunk) => pending.push(new WireWriter().int(Stderr.Write).string(chunk).toBuffer()));
    const hash = createHash("sha256");
    const write = (bytes: Buffer): void => {
      tunnel.write(bytes);
      hash.update(bytes);
    };
    const flushPending = async (): Promise<void> => {
      for (const message of pending.splice(0)) await this.send(message);
    };
    try {
      // Send what each piece of the dump produced before reading the next, as the daemon streams it.
      for (const _ of dumpCalls(this.server.physical(path), write)) await flushPending();
      await flushPending();
      const actual = hash.copy().digest();
      if (!actual.equals(info.narHash)) {
        throw new DaemonFailure(`hash of path \`${path}' has changed from \`${info.narHash.toString("hex")}' to \`${actual.toString("hex")}'!`);
      }
      write(encodeInt(EXPORT_MAGIC));
      writeStringCalls(Buffer.from(path), write);
      write(encodeInt(info.references.length));
      for (const reference of info.references) writeStringCalls(Buffer.from(reference), write);
      writeStringCalls(Buffer.from(info.deriver), write);
      if (sign) {
        const signed = hash.copy().digest();
        write(encodeInt(1));
        writeStringCalls(Buffer.from(this.sign(signed), "latin1"), write);
      } else {
        write(encodeInt(0));
      }
    } finally {
      tunnel.flush();
      await flushPending();
    }
  }

  /** Signs as the daemon does through `guix authenticate`, with signing-key.sec (which must be secret). */
  private sign(hash: Buffer): string {
    const secretFile = join(this.server.configDir, "signing-key.sec");
    if ((statSync(secretFile).mode & 0o077) !== 0) throw new DaemonFailure(`file \`${secretFile}' should be secret (inaccessible to everybody else)!`);
    const secretKey = parseSecretKey(readFileSync(secretFile));
    const publicKey = parsePublicKey(readFileSync(join(this.server.configDir, "signing-key.pub")));
    return signHash(hash, secretKey, publicKey);
  }

  /** The daemon's TunnelSource: a 32 KiB buffer refilled by STDERR_READ requests, only when it runs dry. */
  private tunnelSource(): ByteReader {
    return new ByteReader(
      () => this.requestData(),
      () => new DaemonFailure("unexpected end-of-file"),
    );
  }

  private async requestData(): Promise<Buffer> {
    this.canSendStderr = false;
    await this.send(new WireWriter().int(Stderr.Read).int(TUNNEL_SOURCE_SIZE).toBuffer());
    const length = await this.reader.readInt();
    if (length > TUNNEL_SOURCE_SIZE) throw new DaemonFailure("string is too long");
    const data = Buffer.from(await this.reader.readExact(length));
    await this.reader.readPadding(length);
    this.startWork();
    if (length === 0) throw new DaemonFailure("unexpected end-of-file");
    return data;
  }

  private async importPaths(): Promise<string[]> {
    const source = this.tunnelSource();
    const imported: string[] = [];
    try {
      // Bounded by the client's stream: each item consumes its bytes.
      for (;;) {
        const mark = await source.readInt();
        if (mark === 0) break;
        if (mark !== 1) throw new DaemonFailure("input doesn't look like something created by `nix-store --export'");
        imported.push(await this.importPath(source));
      }
    } finally {
      source.detach();
    }
    return imported;
  }

  private async importPath(source: ByteReader): Promise<string> {
    const { db } = this.server;
    const hash = createHash("sha256");
    source.tap = (bytes) => hash.update(bytes);
    const unpacked = temporarySibling(join(this.server.realStoreDir, "import"));
    try {
      await restoreNar(source, unpacked, { permissions: "store" });
      const magic = await source.readInt();
      if (magic !== EXPORT_MAGIC) throw new DaemonFailure("normalized archive cannot be imported; wrong format");
      const path = await this.readSourcePath(source);
      const references = await source.readTexts();
      for (const reference of references) this.assertStorePath(reference);
      const deriver = await source.readText();
      if (deriver !== "") this.assertStorePath(deriver);
      source.tap = null;
      const actual = hash.digest();
      const haveSignature = (await source.readInt()) === 1;
      if (!haveSignature) throw new DaemonFailure(`imported archive of \`${path}' lacks a signature`);
      const signature = (await source.readString()).toString("latin1");
      this.acl ??= parseAcl(readFileSync(join(this.server.configDir, "acl")));
      let signed: Buffer;
      try {
        signed = verifySignature(signature, this.acl);
      } catch (error) {
        throw new DaemonFailure((error as Error).message);
      }
      if (!signed.equals(actual)) throw new DaemonFailure(HASH_MISMATCH_MESSAGE);
      this.server.tempRoots.add(path);
      if (!db.isValid(path)) {
        const file = this.server.physical(path);
        if (existsSync(file)) removeTree(file);
        renameSync(unpacked, file);
        canonicalise(file);
        const digest = await narDigest(file);
        db.register([{ path, narHash: digest.hash, narSize: digest.size, references, deriver: deriver !== "" && db.isValid(deriver) ? deriver : "" }]);
      }
      return path;
    } finally {
      source.tap = null;
      if (existsSync(unpacked)) removeTree(unpacked);
    }
  }

  private async readSourcePath(source: ByteReader): Promise<string> {
    const path = await source.readText();
    this.assertStorePath(path);
    return path;
  }
}

/** The Node hash name for a daemon hash type; unknown ones are refused as the daemon refuses them. */
function supportedAlgorithm(name: string): string {
  if (["md5", "sha1", "sha256", "sha512"].includes(name)) return name;
  throw new DaemonFailure(`unknown hash type \`${name}'`);
}
