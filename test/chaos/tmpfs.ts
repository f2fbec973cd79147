/**
 * Small tmpfs file systems for disk-full tests (root only): mounted over a
 * directory, unmounted by the test — or, if the process ends first, lazily
 * on exit, so the temporary directory under it can still be removed.
 *
 * @example
 * import { canMount, mountTmpfs } from "./tmpfs.ts";
 * const unmount = mountTmpfs(dir, 8 << 20); // dir now holds at most 8 MiB
 * unmount();
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";

const mounted = new Set<string>();
process.once("exit", () => {
  for (const dir of mounted) unmountQuietly(dir);
});

/**
 * Why disk-full tests cannot run here, or false when they can (the reason is the test's skip message).
 *
 * @example
 * it("fills the disk", { skip: cannotMount() }, () => { … });
 */
export function cannotMount(): string | false {
  return process.getuid?.() === 0 ? false : "needs root to mount a small tmpfs";
}

/**
 * Mount a tmpfs of `bytes` over `dir` (created if missing); returns the unmount function.
 *
 * @example
 * const unmount = mountTmpfs("/tmp/x/home/.cache", 8 << 20);
 */
export function mountTmpfs(dir: string, bytes: number): () => void {
  mkdirSync(dir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0755`, "tmpfs", dir], { stdio: "pipe" });
  mounted.add(dir);
  return () => {
    if (!mounted.delete(dir)) return;
    unmountQuietly(dir);
  };
}

function unmountQuietly(dir: string): void {
  try {
    execFileSync("umount", ["-l", dir], { stdio: "ignore" });
  } catch {
    // Already gone.
  }
}
