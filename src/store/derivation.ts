/**
 * Derivations as the daemon reads and writes them (nix/libstore/derivations.cc):
 * the ATerm text `Derive([outputs],[input derivations],[input sources],
 * system,builder,[args],[env])`, the hash "modulo fixed-output derivations"
 * that output paths are computed from, and the check the daemon makes when
 * a `.drv` is added (its output paths must be the ones that hash gives).
 *
 * Strings are JavaScript strings; the text is UTF-8, as Guix writes it.
 * Collections are sorted bytewise when printed, as the daemon's C++ maps and
 * sets are, so printing a parsed derivation gives back the same text.
 *
 * @example
 * const hello = makeDerivation({ name: "hello", system: "x86_64-linux", builder: "/bin/sh", args: ["-c", "echo hi > $out"] });
 * hello.path; // "/gnu/store/mjnvhnrq147j2vrib7axrp905ivx5zhq-hello.drv"
 * hello.text;
 * // 'Derive([("out","/gnu/store/klxz1v84pdc9nz82lga769p2hpc0q085-hello","","")],[],[],"x86_64-linux","/bin/sh",["-c","echo hi > $out"],[("builder","/bin/sh"),("name","hello"),("out","/gnu/store/klxz1v84pdc9nz82lga769p2hpc0q085-hello"),("system","x86_64-linux")])'
 */
import { StoreError } from "./errors.ts";
import { DEFAULT_STORE_DIR, compareBytes, fixedOutputPath, outputPath, sha256, sortedUnique, storePathName, textPath } from "./store-path.ts";

/** One output: its path, and for fixed-output derivations the expected hash. */
export interface DerivationOutput {
  path: string;
  /** "" or e.g. "sha256", "r:sha256" (recursive). */
  hashAlgo: string;
  /** "" or the expected hash in base16. */
  hash: string;
}

/** A parsed derivation. */
export interface Derivation {
  outputs: Map<string, DerivationOutput>;
  /** Input derivation paths and the outputs wanted from each. */
  inputDrvs: Map<string, string[]>;
  inputSrcs: string[];
  platform: string;
  builder: string;
  args: string[];
  env: Map<string, string>;
}

function formatError(message: string): StoreError {
  return new StoreError("derivation-format", message);
}

/** A cursor over the derivation text. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  expect(literal: string): void {
    if (!this.text.startsWith(literal, this.pos)) throw formatError(`expected string \`${literal}' at position ${this.pos}`);
    this.pos += literal.length;
  }

  /** True (and consumes `]`) at the end of a list; consumes a separating comma otherwise. */
  endOfList(): boolean {
    if (this.text[this.pos] === ",") {
      this.pos++;
      return false;
    }
    if (this.text[this.pos] === "]") {
      this.pos++;
      return true;
    }
    return false;
  }

  string(): string {
    this.expect('"');
    let out = "";
    // Bounded by the text: each iteration consumes a character.
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++]!;
      if (c === '"') return out;
      if (c === "\\") {
        const e = this.text[this.pos++];
        if (e === undefined) break;
        out += e === "n" ? "\n" : e === "r" ? "\r" : e === "t" ? "\t" : e;
      } else {
        out += c;
      }
    }
    throw formatError("unterminated string");
  }

  path(): string {
    const s = this.string();
    if (!s.startsWith("/")) throw formatError(`bad path \`${s}' in derivation`);
    return s;
  }

  strings(arePaths: boolean): string[] {
    const out: string[] = [];
    while (!this.endOfList()) out.push(arePaths ? this.path() : this.string());
    return out;
  }
}

/**
 * Parses a derivation's text.
 *
 * @example
 * const drv = parseDerivation('Derive([("out","/gnu/store/klxz1v84pdc9nz82lga769p2hpc0q085-hello","","")],[],[],"x86_64-linux","/bin/sh",["-c","echo hi > $out"],[])');
 * [drv.platform, drv.builder, drv.args, drv.outputs.get("out")?.path]; // ["x86_64-linux", "/bin/sh", ["-c", "echo hi > $out"], "/gnu/store/klxz1v84pdc9nz82lga769p2hpc0q085-hello"]
 * let message = "";
 * try {
 *   parseDerivation("Derive([(");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "expected string `\"' at position 9"
 */
