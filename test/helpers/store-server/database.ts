/**
 * The test daemon's database of valid paths: what guix-daemon keeps in
 * /var/guix/db/db.sqlite (ValidPaths, Refs, DerivationOutputs), in memory,
 * with the same rules for registering: every reference must already be
 * valid (or be the path itself), a derivation's output paths must be right,
 * and re-registering a valid path only updates its hash and size.
 *
 * @example
 * import { PathDatabase } from "./database.ts";
 * const db = new PathDatabase(storeDir, readDerivationFile);
 * db.register([{ path, narHash, narSize, references: [], deriver: "" }]);
 */
import { checkDerivationOutputs, type Derivation } from "../../../src/store/derivation.ts";
import { sortedUnique } from "../../../src/store/store-path.ts";
import { DaemonFailure } from "./failure.ts";

/** What the daemon records about a valid path. */
export interface ValidPathInfo {
  path: string;
  /** SHA-256 of the NAR. */
  narHash: Buffer;
  narSize: number;
  /** Sorted, unique. */
  references: string[];
  /** "" when unknown. */
  deriver: string;
  /** Seconds since the epoch. */
  registrationTime: number;
}

/** A registration request (the time is filled in when absent). */
export type Registration = Omit<ValidPathInfo, "registrationTime"> & { registrationTime?: number };

/**
 * Valid paths, their references and derivation outputs.
 *
 * @example
 * db.isValid(path); // false until registered
 */
export class PathDatabase {
  private readonly infos = new Map<string, ValidPathInfo>();
  /** Derivation path → output id → output path. */
  private readonly derivationOutputs = new Map<string, Map<string, string>>();

  constructor(
    private readonly storeDir: string,
    private readonly readDerivation: (path: string) => Derivation,
  ) {}

  isValid(path: string): boolean {
    return this.infos.has(path);
  }

  /** The info of a valid path; the daemon's "path `…' is not valid" otherwise. */
  info(path: string): ValidPathInfo {
    const info = this.infos.get(path);
    if (info === undefined) throw new DaemonFailure(`path \`${path}' is not valid`);
    return info;
  }

  /** The info, or undefined (for tests). */
  lookup(path: string): ValidPathInfo | undefined {
    return this.infos.get(path);
  }

  /** Every valid path. */
  all(): string[] {
    return sortedUnique(this.infos.keys());
  }

  /** Valid paths referring to `path`. */
  referrers(path: string): string[] {
    return sortedUnique([...this.infos.values()].filter((info) => info.references.includes(path)).map((info) => info.path));
  }

  /** The output paths a valid derivation declares. */
  outputsOf(drvPath: string): string[] {
    const outputs = this.derivationOutputs.get(drvPath);
    if (outputs === undefined) {
      this.info(drvPath);
      return [];
    }
    return sortedUnique(outputs.values());
  }

  /** The output ids a valid derivation declares. */
  outputNamesOf(drvPath: string): string[] {
    this.info(drvPath);
    return sortedUnique(this.derivationOutputs.get(drvPath)?.keys() ?? []);
  }

  /**
   * Registers paths as one transaction (registerValidPaths): all or none.
   * References must be valid or among the paths registered; derivations must
   * have correct outputs.
   */
  register(registrations: readonly Registration[]): void {
    const now = Math.floor(Date.now() / 1000);
    const batch = new Set(registrations.map((r) => r.path));
    for (const registration of registrations) {
      for (const reference of registration.references) {
        // The daemon's queryValidPathId uses typographic quotes in this one message.
        if (!this.infos.has(reference) && !batch.has(reference)) throw new DaemonFailure(`path ‘${reference}’ is not valid`);
      }
    }
    const derivations = new Map<string, Derivation>();
    for (const registration of registrations) {
      if (!registration.path.endsWith(".drv")) continue;
      const drv = this.readDerivation(registration.path);
      checkDerivationOutputs(registration.path, drv, this.storeDir, (input) => this.readDerivation(input));
      derivations.set(registration.path, drv);
    }
    for (const registration of registrations) {
      const existing = this.infos.get(registration.path);
      if (existing !== undefined) {
        existing.narHash = registration.narHash;
        existing.narSize = registration.narSize;
        continue;
      }
      this.infos.set(registration.path, {
        path: registration.path,
        narHash: registration.narHash,
        narSize: registration.narSize,
        references: sortedUnique(registration.references),
        deriver: registration.deriver,
        registrationTime: registration.registrationTime ?? now,
      });
    }
    for (const [path, drv] of derivations) {
      this.derivationOutputs.set(path, new Map([...drv.outputs].map(([id, output]) => [id, output.path])));
    }
  }
}
