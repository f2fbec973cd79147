/**
 * Random file trees for store tests and benchmarks, from a seed (so a
 * failure can be replayed): names as arbitrary bytes (invalid UTF-8, spaces,
 * newlines, backslashes — anything but `/` and NUL), empty and executable
 * files, symlinks with odd targets (dangling, absolute, `..`), deep nesting.
 *
 * @example
 * import { randomTree } from "../store/trees.ts";
 * randomTree("/tmp/x/tree", 42);
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { SeededRandom } from "../helpers/seeded-random.ts";

/** Shape of a random tree. */
export interface TreeOptions {
  /** Entries per directory, at most (default 6). */
  maxEntries?: number;
  /** Nesting, at most (default 4). */
  maxDepth?: number;
  /** Largest file (default 3000 bytes). */
  maxFileSize?: number;
  /** Add a chain of this many nested directories somewhere (default 0). */
  deepChain?: number;
}

function randomName(random: () => number): Buffer {
  const length = 1 + Math.floor(random() * 12);
  const bytes: number[] = [];
  for (let i = 0; i < length; i++) {
    let byte = Math.floor(random() * 256);
    if (byte === 0 || byte === 0x2f) byte = 0x5f;
    bytes.push(byte);
  }
  const name = Buffer.from(bytes);
  if (name.equals(Buffer.from(".")) || name.equals(Buffer.from(".."))) return Buffer.from("dot");
  return name;
}

function join(dir: Buffer, name: Buffer | string): Buffer {
  return Buffer.concat([dir, Buffer.from("/"), typeof name === "string" ? Buffer.from(name) : name]);
}

const TARGETS = ["", "..", "../..", "/etc/passwd", "nowhere", "a b", "\u00e9t\u00e9"];

/**
 * Creates a random tree at `path` (which must not exist) from `seed`.
 *
 * @example
 * randomTree(join(dir, "t"), 7, { deepChain: 60 });
 */
export function randomTree(path: string, seed: number, options: TreeOptions = {}): void {
  const generator = new SeededRandom(seed);
  const random = (): number => generator.next();
  const maxEntries = options.maxEntries ?? 6;
  const maxDepth = options.maxDepth ?? 4;
  const maxFileSize = options.maxFileSize ?? 3000;
  const fill = (dir: Buffer, depth: number): void => {
    mkdirSync(dir);
    const count = Math.floor(random() * (maxEntries + 1));
    const used = new Set<string>();
    for (let i = 0; i < count; i++) {
      const name = randomName(random);
      const key = name.toString("hex");
      if (used.has(key)) continue;
      used.add(key);
      const child = join(dir, name);
      const kind = random();
      if (kind < 0.25 && depth < maxDepth) {
        fill(child, depth + 1);
      } else if (kind < 0.4) {
        const pick = Math.floor(random() * (TARGETS.length + 1));
        const target = pick < TARGETS.length && TARGETS[pick] !== "" ? Buffer.from(TARGETS[pick]!) : randomName(random);
        symlinkSync(target, child);
      } else {
        const size = random() < 0.2 ? 0 : Math.floor(random() * maxFileSize);
        const contents = Buffer.alloc(size);
        for (let j = 0; j < size; j++) contents[j] = Math.floor(random() * 256);
        writeFileSync(child, contents);
        if (random() < 0.3) chmodSync(child, 0o755);
      }
    }
  };
  const root = Buffer.from(path);
  fill(root, 0);
  if ((options.deepChain ?? 0) > 0) {
    let dir = join(root, "deep");
    mkdirSync(dir);
    for (let i = 0; i < options.deepChain!; i++) {
      dir = join(dir, String(i % 10));
      mkdirSync(dir);
    }
    writeFileSync(join(dir, "bottom"), "bottom\n");
  }
}