export function parseDerivation(text: string): Derivation {
  const c = new Cursor(text);
  c.expect("Derive([");
  const outputs = new Map<string, DerivationOutput>();
  while (!c.endOfList()) {
    c.expect("(");
    const id = c.string();
    c.expect(",");
    const path = c.path();
    c.expect(",");
    const hashAlgo = c.string();
    c.expect(",");
    const hash = c.string();
    c.expect(")");
    outputs.set(id, { path, hashAlgo, hash });
  }
  c.expect(",[");
  const inputDrvs = new Map<string, string[]>();
  while (!c.endOfList()) {
    c.expect("(");
    const path = c.path();
    c.expect(",[");
    inputDrvs.set(path, sortedUnique(c.strings(false)));
    c.expect(")");
  }
  c.expect(",[");
  const inputSrcs = sortedUnique(c.strings(true));
  c.expect(",");
  const platform = c.string();
  c.expect(",");
  const builder = c.string();
  c.expect(",[");
  const args = c.strings(false);
  c.expect(",[");
  const env = new Map<string, string>();
  while (!c.endOfList()) {
    c.expect("(");
    const name = c.string();
    c.expect(",");
    const value = c.string();
    c.expect(")");
    env.set(name, value);
  }
  c.expect(")");
  if (c.pos !== text.length) throw formatError("data after the derivation");
  return { outputs, inputDrvs, inputSrcs, platform, builder, args, env };
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else out += ch;
  }
  return `${out}"`;
}

function sortedEntries<V>(map: ReadonlyMap<string, V>): Array<[string, V]> {
  return [...map.entries()].sort(([a], [b]) => compareBytes(a, b));
}

/**
 * The derivation's text, exactly as the daemon prints it.
 *
 * @example
 * // collections are printed sorted, so a parsed text prints back the same
 * const { text } = makeDerivation({ name: "hello", system: "x86_64-linux", builder: "/bin/sh", env: { b: "2", a: "1" } });
 * unparseDerivation(parseDerivation(text)) === text; // true
 */
export function unparseDerivation(drv: Derivation): string {
  const outputs = sortedEntries(drv.outputs).map(([id, o]) => `(${quote(id)},${quote(o.path)},${quote(o.hashAlgo)},${quote(o.hash)})`);
  const inputs = sortedEntries(drv.inputDrvs).map(([path, names]) => `(${quote(path)},[${sortedUnique(names).map(quote).join(",")}])`);
  const sources = sortedUnique(drv.inputSrcs).map(quote);
  const env = sortedEntries(drv.env).map(([name, value]) => `(${quote(name)},${quote(value)})`);
  return `Derive([${outputs.join(",")}],[${inputs.join(",")}],[${sources.join(",")}],${quote(drv.platform)},${quote(drv.builder)},[${drv.args.map(quote).join(",")}],[${env.join(",")}])`;
}

/**
 * True for a fixed-output derivation: one output, `out`, with an expected hash.
 *
 * @example
 * const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
 * isFixedOutput(makeDerivation({ name: "src", system: "x86_64-linux", builder: "/bin/sh", fixed: { hashAlgo: "sha256", hash: empty } }).derivation); // true
 * isFixedOutput(makeDerivation({ name: "hello", system: "x86_64-linux", builder: "/bin/sh" }).derivation); // false
 */
export function isFixedOutput(drv: Derivation): boolean {
  const out = drv.outputs.get("out");
  return drv.outputs.size === 1 && out !== undefined && out.hash !== "";
}

/** Reads an input derivation by path (for hashing derivations that depend on others). */
export type DerivationLookup = (drvPath: string) => Derivation;

