/**
 * This host's system type in Guix's spelling, the default for `--system`.
 *
 * @example
 * import { localSystem } from "./local-system.ts";
 * localSystem("x64", "linux"); // "x86_64-linux"
 * // without arguments, this host's: x86_64-linux on a 64-bit PC running Linux
 * localSystem();
 */
import { arch, platform } from "node:os";

const ARCHITECTURES: Record<string, string> = {
  x64: "x86_64",
  ia32: "i686",
  arm64: "aarch64",
  arm: "armhf",
  ppc64: "powerpc64le",
  riscv64: "riscv64",
  mips64el: "mips64el",
};

const KERNELS: Record<string, string> = { linux: "linux", freebsd: "freebsd", darwin: "darwin", gnu: "gnu" };

/**
 * The Guix system of the given Node architecture and platform (default: this host).
 *
 * @example
 * localSystem("arm64", "linux"); // "aarch64-linux"
 * // a name Guix spells the same way is kept
 * localSystem("riscv64", "linux"); // "riscv64-linux"
 * localSystem("s390x", "linux"); // "s390x-linux"
 */
export function localSystem(nodeArch: string = arch(), nodePlatform: string = platform()): string {
  return `${ARCHITECTURES[nodeArch] ?? nodeArch}-${KERNELS[nodePlatform] ?? nodePlatform}`;
}
