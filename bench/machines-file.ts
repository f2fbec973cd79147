const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIkqSLni8KQqtAS6lMphPW3Nlpi0wf2bwizs590BDzAe root@build";

/**
 * The generated machines file the benchmarks share: `count` build-machine
 * forms in the hand-written shape (comments, a define, ~350 bytes each).
 *
 * @example
 * writeFileSync(file, generateMachinesFile(10_000)); // about 3.5 MB
 */
export function generateMachinesFile(count: number): string {
  const parts = [';; generated benchmark file\n(define %key "/etc/guix/offload/id_ed25519")\n(list\n'];
  for (let i = 0; i < count; i++) {
    parts.push(
      `  ;; machine ${i}\n  (build-machine\n    (name "build${i}.example.org")\n    (port ${22 + (i % 5)})\n    (systems (list "x86_64-linux" "i686-linux"))\n    (user "offload")\n    (host-key "${KEY}${i}")\n    (private-key %key)\n    (parallel-builds ${1 + (i % 4)})\n    (speed ${(1 + (i % 3) / 2).toFixed(1)})\n    (features '("kvm")))\n`,
    );
  }
  parts.push(")\n");
  return parts.join("");
}

/**
 * The same machines written with the idioms of issue 10: data matched with
 * `(ice-9 match)`, a `define-syntax-rule` for the record, names from
 * `(ice-9 format)`, `cut` and `fold` from SRFI 26 and 1. Shows what the
 * new forms cost when they are used.
 *
 * @example
 * writeFileSync(file, generateIdiomsFile(1_000));
 */
export function generateIdiomsFile(count: number): string {
  const parts = [
    ";; generated benchmark file: real-world Guile idioms\n",
    "(use-modules (ice-9 match) (ice-9 format) (srfi srfi-1) (srfi srfi-26))\n",
    `(define-syntax-rule (machine host port slots speed)\n  (build-machine (name host) (port port) (systems (list "x86_64-linux" "i686-linux")) (user "offload")\n                 (host-key "${KEY}") (private-key "/etc/guix/offload/id_ed25519") (parallel-builds slots) (speed speed) (features '("kvm"))))\n`,
    "(define specs '(\n",
  ];
  for (let i = 0; i < count; i++) parts.push(`  (${i} ${22 + (i % 5)} ${1 + (i % 4)} ${(1 + (i % 3) / 2).toFixed(1)})\n`);
  parts.push("))\n");
  parts.push(
    '(fold-right cons \'()\n  (map (match-lambda\n         ((i port slots speed)\n          (machine (format #f "build~d.example.org" i) port slots speed)))\n       (filter (cut every number? <>) specs)))\n',
  );
  return parts.join("");
}
