import { test } from "node:test";
import assert from "node:assert/strict";
import { lintText } from "../linter.ts";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
const withSystems = (systems: string) => `(list (build-machine (name "b") (systems ${systems}) (user "u") (host-key "${HOST_KEY}")))\n`;
const found = (text: string) => lintText("m.scm", text).diagnostics.map((d) => `${d.rule}: ${d.message}`);

test("unknown systems get the Guix name that means the same architecture", () => {
  for (const [written, meant] of [
    ["arm64-linux", "aarch64-linux"],
    ["amd64-linux", "x86_64-linux"],
    ["x86-64-linux", "x86_64-linux"],
    ["ppc64le-linux", "powerpc64le-linux"],
    ["armv7-linux", "armhf-linux"],
  ]) {
    const [message, ...rest] = found(withSystems(`(list "${written}")`));
    assert.deepEqual(rest, [], written);
    assert.match(message!, new RegExp(`^unknown-system: "${written}" is not a Guix system type \\(did you mean "${meant}"\\?\\)`), written);
  }
  assert.match(found(withSystems('(list "x86_64-linx")'))[0]!, /did you mean "x86_64-linux"/, "typos still get the nearest name");
});

test("a template placeholder in systems is one diagnostic, not also an unknown system", () => {
  assert.deepEqual(found(withSystems('(list "${ARCH}-linux")')), [
    'placeholder: systems "${ARCH}-linux" contains a placeholder (a shell variable ${...}): fill in the real value',
  ]);
});

test("an (inherit …) out of place is one diagnostic, not also missing fields and systems", () => {
  const text = `(define base (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "${HOST_KEY}")))
(list base (build-machine (name "b") (inherit base) (port 2222)))\n`;
  const diagnostics = lintText("m.scm", text).diagnostics;
  assert.deepEqual(
    diagnostics.map((d) => [d.rule, d.span.text()]),
    [["extraneous-field-initializers", "inherit"]],
  );
  assert.match(diagnostics[0]!.message, /must be the first clause/);
});
