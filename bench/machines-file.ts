const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIkqSLni8KQqtAS6lMphPW3Nlpi0wf2bwizs590BDzAe root@build";

/**
 * The generated machines file the benchmarks share: `count` build-machine
 * forms in the hand-written shape (comments, a define, ~350 bytes each).
 *
 * @example
 * writeFileSync(file, generateMachinesFile(10_000)); // about 3.5 MB
 */
export function generateMachinesFile(count: number): string {
  const parts = [";; generated benchmark file\n(define %key \"/etc/guix/offload/id_ed25519\")\n(list\n"];
  for (let i = 0; i < count; i++) {
    parts.push(`  ;; machine ${i}\n  (build-machine\n    (name "build${i}.example.org")\n    (port ${22 + (i % 5)})\n    (systems (list "x86_64-linux" "i686-linux"))\n    (user "offload")\n    (host-key "${KEY}${i}")\n    (private-key %key)\n    (parallel-builds ${1 + (i % 4)})\n    (speed ${(1 + (i % 3) / 2).toFixed(1)})\n    (features '("kvm")))\n`);
  }
  parts.push(")\n");
  return parts.join("");
}

