import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HookError } from "./errors.ts";
import { formatHookReply, parseHookRequest, parsePathList } from "./request.ts";

const drv = "/gnu/store/w119s5669dzhjvqr7jnjfpq7395c6pgg-real1.drv";

describe("hook requests", () => {
  it("reads the line a real guix-daemon wrote (no features: the line ends with a space)", () => {
    assert.deepEqual(parseHookRequest(`1 x86_64-linux ${drv} `), { amWilling: true, system: "x86_64-linux", drvPath: drv, features: [] });
  });

  it("reads the local-slots flag and comma-separated features", () => {
    assert.deepEqual(parseHookRequest(`0 aarch64-linux ${drv} kvm,big-parallel`), {
      amWilling: false,
      system: "aarch64-linux",
      drvPath: drv,
      features: ["kvm", "big-parallel"],
    });
  });

  it("refuses anything else with Guix's message", () => {
    for (const line of [
      "",
      "hello",
      `2 x86_64-linux ${drv} `,
      `1 X86 ${drv} `,
      `1 x86_64-linux /gnu/store/x-y `,
      `1 x86_64-linux ${drv}`,
      `1 x86_64-linux ${drv} a b`,
    ]) {
      assert.throws(
        () => parseHookRequest(line),
        (error: unknown) => error instanceof HookError && error.code === "invalid-request" && error.message === `invalid request line: ${JSON.stringify(line)}`,
        line,
      );
    }
  });

  it("splits the two lines after # accept, keeping the daemon's order and dropping repeats", () => {
    assert.deepEqual(parsePathList("/gnu/store/b-y /gnu/store/a-x /gnu/store/b-y ", "inputs"), ["/gnu/store/b-y", "/gnu/store/a-x"]);
    assert.deepEqual(parsePathList("", "outputs"), []);
    assert.throws(
      () => parsePathList("relative/path ", "inputs"),
      (error: unknown) => error instanceof HookError && error.code === "daemon-protocol",
    );
  });

  it("marks replies with '# '", () => {
    assert.equal(formatHookReply("accept"), "# accept\n");
    assert.equal(formatHookReply("postpone"), "# postpone\n");
  });
});
