/**
 * Transcripts: the bytes a daemon exchanges with our client for a fixed
 * script of operations, step by step. Recorded against a real guix-daemon
 * (fixtures/store/transcripts/*.json), they are replayed against the test
 * server, whose answers must match after masking what legitimately differs
 * between two runs (registration times, build process ids, log file names).
 *
 * The script covers the handshake, SetOptions, IsValidPath (valid, invalid,
 * outside the store), AddTextToStore with references, AddToStore of a tree
 * (an executable, a symlink, an empty file, a name that is not UTF-8, a
 * file longer than a tunnel chunk), QueryPathInfo (valid and
 * invalid), QueryValidPaths, QueryReferences/Referrers, AddTempRoot,
 * QueryDerivationOutputs, ExportPath signed and unsigned, ImportPaths
 * (authorized, unsigned, unauthorized, forged, corrupt, wrong hash, invalid
 * reference),
 * BuildPaths (success with a scanned reference, failure, dependent build,
 * silence timeout; at verbosity 3 a success and a failed dependency),
 * errors that end the connection (a path outside the store while reading
 * arguments, an unknown operation).
 *
 * Both sides use the same keys (kept in the fixture), and signing is
 * deterministic, so even signatures must match byte for byte.
 *
 * @example
 * import { runScript } from "../store/transcript.ts";
 * const steps = await runScript({ connect: () => socketTo(daemon.socketPath), keys, storeDir: "/gnu/store", system: "x86_64-linux", workDir });
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { Duplex, PassThrough, Readable } from "node:stream";
import { ByteReader } from "../../src/store/byte-reader.ts";
import { StoreConnection } from "../../src/store/connection.ts";
import { makeDerivation } from "../../src/store/derivation.ts";
import { DaemonError, StoreError } from "../../src/store/errors.ts";
import { exportItemChunks, exportStreamChunks } from "../../src/store/export-format.ts";
import type { SigningKeyPair } from "../../src/store/keys.ts";
import { Op, PROTOCOL_VERSION, Stderr, WORKER_MAGIC_1 } from "../../src/store/protocol.ts";
import { signHash } from "../../src/store/signature.ts";
import { textPath } from "../../src/store/store-path.ts";
import { WireWriter } from "../../src/store/wire.ts";
import { fileNar } from "./nar-bytes.ts";

/** One step: what our client sent and what the daemon answered. */
export interface TranscriptStep {
  name: string;
  /** Client → daemon, base64. */
  sent: string;
  /** Daemon → client, base64. */
  received: string;
  /** Whether the daemon ended the connection after this step. */
  closed: boolean;
}

/** A recorded transcript, as stored in fixtures/store/transcripts. */
export interface Transcript {
  /** What produced it. */
  recordedWith: string;
  storeDir: string;
  system: string;
  /** The keys of the run (throwaway test keys), so a replay signs identically. */
  keys: { daemon: string; client: string; stranger: string };
  steps: TranscriptStep[];
}

/** Wraps a socket and keeps the bytes of each direction since the last `take`. */
class RecordingStream extends Duplex {
  private sent: Buffer[] = [];
  private received: Buffer[] = [];
  ended = false;

