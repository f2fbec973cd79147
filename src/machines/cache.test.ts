import assert from "node:assert/strict";
import { readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SchemeError } from "../scheme/errors.ts";
import { DEFAULT_MAX_STEPS } from "../scheme/limit-defaults.ts";
import { loadMachinesCached } from "./cache.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIkqSLni8KQqtAS6lMphPW3Nlpi0wf2bwizs590BDzAe root@x";

/** A fresh directory with a state directory and a machines file made of `text`. */
function setup(text: string): { dir: string; file: string; state: string } {
  const dir = tempDir("offload-cache-");
  const file = join(dir, "machines.scm");
  writeFileSync(file, text);
  return { dir, file, state: join(dir, "state") };
}

/** A build-machine form; `fields` replace the defaults given here. */
function machine(name: string, fields: Record<string, string> = {}): string {
  const all = { user: '"u"', "host-key": `"${KEY}"`, systems: '(list "x86_64-linux")', ...fields };
  return `(build-machine (name "${name}")${Object.entries(all)
    .map(([field, value]) => ` (${field} ${value})`)
    .join("")})`;
}

/** Rewrite a file so that its stamp certainly changes, even within one clock tick. */
function rewrite(path: string, text: string): void {
  writeFileSync(path, text);
  const later = new Date(Date.now() + 5_000);
  utimesSync(path, later, later);
}

