/**
 * Whether a machine whose `uname -m` / `uname -s` we know can build for a
 * Guix system type such as `x86_64-linux` or `armhf-linux`: natively, through
 * a native 32-bit pair (x86_64 runs i686, aarch64 runs armhf), or only under
 * emulation (QEMU through binfmt_misc, or a GNU/Hurd VM for `*-gnu`).
 *
 * @example
 * import { systemSupport } from "./architecture.ts";
 * systemSupport({ machine: "x86_64", kernel: "Linux" }, "i686-linux");   // { kind: "native-pair" }
 * systemSupport({ machine: "x86_64", kernel: "Linux" }, "aarch64-linux"); // { kind: "emulation", binfmt: "qemu-aarch64" }
 */

/** The remote's `uname -m` and `uname -s`. */
export interface RemotePlatform {
  machine: string;
  kernel: string;
}

/** How a remote can serve one system type. */
export type SystemSupport =
  { kind: "native" } | { kind: "native-pair" } | { kind: "emulation"; binfmt: string | null } | { kind: "hurd-vm" } | { kind: "unknown-system" };

/** CPU names as Guix spells them in system types, keyed by the `uname -m` spellings. */
const CPU_BY_UNAME: Readonly<Record<string, string>> = {
  x86_64: "x86_64",
  amd64: "x86_64",
  i386: "i686",
  i486: "i686",
  i586: "i686",
  i686: "i686",
  aarch64: "aarch64",
  arm64: "aarch64",
  armv7l: "armhf",
  armv8l: "armhf",
  armhf: "armhf",
  ppc64le: "powerpc64le",
  ppc64: "powerpc64",
  ppc: "powerpc",
  riscv64: "riscv64",
  mips64: "mips64el",
  loongarch64: "loongarch64",
};

/** 32-bit systems a 64-bit CPU runs without emulation. */
const NATIVE_PAIRS: Readonly<Record<string, readonly string[]>> = {
  x86_64: ["i686"],
  aarch64: ["armhf"],
};

/** The QEMU binfmt_misc entry names (as Guix's qemu-binfmt service registers them) per CPU. */
const BINFMT_BY_CPU: Readonly<Record<string, string>> = {
  x86_64: "qemu-x86_64",
  i686: "qemu-i386",
  aarch64: "qemu-aarch64",
  armhf: "qemu-arm",
  powerpc64le: "qemu-ppc64le",
  powerpc64: "qemu-ppc64",
  powerpc: "qemu-ppc",
  riscv64: "qemu-riscv64",
  mips64el: "qemu-mips64el",
  loongarch64: "qemu-loongarch64",
};

/**
 * The Guix CPU name for a `uname -m` value (unknown values pass through).
 *
 * @example
 * guixCpu("armv7l"); // "armhf"
 */
export function guixCpu(unameMachine: string): string {
  return CPU_BY_UNAME[unameMachine] ?? unameMachine;
}

/**
 * How `platform` can serve `system`.
 *
 * @example
 * systemSupport({ machine: "aarch64", kernel: "Linux" }, "armhf-linux").kind; // "native-pair"
 */
export function systemSupport(platform: RemotePlatform, system: string): SystemSupport {
  const match = /^([a-z0-9_]+)-([a-z]+)$/.exec(system);
  if (match === null) return { kind: "unknown-system" };
  const [, wantedCpu, wantedKernel] = match as unknown as [string, string, string];
  const cpu = guixCpu(platform.machine);
  const kernel = platform.kernel.toLowerCase();
  if (wantedKernel === "gnu") return kernel === "gnu" && cpu === wantedCpu ? { kind: "native" } : { kind: "hurd-vm" };
  if (wantedKernel !== "linux") return { kind: "unknown-system" };
  if (kernel !== "linux") return { kind: "emulation", binfmt: null };
  if (cpu === wantedCpu) return { kind: "native" };
  if (NATIVE_PAIRS[cpu]?.includes(wantedCpu) === true) return { kind: "native-pair" };
  return { kind: "emulation", binfmt: BINFMT_BY_CPU[wantedCpu] ?? null };
}
