/**
 * Bringing a build's outputs back: each output is exported, signed, by the
 * build machine's daemon; its archive is restored under a temporary name in
 * this host's store and its signature checked against this host's ACL
 * (restoreFileSet, as Guix's restore-file-set), and only when every output
 * has passed are they renamed into place. On any failure every temporary tree is removed and
 * nothing is left in the store; the restorer never writes outside its
 * target (see src/store/nar-restorer.ts). guix-daemon registers the outputs
 * itself once the hook exits with status 0.
 *
 * @example
 * import { retrieveOutputs } from "./retrieve-outputs.ts";
 * await retrieveOutputs(["/gnu/store/…-hello"], { remote, config, host: "build1", onInfo });
 */
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync } from "node:fs";
import { PassThrough } from "node:stream";
import { ByteReader } from "../../store/byte-reader.ts";
import type { StoreConnection } from "../../store/connection.ts";
import { StoreError } from "../../store/errors.ts";
import { restoreFileSet } from "../../store/file-set.ts";
import { parseAcl, type Acl } from "../../store/keys.ts";
import { removeTree } from "../../store/nar-restorer.ts";
import { encodeInt } from "../../store/wire.ts";
import { storePathName } from "../../store/store-path.ts";
import { entryAt } from "../entry-at.ts";
import { realPath, type HookConfig } from "./config.ts";
import { BULK_BYTES } from "./send-inputs.ts";
import { HookError } from "./errors.ts";

/** What retrieving needs. */
export interface RetrieveOptions {
  /** The build machine's daemon. */
  remote: StoreConnection;
  /** The build machine's daemon over the bulk link, for outputs of {@link BULK_BYTES} or more; default `remote`. */
  bulkRemote?: () => Promise<StoreConnection>;
  config: HookConfig;
  /** The build machine's name, for messages. */
  host: string;
  onInfo: (line: string) => void;
  /** More detail (one line per item). */
  verbose?: boolean;
}

/**
 * This host's ACL; a missing file is an empty ACL, as for Guix.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import type { HookError } from "./errors.ts";
 * const dir = mkdtempSync(join(tmpdir(), "offload-acl-"));
 * const key = "(public-key (ecc (curve Ed25519) (q #5866666666666666666666666666666666666666666666666666666666666666#)))";
 * writeFileSync(join(dir, "acl"), `(acl (entry ${key} (tag (guix import))))`);
 * writeFileSync(join(dir, "cut"), "(acl (entry");
 * const authorized = readAcl(join(dir, "acl")).keys.length;
 * const missing = readAcl(join(dir, "missing")).keys.length;
 * let refusal: string[] = [];
 * try {
 *   readAcl(join(dir, "cut"));
 * } catch (error) {
 *   refusal = [(error as HookError).code, (error as HookError).message.replace(dir, "DIR")];
 * }
 * rmSync(dir, { recursive: true });
 * authorized; // 1
 * missing; // 0
 * refusal; // ["configuration", "cannot use the ACL 'DIR/cut': invalid S-expression: unexpected end of input at offset 11"]
 */
export function readAcl(file: string): Acl {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return parseAcl("(acl)");
    throw new HookError("configuration", `cannot read the ACL '${file}': ${(error as Error).message}`, { cause: error });
  }
  try {
    return parseAcl(text);
  } catch (error) {
    throw new HookError("configuration", `cannot use the ACL '${file}': ${(error as Error).message}`, { cause: error });
  }
}

/** An output restored under its temporary name. */
interface Restored {
  path: string;
  temporary: string;
}

/**
 * Retrieve `outputs` (store paths) from the build machine into this host's store.
 */
export async function retrieveOutputs(outputs: readonly string[], options: RetrieveOptions): Promise<void> {
  if (outputs.length === 0) return;
  const acl = readAcl(options.config.aclFile);
  options.onInfo(`retrieving ${outputs.length} store item${outputs.length === 1 ? "" : "s"} from '${options.host}'...`);
  const restored: Restored[] = [];
  const placed: string[] = [];
  try {
    for (const path of outputs) restored.push(await retrieveOne(path, acl, options));
    for (const item of restored) {
      const target = realPath(options.config, item.path);
      if (entryAt(target) !== null) throw new HookError("local-store", `cannot install '${item.path}': it already exists in the store`);
      renameSync(item.temporary, target);
      placed.push(target);
    }
  } catch (error) {
    for (const item of restored) safeRemove(item.temporary);
    // Outputs are installed together or not at all.
    for (const target of placed) safeRemove(target);
    throw error;
  }
}

async function retrieveOne(path: string, acl: Acl, options: RetrieveOptions): Promise<Restored> {
  const { config, host } = options;
  const size = options.bulkRemote === undefined ? 0 : (await options.remote.queryPathInfo(path)).narSize;
  const daemon = size >= BULK_BYTES ? await options.bulkRemote!() : options.remote;
  const name = storePathName(path, config.storeDir);
  const temporary = realPath(config, `${config.storeDir}/.${name}.offload-${randomBytes(4).toString("hex")}`);
  const pipe = new PassThrough({ highWaterMark: 1024 * 1024 });
  const reader = new ByteReader(
    pipe,
    (cause) => new StoreError("export-format", `the archive of '${path}' from '${host}' is truncated`, cause === undefined ? {} : { cause }),
  );
  // ExportPath sends one item; the marks around it make it an export stream.
  pipe.write(encodeInt(1));
  const exporting = daemon.exportPath(path, pipe, { sign: true }).then(() => pipe.end(encodeInt(0)));
  exporting.catch(() => undefined);
  try {
    const [item] = await Promise.race([
      restoreFileSet(reader, { storeDir: config.storeDir, acl, destination: () => temporary, stagingDir: config.realStoreDir }),
      // A failed export (the daemon's error, a lost connection) ends the wait for bytes.
      exporting.then(() => new Promise<never>(() => undefined)),
    ]);
    await exporting;
    if (item?.path !== path) throw new HookError("refused-item", `'${host}' sent '${item?.path ?? "nothing"}' instead of '${path}'`, { machine: host });
    if (options.verbose === true) options.onInfo(`found valid signature for '${path}'`);
    return { path, temporary };
  } catch (error) {
    pipe.destroy();
    reader.detach();
    safeRemove(temporary);
    throw refusal(error, path, host);
  }
}

/** The hook's error for a failed retrieval: refused items keep Guix's wording. */
function refusal(error: unknown, path: string, host: string): HookError {
  if (error instanceof HookError) return error;
  if (error instanceof StoreError && ["signature", "nar-format", "nar-unsafe", "export-format", "store-path", "unsupported-key"].includes(error.code)) {
    const guix = "guixMessage" in error && typeof error.guixMessage === "string" ? `${error.guixMessage}: ` : "";
    return new HookError("refused-item", `refusing '${path}' from '${host}': ${guix}${error.message}`, { machine: host, cause: error });
  }
  if (error instanceof StoreError && error.code === "file-system") {
    return new HookError("local-store", `cannot write '${path}' into the store: ${error.message}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new HookError("remote", `failed to retrieve '${path}' from '${host}': ${message}`, { machine: host, cause: error });
}

function safeRemove(path: string): void {
  try {
    removeTree(path);
  } catch {
    // Best effort: the failure being reported matters more.
  }
}
