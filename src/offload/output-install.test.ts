import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { createStagingDir, installOutputs, removeStaleStaging } from "./output-install.ts";
import { processTag } from "./process-tag.ts";

const base = tempDir("offload-install-");

/** The tag of a process that has ended. */
function deadTag(): string {
  const child = spawnSync("/bin/sh", ["-c", 'read -r s < /proc/$$/stat; set -- ${s##*) }; shift 19; echo "$$.$1"'], { encoding: "utf8" });
  return `${processTag().split(".")[0]}.${child.stdout.trim()}`;
}

describe("installOutputs", () => {
  it("moves files and directories into place, replacing old ones, and removes the staging directory", () => {
    const destination = join(base, "dest");
    mkdirSync(join(destination, "tree"), { recursive: true });
    writeFileSync(join(destination, "tree", "old.txt"), "old");
    writeFileSync(join(destination, "file.txt"), "old");
    const staging = createStagingDir(destination, "job1");
    mkdirSync(join(staging, "tree"));
    writeFileSync(join(staging, "tree", "new.txt"), "new");
    writeFileSync(join(staging, "file.txt"), "new");
    mkdirSync(join(staging, "deep", "er"), { recursive: true });
    writeFileSync(join(staging, "deep", "er", "x"), "x");
    installOutputs(staging, destination, ["tree", "file.txt", "deep/er/x"]);
    assert.deepEqual(readdirSync(join(destination, "tree")), ["new.txt"]);
    assert.equal(readFileSync(join(destination, "file.txt"), "utf8"), "new");
    assert.equal(readFileSync(join(destination, "deep", "er", "x"), "utf8"), "x");
    assert.equal(existsSync(staging), false);
    assert.deepEqual(readdirSync(destination).sort(), ["deep", "file.txt", "tree"]);
  });

  it("says a local write failed, and still removes the staging directory", { skip: process.getuid?.() === 0 ? "root writes anywhere" : false }, () => {
    const destination = join(base, "read-only");
    const staging = createStagingDir(destination, "job2");
    writeFileSync(join(staging, "out"), "x");
    mkdirSync(join(destination, "sub"));
    chmodSync(join(destination, "sub"), 0o500);
    assert.throws(() => installOutputs(staging, destination, ["sub/deeper/out"]), { code: "local-write-failed" });
    chmodSync(join(destination, "sub"), 0o700);
    assert.equal(existsSync(staging), false);
  });

  it("refuses to install over a file where a directory is needed, as a local failure", () => {
    const destination = join(base, "clash");
    mkdirSync(destination);
    writeFileSync(join(destination, "plain"), "a file");
    const staging = createStagingDir(destination, "job3");
    mkdirSync(join(staging, "plain"));
    writeFileSync(join(staging, "plain", "x"), "x");
    assert.throws(
      () => installOutputs(staging, destination, ["plain/x"]),
      (error: Error & { code?: string }) => error.code === "local-write-failed" && /plain\/x/.test(error.message),
    );
  });
});

describe("staging directories of killed runs", () => {
  it("are removed; those of running processes and other hosts stay", () => {
    const dir = join(base, "stale");
    mkdirSync(dir);
    const tagged = (tag: string): string => {
      const name = `.offload-mij7hgk0-4f9a0c2b1e7d-${tag}-Ab12Cd`;
      mkdirSync(join(dir, name, "out"), { recursive: true });
      return name;
    };
    const killed = tagged(deadTag());
    const running = tagged(processTag());
    const elsewhere = tagged(`00000000.${process.pid}.1`);
    mkdirSync(join(dir, ".offload-oldjob-Xy12Zw"));
    const old = new Date(Date.now() - 2 * 24 * 3600_000);
    utimesSync(join(dir, ".offload-oldjob-Xy12Zw"), old, old);
    mkdirSync(join(dir, ".offload-newjob-Xy12Zw"));
    writeFileSync(join(dir, "user-file"), "kept");
    assert.deepEqual(removeStaleStaging(dir).sort(), [killed, ".offload-oldjob-Xy12Zw"].sort());
    assert.deepEqual(readdirSync(dir).sort(), [running, elsewhere, ".offload-newjob-Xy12Zw", "user-file"].sort());
  });

  it("are removed by the first staging directory a process makes in that directory", () => {
    const dir = join(base, "first");
    mkdirSync(dir);
    const killed = `.offload-j-${deadTag()}-Ab12Cd`;
    mkdirSync(join(dir, killed));
    const staging = createStagingDir(dir, "j9");
    assert.deepEqual(readdirSync(dir), [staging.slice(dir.length + 1)]);
    assert.match(staging, new RegExp(`/\\.offload-j9-${processTag().replaceAll(".", "\\.")}-[A-Za-z0-9]{6}$`));
  });
});
