/**
 * Sending a build's inputs to the build machine: ask its daemon which of the
 * input paths it lacks, complete that set with every missing reference, and
 * send the missing items references first.
 *
 * Two ways to send an item:
 * - A text item (derivations, files made with `plain-file`…) whose store
 *   path is the one its content and references give is added with the
 *   remote daemon's AddTextToStore: the daemon computes the path from the
 *   content, so it needs no signature, and nothing else is started there.
 *   Most builds need only their `.drv` sent.
 * - Anything else is exported signed by the local daemon and streamed, in
 *   one export stream per run of such items, into an importer process on
 *   the build machine (`guix archive --import`), which hands it to the
 *   remote daemon over its local socket; the remote daemon checks the
 *   signature against its ACL. Not the remote daemon's ImportPaths over the
 *   SSH channel: it asks for the stream 32 KiB at a time, a round trip each.
 *
 * @example
 * import { sendInputs } from "./send-inputs.ts";
 * const sent = await sendInputs(inputPaths, { remote, localStore, link, config, daemonSocket, onInfo });
 * sent.items; // the paths that were missing
 */
import { readFile, lstat } from "node:fs/promises";
import type { PathInfo, StoreConnection } from "../../store/connection.ts";
import { topologicalOrder } from "../../store/closure.ts";
import { parseDerivation } from "../../store/derivation.ts";
import type { RemoteProcess, SshSession } from "../../ssh/session.ts";
import { DaemonError } from "../../store/errors.ts";
import { sortedUnique, storePathName, textPath } from "../../store/store-path.ts";
import { realPath, type HookConfig } from "./config.ts";
import { HookError } from "./errors.ts";

/** Exports at least this large go over the bulk link (no SSH compression). */
export const BULK_BYTES = 1024 * 1024;

/** Text items larger than this go through the export stream. */
const MAX_TEXT_ITEM_BYTES = 1024 * 1024;
/** More text items than this go through one export stream (one round trip each otherwise). */
const MAX_TEXT_ITEMS = 64;

/**
 * Start the remote importer: `guix archive --import`, handing what it reads
 * on its standard input (a signed export stream) to the daemon at `socket`.
 *
 * @example
 * const importer = await startImporter(session, "/var/guix/daemon-socket/socket");
 * await local.exportPaths(paths, importer.stdin, { sign: true });
 * importer.stdin.end();
 */
export function startImporter(session: SshSession, socket: string): Promise<RemoteProcess> {
  return session.exec(["guix", "archive", "--import"], { env: { GUIX_DAEMON_SOCKET: socket }, stdin: "pipe" });
}

/** What sending needs. */
export interface SendOptions {
  /** The build machine's daemon. */
  remote: StoreConnection;
  /** This host's daemon, connected on first use. */
  localStore: () => Promise<StoreConnection>;
  /** The build machine's session. */
  link: SshSession;
  /** The session for large exports (see {@link BULK_BYTES}); default `link`. */
  bulkLink?: () => Promise<SshSession>;
  config: HookConfig;
  /** The remote daemon's socket, where the importer hands what it receives. */
  daemonSocket: string;
  /** Guix-style progress lines. */
  onInfo: (line: string) => void;
}

/** What was sent. */
export interface SentInputs {
  /** The items that were missing, in the order they were sent. */
  items: string[];
  /** Their total NAR size. */
  bytes: number;
}

/**
 * Make every path of `inputs` valid on the build machine.
 */
export async function sendInputs(inputs: readonly string[], options: SendOptions): Promise<SentInputs> {
  const { remote } = options;
  const present = new Set(await remote.queryValidPaths(inputs));
  const missing = inputs.filter((path) => !present.has(path));
  if (missing.length === 0) return { items: [], bytes: 0 };
  const infos = await missingClosure(missing, present, options);
  const order = topologicalOrder([...infos.keys()], (path) => infos.get(path)!.references.filter((reference) => infos.has(reference)));
  const bytes = order.reduce((sum, path) => sum + infos.get(path)!.narSize, 0);
  const host = options.link.machine.name;
  options.onInfo(`sending ${order.length} store item${order.length === 1 ? "" : "s"} (${Math.round(bytes / (1024 * 1024))} MiB) to '${host}'...`);
  const texts = await textContents(order, infos, options.config);
  for (const batch of batches(order, texts)) {
    if (batch.kind === "text") {
      for (const path of batch.paths) await addText(path, texts.get(path)!, infos.get(path)!, options);
    } else {
      const size = batch.paths.reduce((sum, path) => sum + infos.get(path)!.narSize, 0);
      const link = size >= BULK_BYTES && options.bulkLink !== undefined ? await options.bulkLink() : options.link;
      await importBatch(batch.paths, link, options);
    }
  }
  const nowValid = new Set(await remote.queryValidPaths(order));
  const lost = order.filter((path) => !nowValid.has(path));
  if (lost.length > 0) throw new HookError("remote", `'${lost[0]}' was not properly imported on '${host}'`, { machine: host });
  return { items: order, bytes };
}