/**
 * The hash output paths are computed from (hashDerivationModulo): for a
 * fixed-output derivation, a hash of its expected output; otherwise the
 * SHA-256 of its text with each input derivation path replaced by that
 * input's own hash modulo, in base16.
 *
 * @example
 * // two ways of fetching the same content: different .drv files …
 * const fixed = { hashAlgo: "sha256", hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" };
 * const viaSh = makeDerivation({ name: "src", system: "x86_64-linux", builder: "/bin/sh", fixed });
 * const viaBash = makeDerivation({ name: "src", system: "x86_64-linux", builder: "/bin/bash", fixed });
 * viaSh.path === viaBash.path; // false
 * // … so derivations using one or the other differ too, but their hash modulo (and outputs) do not
 * const drvs = new Map([[viaSh.path, viaSh.derivation], [viaBash.path, viaBash.derivation]]);
 * const lookup = (path: string) => drvs.get(path)!;
 * const user = (input: { path: string }) => makeDerivation({ name: "a", system: "x86_64-linux", builder: "/bin/sh", inputDrvs: new Map([[input.path, ["out"]]]) }, "/gnu/store", lookup);
 * user(viaSh).path === user(viaBash).path; // false
 * hashDerivationModulo(user(viaSh).derivation, lookup).equals(hashDerivationModulo(user(viaBash).derivation, lookup)); // true
 */
export function hashDerivationModulo(drv: Derivation, lookup: DerivationLookup, memo: Map<string, Buffer> = new Map()): Buffer {
  if (isFixedOutput(drv)) {
    const out = drv.outputs.get("out")!;
    return sha256(`fixed:out:${out.hashAlgo}:${out.hash}:${out.path}`);
  }
  const inputs = new Map<string, string[]>();
  for (const [path, names] of drv.inputDrvs) {
    let hash = memo.get(path);
    if (hash === undefined) {
      hash = hashDerivationModulo(lookup(path), lookup, memo);
      memo.set(path, hash);
    }
    inputs.set(hash.toString("hex"), names);
  }
  return sha256(unparseDerivation({ ...drv, inputDrvs: inputs }));
}

/**
 * The output paths a derivation named `name` must have (what the daemon
 * checks in checkDerivationOutputs), by output id.
 *
 * @example
 * const { derivation } = makeDerivation({ name: "hello", system: "x86_64-linux", builder: "/bin/sh", outputs: ["out", "doc"] });
 * [...expectedOutputPaths(derivation, "hello", "/gnu/store", () => derivation)];
 * // [["out", "/gnu/store/akvjwq5bi3wyx5mbr4sxjxby69prrrqs-hello"], ["doc", "/gnu/store/zlrxkpq22v2m42pvymdbf73kjn4zsz69-hello-doc"]]
 */
export function expectedOutputPaths(drv: Derivation, name: string, storeDir: string, lookup: DerivationLookup): Map<string, string> {
  const paths = new Map<string, string>();
  if (isFixedOutput(drv)) {
    const out = drv.outputs.get("out")!;
    const recursive = out.hashAlgo.startsWith("r:");
    const algorithm = recursive ? out.hashAlgo.slice(2) : out.hashAlgo;
    paths.set("out", fixedOutputPath(recursive, algorithm, Buffer.from(out.hash, "hex"), name, storeDir));
    return paths;
  }
  const blank: Derivation = {
    ...drv,
    outputs: new Map([...drv.outputs].map(([id, o]) => [id, { ...o, path: "" }])),
    env: new Map([...drv.env, ...[...drv.outputs.keys()].map((id): [string, string] => [id, ""])]),
  };
  const hash = hashDerivationModulo(blank, lookup);
  for (const id of drv.outputs.keys()) paths.set(id, outputPath(id, hash, name, storeDir));
  return paths;
}

/**
 * Throws the daemon's error unless the derivation at `drvPath` has the output
 * paths its contents imply (and each output's path in its environment).
 *
 * @example
 * const hello = makeDerivation({ name: "hello", system: "x86_64-linux", builder: "/bin/sh" });
 * const noInputs = () => hello.derivation;
 * checkDerivationOutputs(hello.path, hello.derivation, "/gnu/store", noInputs); // undefined
 * // changed after its output paths were computed, the derivation is refused
 * hello.derivation.env.set("greeting", "bonjour");
 * let message = "";
 * try {
 *   checkDerivationOutputs(hello.path, hello.derivation, "/gnu/store", noInputs);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message;
 * // "derivation `/gnu/store/f47mxipnr8vqml37mmaiy9g45z5h81mc-hello.drv' has incorrect output `/gnu/store/iq9arw05i99k05fa4mr3j7zjfpg3gzpv-hello', should be `/gnu/store/8nwmrcy46z86cara18338ra0zcm4bwql-hello'"
 */
