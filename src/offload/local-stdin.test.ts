import { spawnSync } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { nothingToForward } from "./local-stdin.ts";

describe("which standard input is forwarded", () => {
  it("not /dev/null, nor a closed descriptor; a file is", () => {
    const devNull = openSync("/dev/null", "r");
    const file = join(tempDir("offload-stdin-"), "input");
    writeFileSync(file, "x");
    const regular = openSync(file, "r");
    try {
      assert.equal(nothingToForward(devNull), true);
      assert.equal(nothingToForward(regular), false);
      assert.equal(nothingToForward(987654), true);
    } finally {
      closeSync(devNull);
      closeSync(regular);
    }
  });

  it("a pipe is, another character device is", () => {
    const module = new URL("./local-stdin.ts", import.meta.url).href;
    const script = `import { nothingToForward } from ${JSON.stringify(module)}; process.stdout.write(String(nothingToForward(0)));`;
    const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
    const piped = spawnSync(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], { input: "data", encoding: "utf8" });
    assert.equal(piped.stdout, "false", piped.stderr);
    const zero = spawnSync(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], {
      stdio: [openSync("/dev/zero", "r"), "pipe", "pipe"],
      encoding: "utf8",
    });
    assert.equal(zero.stdout, "false", zero.stderr);
  });
});
