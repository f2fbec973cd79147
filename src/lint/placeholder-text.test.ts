import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRandom } from "../../test/helpers/seeded-random.ts";
import { isPlaceholderSymbol, placeholderIn } from "./placeholder-text.ts";

test("placeholders are found", () => {
  for (const text of [
    "",
    "  ",
    "FIXME",
    "ssh-ed25519 AAAAC3Nza…",
    "ssh-ed25519 xxxx…",
    "xxxxxxxx",
    "$(cat key.pub)",
    "${HOST}",
    "<host name>",
    "ssh-ed25519 AAAA... root@x",
    "TODO",
    "/path/to/private-key",
    "path/to/key",
  ]) {
    assert.ok(placeholderIn(text), text);
  }
});

test("real values are not placeholders", () => {
  for (const text of [
    "build1.example.org",
    "todo-list.example.org",
    "root@(none)",
    "/etc/guix/machines.scm",
    "/srv/xpath/to/key",
    "/home/path/top",
    "zlib@openssh.com,zlib",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF root@build2",
  ]) {
    assert.equal(placeholderIn(text), undefined, text);
  }
});

test("template symbols", () => {
  assert.ok(isPlaceholderSymbol("${SYSTEMS}"));
  assert.ok(!isPlaceholderSymbol("%openssh-private-key"));
});

/** The ellipsis patterns as regular expressions, as they were written before they scanned word by word. */
const ELLIPSIS_REGEXES: ReadonlyArray<[RegExp, string]> = [
  [/\S*…/, "an elided value (…)"],
  [/(?<![./\w])\S*\.\.\.(?!\S)/, "an elided value (...)"],
];

test("the word-by-word ellipsis patterns find exactly what the regular expressions found", () => {
  // Short random texts over the characters the patterns care about: every case the regexes distinguish comes up.
  const alphabet = ["a", ".", "/", "…", " ", "\t", "-", "x", "@", "_"];
  const random = new SeededRandom(15);
  const next = (n: number) => random.int(0, n - 1);
  let compared = 0;
  for (let i = 0; i < 20_000; i++) {
    const text = Array.from({ length: 1 + next(12) }, () => alphabet[next(alphabet.length)]!).join("");
    const found = placeholderIn(text);
    if (found !== undefined && !found.what.startsWith("an elided value")) continue;
    const expected = ELLIPSIS_REGEXES.map(([re, what]) => {
      const m = re.exec(text);
      return m ? { index: m.index, length: m[0].length, what } : undefined;
    }).find((m) => m !== undefined);
    assert.deepEqual(found, text.trim() === "" ? { index: 0, length: text.length, what: "an empty string" } : expected, JSON.stringify(text));
    compared++;
  }
  assert.ok(compared > 10_000, `${compared} texts compared`);
});

test("a multi-megabyte word is looked at once, not from each of its positions", () => {
  // Each of these took minutes with a regex restarting at every position (issue 15, item 9).
  const long = 3_000_000;
  assert.equal(placeholderIn("-".repeat(long)), undefined);
  assert.equal(placeholderIn("<a".repeat(long / 2)), undefined);
  assert.deepEqual(placeholderIn(`${"%".repeat(long)}...`), { index: 0, length: long + 3, what: "an elided value (...)" });
  assert.deepEqual(placeholderIn(`key ${"-".repeat(long)}…`), { index: 4, length: long + 1, what: "an elided value (…)" });
});