export function checkDerivationOutputs(drvPath: string, drv: Derivation, storeDir: string, lookup: DerivationLookup): void {
  const fileName = storePathName(drvPath, storeDir);
  if (!fileName.endsWith(".drv")) throw formatError(`\`${drvPath}' is not a derivation`);
  const name = fileName.slice(0, -".drv".length);
  if (isFixedOutput(drv) && !drv.outputs.has("out")) throw formatError(`derivation \`${drvPath}' does not have an output named \`out'`);
  const expected = expectedOutputPaths(drv, name, storeDir, lookup);
  for (const [id, output] of drv.outputs) {
    const want = expected.get(id)!;
    if (output.path !== want || drv.env.get(id) !== want) {
      throw formatError(`derivation \`${drvPath}' has incorrect output \`${output.path}', should be \`${want}'`);
    }
  }
}

/** What {@link makeDerivation} needs: the parts a caller chooses. */
export interface DerivationSpec {
  name: string;
  system: string;
  builder: string;
  args?: readonly string[];
  /** Environment beyond what is filled in (`out`/output names, `name`, `system`, `builder`). */
  env?: Readonly<Record<string, string>>;
  /** Output ids (default `["out"]`). */
  outputs?: readonly string[];
  /** Input derivations and the outputs wanted from each. */
  inputDrvs?: ReadonlyMap<string, readonly string[]>;
  inputSrcs?: readonly string[];
  /** For a fixed-output derivation: algorithm ("sha256", "r:sha256"…) and base16 hash. */
  fixed?: { hashAlgo: string; hash: string };
}

/**
 * Builds a complete derivation (output paths filled in as the daemon expects,
 * environment with `name`, `system`, `builder` and each output, as Guix's
 * `derivation` does) and computes its `.drv` path.
 *
 * @example
 * const built = makeDerivation({ name: "hello", system: "x86_64-linux", builder: "/bin/sh", inputSrcs: ["/gnu/store/00000000000000000000000000000000-builder.sh"] });
 * built.references; // ["/gnu/store/00000000000000000000000000000000-builder.sh"]
 * [...built.derivation.env];
 * // [["name", "hello"], ["system", "x86_64-linux"], ["builder", "/bin/sh"], ["out", "/gnu/store/cirjvpg3zy7x31saszrr8kip5mjgk5kf-hello"]]
 * // the daemon gives the same path back: await store.addTextToStore("hello.drv", built.text, built.references)
 * built.path; // "/gnu/store/w00pwma8vmam62256yf48ivbhz2wvinb-hello.drv"
 */
export function makeDerivation(
  spec: DerivationSpec,
  storeDir: string = DEFAULT_STORE_DIR,
  lookup: DerivationLookup = () => {
    throw formatError("input derivations need a lookup function");
  },
): { derivation: Derivation; path: string; text: string; references: string[] } {
  const ids = spec.fixed !== undefined ? ["out"] : [...(spec.outputs ?? ["out"])];
  const env = new Map<string, string>(Object.entries(spec.env ?? {}));
  env.set("name", spec.name);
  env.set("system", spec.system);
  env.set("builder", spec.builder);
  const outputs = new Map<string, DerivationOutput>(ids.map((id) => [id, { path: "", hashAlgo: spec.fixed?.hashAlgo ?? "", hash: spec.fixed?.hash ?? "" }]));
  for (const id of ids) env.set(id, "");
  const derivation: Derivation = {
    outputs,
    inputDrvs: new Map([...(spec.inputDrvs ?? new Map<string, readonly string[]>())].map(([path, names]) => [path, sortedUnique(names)])),
    inputSrcs: sortedUnique(spec.inputSrcs ?? []),
    platform: spec.system,
    builder: spec.builder,
    args: [...(spec.args ?? [])],
    env,
  };
  const paths = expectedOutputPaths(derivation, spec.name, storeDir, lookup);
  for (const [id, path] of paths) {
    derivation.outputs.get(id)!.path = path;
    env.set(id, path);
  }
  const text = unparseDerivation(derivation);
  const references = sortedUnique([...derivation.inputSrcs, ...derivation.inputDrvs.keys()]);
  return { derivation, path: textPath(`${spec.name}.drv`, text, references, storeDir), text, references };
}