  constructor(private readonly socket: net.Socket) {
    super();
    socket.on("data", (chunk: Buffer) => {
      this.received.push(chunk);
      if (!this.push(chunk)) socket.pause();
    });
    socket.on("end", () => {
      this.ended = true;
      this.push(null);
    });
    socket.on("error", (error) => this.destroy(error));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.sent.push(Buffer.from(chunk));
    this.socket.write(chunk, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  takeRecorded(): { sent: string; received: string } {
    const out = { sent: Buffer.concat(this.sent).toString("base64"), received: Buffer.concat(this.received).toString("base64") };
    this.sent = [];
    this.received = [];
    return out;
  }

  /** Waits (bounded) to see whether the daemon ends the connection. */
  async waitForEnd(ms: number): Promise<boolean> {
    for (let waited = 0; waited < ms && !this.ended; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.ended;
  }
}

/** What a script run needs. */
export interface ScriptContext {
  /** The daemon's socket. */
  socketPath: string;
  storeDir: string;
  system: string;
  keys: { daemon: SigningKeyPair; client: SigningKeyPair; stranger: SigningKeyPair };
  /** A scratch directory for the tree the script adds. */
  workDir: string;
}

function connectSocket(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** The script's tree: every kind of node, a non-UTF-8 name, and a file longer than a tunnel chunk. */
function makeTree(dir: string): string {
  const tree = join(dir, "tree");
  mkdirSync(join(tree, "bin"), { recursive: true });
  writeFileSync(join(tree, "bin", "tool"), "#!/bin/sh\necho tool\n");
  chmodSync(join(tree, "bin", "tool"), 0o755);
  // Longer than the daemon's 64 KiB tunnel buffer, so the export spans several STDERR_WRITE messages.
  const big = Buffer.alloc(70_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 9)) & 0xff;
  writeFileSync(join(tree, "data"), big);
  writeFileSync(join(tree, "empty"), "");
  writeFileSync(Buffer.concat([Buffer.from(tree), Buffer.from("/caf"), Buffer.from([0xe9])]), "latin-1 name\n");
  symlinkSync("data", join(tree, "link"));
  return tree;
}

/** Runs an operation, turning a daemon error into a result (its bytes are in the transcript anyway). */
async function attempt<T>(operation: Promise<T>): Promise<T | DaemonError> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof DaemonError) return error;
    throw error;
  }
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function* just(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** How an export's signature is spoiled. */
type Spoil = "none" | "other-hash" | "forged" | "corrupt";

/** An export stream of one text item, signed by `key` (or unsigned), its signature possibly spoiled. */
async function exportOf(
  storeDir: string,
  name: string,
  content: string,
  references: string[],
  sign: SigningKeyPair | null,
  spoil: Spoil = "none",
): Promise<Buffer> {
  const path = textPath(name, content, references, storeDir);
  const signature = (hash: Buffer): string => {
    if (spoil === "corrupt") return "(signature (sig-val (ecdsa (r #01#) (s #01#))))";
    const text = signHash(spoil === "other-hash" ? Buffer.alloc(32, 1) : hash, sign!.secretKey);
    // Forged: another valid-looking s (an r of 1 is never right).
    return spoil === "forged" ? text.replace(/\(r #[0-9A-F]+#\)/, "(r #01#)") : text;
  };
  const item = exportItemChunks(just(fileNar(content)), { path, references, deriver: "" }, sign === null ? undefined : signature);
  return collect(exportStreamChunks([item]));
}

/**
 * Runs the fixed script against the daemon at `context.socketPath` and returns its steps.
 *
 * @example
 * const steps = await runScript(context);
 */
export async function runScript(context: ScriptContext): Promise<TranscriptStep[]> {
  const steps: TranscriptStep[] = [];
  const { storeDir, system, keys } = context;
  let recorder = new RecordingStream(await connectSocket(context.socketPath));
  const store = await StoreConnection.handshake(recorder, { storeDir });
  const step = async (name: string, run: () => Promise<unknown>, waitForEnd = 0): Promise<void> => {
    await run();
    const closed = waitForEnd > 0 ? await recorder.waitForEnd(waitForEnd) : recorder.ended;
    steps.push({ name, ...recorder.takeRecorded(), closed });
  };
  steps.push({ name: "handshake", ...recorder.takeRecorded(), closed: false });

  await step("set-options", () => store.setOptions({ printBuildTrace: true }));
  const hello = textPath("hello", "Hello, world!\n", [], storeDir);
  await step("is-valid-path (not yet)", () => store.isValidPath(hello));
  await step("add-text-to-store", () => store.addTextToStore("hello", "Hello, world!\n"));
  await step("is-valid-path", () => store.isValidPath(hello));
  await step("is-valid-path (outside the store)", () => attempt(store.isValidPath("/etc/passwd")));
  await step("query-path-info", () => store.queryPathInfo(hello));
  await step("query-path-info (invalid)", () => attempt(store.queryPathInfo(textPath("nothing", "", [], storeDir))));
  const withRef = textPath("with-ref", `see ${hello}\n`, [hello], storeDir);
  await step("add-text-to-store (references)", () => store.addTextToStore("with-ref", `see ${hello}\n`, [hello]));
  await step("query-references", () => store.queryReferences(withRef));
  await step("query-referrers", () => store.queryReferrers(hello));
  await step("add-temp-root", () => store.addTempRoot(withRef));
  let tree = "";
  await step("add-to-store (tree)", async () => {
    tree = await store.addToStore("tree", makeTree(context.workDir));
  });
  await step("query-path-info (tree)", () => store.queryPathInfo(tree));
  await step("query-valid-paths", () => store.queryValidPaths([tree, hello, textPath("nothing", "", [], storeDir)]));
  const sink = (): PassThrough => {
    const out = new PassThrough();
    out.resume();
    return out;
  };
  await step("export-path (unsigned)", () => store.exportPath(hello, sink(), { sign: false }));
  await step("export-path (signed, tree)", () => store.exportPath(tree, sink(), { sign: true }));

  const imported = await exportOf(storeDir, "imported", "imported\n", [hello], keys.client);
  await step("import-paths (authorized)", () => store.importPaths(Readable.from([imported])));
  await step("import-paths (unsigned)", async () => attempt(store.importPaths(Readable.from([await exportOf(storeDir, "unsigned", "u\n", [], null)]))));
  await step("import-paths (unauthorized)", async () =>
    attempt(store.importPaths(Readable.from([await exportOf(storeDir, "stranger", "s\n", [], keys.stranger)]))),
  );
  await step("import-paths (forged)", async () =>
    attempt(store.importPaths(Readable.from([await exportOf(storeDir, "forged", "f\n", [], keys.client, "forged")]))),
  );
  await step("import-paths (corrupt signature)", async () =>
    attempt(store.importPaths(Readable.from([await exportOf(storeDir, "corrupt", "c\n", [], keys.client, "corrupt")]))),
  );
  await step("import-paths (wrong hash)", async () =>
    attempt(store.importPaths(Readable.from([await exportOf(storeDir, "liar", "l\n", [], keys.client, "other-hash")]))),
  );
  const missing = textPath("missing", "m\n", [], storeDir);
  await step("import-paths (invalid reference)", async () =>
    attempt(store.importPaths(Readable.from([await exportOf(storeDir, "dangling", "d\n", [missing], keys.client)]))),
  );

  const ok = makeDerivation(
    { name: "ok", system, builder: "/bin/sh", args: ["-c", `echo building ok; echo "uses ${hello}" > $out`], inputSrcs: [hello] },
    storeDir,
  );
  await step("add-text-to-store (derivation)", () => store.addTextToStore("ok.drv", ok.text, ok.references));
  await step("build-paths (success)", () => store.buildPaths([ok.path]));
  await step("query-path-info (built output)", () => store.queryPathInfo(ok.derivation.outputs.get("out")!.path));
  await step("query-derivation-outputs", () => store.queryDerivationOutputs(ok.path));
  await step("build-paths (already valid)", () => store.buildPaths([ok.path]));
  const lookup = () => ok.derivation;
  const dependent = makeDerivation(
    {
      name: "dependent",
      system,
      builder: "/bin/sh",
      args: ["-c", `echo "after ${ok.derivation.outputs.get("out")!.path}" > $out`],
      inputDrvs: new Map([[ok.path, ["out"]]]),
    },
    storeDir,
    lookup,
  );
  await step("add-text-to-store (dependent derivation)", () => store.addTextToStore("dependent.drv", dependent.text, dependent.references));
  await step("build-paths (dependent)", () => store.buildPaths([dependent.path]));
  await step("query-path-info (dependent output)", () => store.queryPathInfo(dependent.derivation.outputs.get("out")!.path));
  await step("export-path (signed, built output)", () => store.exportPath(dependent.derivation.outputs.get("out")!.path, sink(), { sign: true }));
  const failing = makeDerivation({ name: "failing", system, builder: "/bin/sh", args: ["-c", "echo going to fail; exit 3"] }, storeDir);
  await step("add-text-to-store (failing derivation)", () => store.addTextToStore("failing.drv", failing.text, failing.references));
  await step("build-paths (failure)", () => attempt(store.buildPaths([failing.path])));
  const silent = makeDerivation({ name: "silent", system, builder: "/bin/sh", args: ["-c", "echo then silence; exec /bin/sleep 30"] }, storeDir);
  await step("add-text-to-store (silent derivation)", () => store.addTextToStore("silent.drv", silent.text, silent.references));
  await step("set-options (max-silent-time 1)", () => store.setOptions({ printBuildTrace: true, maxSilentTime: 1 }));
  await step("build-paths (silence timeout)", () => attempt(store.buildPaths([silent.path])));

  // At higher verbosity the daemon says more, and indents what it says inside a nest.
  await step("set-options (verbosity 3)", () => store.setOptions({ printBuildTrace: true, verbosity: 3 }));
  const chatty = makeDerivation(
    { name: "chatty", system, builder: "/bin/sh", args: ["-c", `echo chatty; echo "${hello}" > $out`], inputSrcs: [hello] },
    storeDir,
  );
  await step("add-text-to-store (chatty derivation)", () => store.addTextToStore("chatty.drv", chatty.text, chatty.references));
  await step("build-paths (verbosity 3)", () => store.buildPaths([chatty.path]));
  const orphan = makeDerivation(
    { name: "orphan", system, builder: "/bin/sh", args: ["-c", "echo > $out"], inputDrvs: new Map([[failing.path, ["out"]]]) },
    storeDir,
    () => failing.derivation,
  );
  await step("add-text-to-store (derivation of a failing input)", () => store.addTextToStore("orphan.drv", orphan.text, orphan.references));
  await step("build-paths (dependency failed, verbosity 3)", () => attempt(store.buildPaths([orphan.path])));
  await step("export-path (verbosity 3)", () => store.exportPath(hello, sink(), { sign: false }));
  store.close();

  // Errors while the daemon reads an operation's arguments end the connection: raw requests, as our client refuses to send them.
  const raw = async (name: string, request: Buffer): Promise<void> => {
    recorder = new RecordingStream(await connectSocket(context.socketPath));
    const reader = new ByteReader(recorder, () => new StoreError("connection-broken", "closed"));
    recorder.write(new WireWriter().int(WORKER_MAGIC_1).int(PROTOCOL_VERSION).int(0).int(1).toBuffer());
    await reader.readExact(16);
    if ((await reader.readInt()) !== Stderr.Last) throw new Error("handshake failed");
    steps.push({ name: `${name}: handshake`, ...recorder.takeRecorded(), closed: false });
    await step(
      name,
      async () => {
        recorder.write(request);
        const code = await reader.readInt();
        if (code !== Stderr.Error) throw new Error(`expected an error, got 0x${code.toString(16)}`);
        await reader.readText();
        await reader.readInt();
      },
      3000,
    );
    reader.detach();
    recorder.destroy();
  };
  await raw("query-path-info (outside the store)", new WireWriter().int(Op.QueryPathInfo).string("/etc/passwd").toBuffer());
  await raw("unknown operation", new WireWriter().int(99).toBuffer());
  return steps;
}

/** A STDERR message or the operation's result, decoded for comparison. */
export type Frame = { next: string } | { read: number } | { write: string } | { last: true } | { error: string; status: number } | { rest: string };

/**
 * Splits a step's answer into the daemon's messages and the result bytes,
 * with what may differ between runs masked: registration times (in
 * QueryPathInfo results), the log file and process id of `@ build-started`.
 *
 * @example
 * assert.deepEqual(normalize(step), normalize(recorded));
 */
export function normalize(step: TranscriptStep): Frame[] {
  const bytes = Buffer.from(step.received, "base64");
  const frames: Frame[] = [];
  let pos = 0;
  const int = (): number => {
    const value = Number(bytes.readBigUInt64LE(pos));
    pos += 8;
    return value;
  };
  const string = (): Buffer => {
    const length = int();
    const out = bytes.subarray(pos, pos + length);
    pos += length + ((8 - (length % 8)) % 8);
    return out;
  };
  const handshake = step.name === "handshake" || step.name.endsWith(": handshake");
  if (handshake) {
    frames.push({ rest: bytes.subarray(0, 16).toString("hex") });
    pos = 16;
  }
  // Bounded by the step's bytes.
  while (pos + 8 <= bytes.length) {
    const code = int();
    if (code === Stderr.Next) frames.push({ next: maskLog(string().toString("latin1")) });
    else if (code === Stderr.Read) frames.push({ read: int() });
    else if (code === Stderr.Write) frames.push({ write: string().toString("hex") });
    else if (code === Stderr.Last) {
      frames.push({ last: true });
      break;
    } else if (code === Stderr.Error) {
      frames.push({ error: string().toString("latin1"), status: int() });
      break;
    } else {
      pos -= 8;
      break;
    }
  }
  let rest = bytes.subarray(pos);
  if (step.name.startsWith("query-path-info") && rest.length >= 16) {
    // deriver, hash, references, registration time, NAR size: the time is the second-to-last integer.
    rest = Buffer.concat([rest.subarray(0, rest.length - 16), Buffer.from("<registration time>"), rest.subarray(rest.length - 8)]);
  }
  if (rest.length > 0) frames.push({ rest: rest.toString("hex") });
  return frames;
}

function maskLog(text: string): string {
  return text.replace(/^((?:\|   )*@ build-started \S+ - \S+) \S* \d+$/m, "$1 <log file> <pid>").replace(/^((?:\|   )*killing process) \d+$/m, "$1 <pid>");
}
