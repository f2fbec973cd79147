import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SeededRandom } from "../helpers/seeded-random.ts";
import { generateMachinesFile } from "./machines-generator.ts";

function corpus(seed: number, count: number): string[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => generateMachinesFile(random, i));
}

describe("SeededRandom", () => {
  it("repeats its sequence for a seed and stays in range", () => {
    const a = new SeededRandom(99);
    const b = new SeededRandom(99);
    for (let i = 0; i < 1000; i++) {
      const x = a.int(3, 7);
      assert.equal(x, b.int(3, 7));
      assert.ok(x >= 3 && x <= 7);
    }
  });
});

describe("generateMachinesFile", () => {
  it("gives the same files for the same seed, and other files for another seed", () => {
    assert.deepEqual(corpus(7, 20), corpus(7, 20));
    assert.notDeepEqual(corpus(7, 20), corpus(8, 20));
  });

  it("covers the syntax the generative test is meant to exercise", () => {
    const text = corpus(12345, 300).join("\n");
    const features: Record<string, RegExp> = {
      inherit: /\(inherit machine-\d+\)/,
      "datum comment": /#;/,
      "block comment": /#\|/,
      "quoted systems": /\(systems '\(/,
      "quote written out": /\(quote \(/,
      quasiquote: /`\(,/,
      "trailing-dot float": /\(speed \d\.\)/,
      rational: /3\/2|3\/4/,
      "#f threshold": /\(overload-threshold #f\)/,
      "deprecated system": /\(system "/,
      "escaped quote": /\\"/,
      "raw newline in a string": /"[^"\n]*\n[^"]*"/,
      "UTF-8": /[é…日😀]/,
      "define-module": /\(define-module/,
      "Guix System one-line format": /\(@ \(srfi srfi-1\) append-map\)/,
      "let* reference": /\(string-append "u-" name\)/,
      brackets: /\[\w[\w-]* /,
      template: /\(define \(template host\)/,
      "not a list": /\(vector /,
    };
    const missing = Object.entries(features)
      .filter(([, pattern]) => !pattern.test(text))
      .map(([name]) => name);
    assert.deepEqual(missing, []);
  });

  it("never puts a tab outside a string escape", () => {
    assert.ok(!corpus(3, 200).some((file) => file.includes("\t")));
  });
});