describe("loadMachinesCached", () => {
  it("evaluates once, then answers from the cache with the same machines and warnings", async () => {
    const { file, state } = setup(`(list ${machine("a", { systems: "#f", system: '"x86_64-linux"' })})`);
    const env = { HOME: "/home/u" };
    const first = await loadMachinesCached(file, state, env);
    const second = await loadMachinesCached(file, state, env);
    assert.equal(first.fromCache, false);
    assert.equal(second.fromCache, true);
    assert.deepEqual(second.machines, first.machines);
    assert.deepEqual(second.warnings, first.warnings);
    assert.deepEqual(
      first.warnings.map((w) => [w.code, w.location?.file, w.location?.line]),
      [["deprecated-system", file, 1]],
    );
    assert.equal(first.machines[0]!.privateKey, "/home/u/.ssh/id_rsa");
    assert.deepEqual(readdirSync(join(state, "machines")).length, 1);
  });

  it("evaluates again when the file changes", async () => {
    const { file, state } = setup(`(list ${machine("a")})`);
    await loadMachinesCached(file, state, {});
    rewrite(file, `(list ${machine("b")})`);
    const changed = await loadMachinesCached(file, state, {});
    assert.equal(changed.fromCache, false);
    assert.deepEqual(
      changed.machines.map((m) => m.name),
      ["b"],
    );
  });

  it("evaluates again when a file the evaluation loaded or read changes", async () => {
    const { dir, file, state } = setup(
      `(use-modules (ice-9 rdelim)) (load "more.scm") (list ${machine("a", { "host-key": '(call-with-input-file "key.pub" read-line)' })} extra)`,
    );
    writeFileSync(join(dir, "more.scm"), `(define extra ${machine("x")})`);
    writeFileSync(join(dir, "key.pub"), `${KEY}\n`);
    await loadMachinesCached(file, state, {});
    assert.equal((await loadMachinesCached(file, state, {})).fromCache, true);

    rewrite(join(dir, "key.pub"), "ssh-ed25519 AAAAnew\n");
    const newKey = await loadMachinesCached(file, state, {});
    assert.equal(newKey.fromCache, false);
    assert.equal(newKey.machines[0]!.hostKey, "ssh-ed25519 AAAAnew");

    rewrite(join(dir, "more.scm"), `(define extra ${machine("y")})`);
    const newLoad = await loadMachinesCached(file, state, {});
    assert.equal(newLoad.fromCache, false);
    assert.deepEqual(
      newLoad.machines.map((m) => m.name),
      ["a", "y"],
    );
  });

  it("evaluates again when a file it looked for appears", async () => {
    const { dir, file, state } = setup(`(list ${machine("a")} ${machine("b", { speed: '(if (file-exists? "fast") 2.0 1.0)' })})`);
    assert.equal((await loadMachinesCached(file, state, {})).machines[1]!.speed, 1);
    writeFileSync(join(dir, "fast"), "");
    const appeared = await loadMachinesCached(file, state, {});
    assert.equal(appeared.fromCache, false);
    assert.equal(appeared.machines[1]!.speed, 2);
  });

  it("evaluates again when an environment variable it read changes, and only then", async () => {
    const { file, state } = setup(`(list ${machine("a", { user: '(or (getenv "BUILD_USER") "nobody")' })})`);
    await loadMachinesCached(file, state, { BUILD_USER: "alice", HOME: "/h", UNRELATED: "1" });
    assert.equal((await loadMachinesCached(file, state, { BUILD_USER: "alice", HOME: "/h", UNRELATED: "2" })).fromCache, true);
    const otherUser = await loadMachinesCached(file, state, { BUILD_USER: "bob", HOME: "/h" });
    assert.equal(otherUser.fromCache, false);
    assert.equal(otherUser.machines[0]!.user, "bob");
    // HOME gives private-key its default.
    const otherHome = await loadMachinesCached(file, state, { BUILD_USER: "bob", HOME: "/elsewhere" });
    assert.equal(otherHome.fromCache, false);
    assert.equal(otherHome.machines[0]!.privateKey, "/elsewhere/.ssh/id_rsa");
  });

  it("never caches a failure, and recovers from a damaged cache", async () => {
    const { file, state } = setup(`(list ${machine("a")}`);
    await assert.rejects(loadMachinesCached(file, state, {}), SchemeError);
    await assert.rejects(loadMachinesCached(file, state, {}), SchemeError);
    rewrite(file, `(list ${machine("a")})`);
    assert.equal((await loadMachinesCached(file, state, {})).fromCache, false);
    const [entry] = readdirSync(join(state, "machines"));
    writeFileSync(join(state, "machines", entry!), "{ not json");
    const afterDamage = await loadMachinesCached(file, state, {});
    assert.equal(afterDamage.fromCache, false);
    assert.deepEqual(
      afterDamage.machines.map((m) => m.name),
      ["a"],
    );
  });

  it("keeps a result per set of limits: tight limits are applied, not answered from a generous evaluation", async () => {
    const { dir, file, state } = setup(
      `(define (count n) (if (= n 0) 0 (count (- n 1))))\n(count 200000)\n(define data (iota 100000))\n(load "more.scm")\n(list ${machine("a")})`,
    );
    writeFileSync(join(dir, "more.scm"), "");
    assert.equal((await loadMachinesCached(file, state, {})).fromCache, false);
    await assert.rejects(loadMachinesCached(file, state, {}, { maxSteps: 10_000 }), (error: SchemeError) => error.code === "limit-exceeded");
    await assert.rejects(loadMachinesCached(file, state, {}, { fileAccess: false }), (error: SchemeError) => /--no-file-access/.test(error.message));
    await assert.rejects(loadMachinesCached(file, state, {}, { maxMemory: 100_000 }), (error: SchemeError) => error.code === "limit-exceeded");
    // Generous limits of their own are an entry of their own; the default given explicitly is the same as none.
    assert.equal((await loadMachinesCached(file, state, {}, { maxSteps: 10_000_000 })).fromCache, false);
    assert.equal((await loadMachinesCached(file, state, {}, { maxSteps: 10_000_000 })).fromCache, true);
    assert.equal((await loadMachinesCached(file, state, {}, { maxSteps: DEFAULT_MAX_STEPS, fileAccess: true })).fromCache, true);
    assert.equal(readdirSync(join(state, "machines")).length, 2);
  });

  it("still loads when the state directory cannot be written", async () => {
    const { dir, file } = setup(`(list ${machine("a")})`);
    const notADirectory = join(dir, "plain-file");
    writeFileSync(notADirectory, "");
    const loaded = await loadMachinesCached(file, notADirectory, {});
    assert.deepEqual(
      loaded.machines.map((m) => m.name),
      ["a"],
    );
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("loadMachinesCached and facts about the machine", () => {
  it("records the host name and accounts a file asked for, and evaluates again when one changes", async () => {
    const { file, state } = setup(`(list ${machine("a", { "private-key": '(string-append (passwd:dir (getpw "root")) "/.ssh/id")', user: "(gethostname)" })})`);
    const first = await loadMachinesCached(file, state, {});
    assert.equal(first.machines[0]!.privateKey, "/root/.ssh/id");
    const [entry] = readdirSync(join(state, "machines"));
    const stored = JSON.parse(readFileSync(join(state, "machines", entry!), "utf8")) as { hostFacts: Record<string, string | null> };
    assert.deepEqual(Object.keys(stored.hostFacts).sort(), ["hostname", "passwd:root"]);
    assert.equal((await loadMachinesCached(file, state, {})).fromCache, true);
    // A host name that is no longer this machine's must not be trusted.
    stored.hostFacts.hostname = "some-other-host";
    writeFileSync(join(state, "machines", entry!), JSON.stringify(stored));
    assert.equal((await loadMachinesCached(file, state, {})).fromCache, false);
  });
});