/** The missing items and every missing item they refer to, with what the local daemon knows of each. */
async function missingClosure(missing: readonly string[], present: Set<string>, options: SendOptions): Promise<Map<string, PathInfo>> {
  const local = await localDaemon(options);
  const infos = new Map<string, PathInfo>();
  let wave = [...missing];
  // Bounded by the local store: each wave only adds paths not seen before.
  while (wave.length > 0) {
    const unknown: string[] = [];
    for (const path of wave) {
      if (infos.has(path)) continue;
      const info = await local.queryPathInfo(path).catch((error: unknown) => {
        throw localFailure(`cannot query '${path}' in this host's store`, error);
      });
      infos.set(path, info);
      for (const reference of info.references) if (!infos.has(reference) && !present.has(reference)) unknown.push(reference);
    }
    if (unknown.length === 0) break;
    const valid = await options.remote.queryValidPaths(sortedUnique(unknown));
    for (const path of valid) present.add(path);
    wave = sortedUnique(unknown).filter((path) => !present.has(path));
  }
  return infos;
}

/** The contents of the items that can be sent as text (see the module comment). */
async function textContents(order: readonly string[], infos: Map<string, PathInfo>, config: HookConfig): Promise<Map<string, Buffer>> {
  const texts = new Map<string, Buffer>();
  for (const path of order) {
    if (texts.size >= MAX_TEXT_ITEMS) return new Map();
    const info = infos.get(path)!;
    if (info.narSize > MAX_TEXT_ITEM_BYTES + 1024 || info.references.includes(path)) continue;
    const file = realPath(config, path);
    let content: Buffer;
    try {
      const stats = await lstat(file);
      if (!stats.isFile()) continue;
      content = await readFile(file);
    } catch {
      continue; // Unreadable here: the daemon's export will do.
    }
    if (textPath(storePathName(path, config.storeDir), content, info.references, config.storeDir) === path) texts.set(path, content);
  }
  return texts;
}

type Batch = { kind: "text" | "export"; paths: string[] };

/** Consecutive runs of items sent the same way, in order. */
function batches(order: readonly string[], texts: Map<string, Buffer>): Batch[] {
  const result: Batch[] = [];
  for (const path of order) {
    const kind = texts.has(path) ? "text" : "export";
    const last = result.at(-1);
    if (last?.kind === kind) last.paths.push(path);
    else result.push({ kind, paths: [path] });
  }
  return result;
}

async function addText(path: string, content: Buffer, info: PathInfo, options: SendOptions): Promise<void> {
  const host = options.link.machine.name;
  const name = storePathName(path, options.config.storeDir);
  if (name.endsWith(".drv")) {
    // The daemon checks a derivation's outputs when it is added; parsing first gives a clear error.
    parseDerivation(content.toString("utf8"));
  }
  const added = await options.remote.addTextToStore(name, content, info.references);
  if (added !== path) throw new HookError("remote", `'${host}' stored '${path}' as '${added}'`, { machine: host });
}

/** Stream a signed export of `paths` into a new importer process on the build machine. */
async function importBatch(paths: readonly string[], link: SshSession, options: SendOptions): Promise<void> {
  const host = link.machine.name;
  const local = await localDaemon(options);
  const importer = await startImporter(link, options.daemonSocket);
  const stderr = collectText(importer, 64 * 1024);
  importer.stdout.resume();
  const exited = importer.exit.then((status) => {
    if (status.code !== 0) throw importFailure(host, status, stderr.text());
  });
  const exporting = (async () => {
    await local.exportPaths(paths, importer.stdin, { sign: true });
    importer.stdin.end();
  })();
  exporting.catch(() => undefined);
  try {
    // An importer that dies fails the transfer at once, not when the export notices.
    await Promise.all([exporting, exited]);
  } catch (error) {
    importer.close();
    if (error instanceof HookError) throw error;
    // Through a connection holder, a lost connection reaches the importer's channel before
    // its session hears of it: the importer's end (rejected when the connection was lost) tells.
    const lost =
      link.closed ||
      (await importer.exit.then(
        () => false,
        () => true,
      ));
    // The export failed while the importer lived: this host's daemon is at fault.
    if (!lost && !local.isBroken) throw localFailure("exporting store items from this host failed", error);
    throw new HookError("remote", `failed to send store items to '${host}': ${error instanceof Error ? error.message : String(error)}`, {
      machine: host,
      cause: error,
    });
  }
}

/** This host's daemon. */
async function localDaemon(options: SendOptions): Promise<StoreConnection> {
  try {
    return await options.localStore();
  } catch (error) {
    throw localFailure("cannot connect to this host's guix-daemon", error);
  }
}

function localFailure(what: string, error: unknown): HookError {
  const message = error instanceof DaemonError ? error.daemonMessage : error instanceof Error ? error.message : String(error);
  return new HookError("local-store", `${what}: ${message}`, { cause: error });
}

function importFailure(host: string, status: { code: number | null; signal: string | null }, stderr: string): HookError {
  const why = status.code === null ? `signal ${status.signal ?? "?"}` : `status ${status.code}`;
  // Guix prints the refused key as a multi-line S-expression after "error:": keep it on one line.
  const lines = stderr.trim().split("\n");
  const errorAt = lines.map((line) => /error:/.test(line)).lastIndexOf(true);
  const detail = (errorAt >= 0 ? lines.slice(errorAt) : lines.slice(-3)).join(" ").replace(/\s+/g, " ").trim().slice(0, 400);
  return new HookError("remote", `importing store items on '${host}' failed (${why})${detail === "" ? "" : `: ${detail}`}`, { machine: host });
}

function collectText(child: RemoteProcess, limit: number): { text: () => string } {
  let text = "";
  child.stderr.on("data", (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-limit);
  });
  return { text: () => text };
}
