import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { AnyAuthMethod, AuthenticationType } from "ssh2";
import { generateKeyPair, machineRecord } from "../../test/helpers/sshd.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import type { BuildMachine } from "../machines/types.ts";
import { authHandlerFor } from "./authentication.ts";
import type { SshError } from "./errors.ts";
import { RestrictedAgent } from "./private-key.ts";

const dir = tempDir();
const plainKey = generateKeyPair(dir);
const encryptedKey = generateKeyPair(dir, { passphrase: "secret" });

function machine(privateKey: string | null): BuildMachine {
  return machineRecord({ hostKey: plainKey.publicLine, privateKey });
}

/** Call the handler the way ssh2 does, collecting what it answers. */
function ask(handler: ReturnType<typeof authHandlerFor>): AnyAuthMethod | AuthenticationType | false {
  let answer: AnyAuthMethod | AuthenticationType | false | undefined;
  handler(null, null, ((method: AnyAuthMethod | AuthenticationType | false) => (answer = method)) as never);
  assert.notEqual(answer, undefined, "the handler did not answer");
  return answer!;
}

describe("authHandlerFor", () => {
  it("offers the record's key once, as the record's user, then gives up", () => {
    const errors: SshError[] = [];
    const handler = authHandlerFor(machine(plainKey.privateKeyFile), {}, (error) => errors.push(error));
    const first = ask(handler);
    assert.ok(typeof first === "object" && first.type === "publickey" && first.username === "builder");
    assert.equal(ask(handler), false);
    assert.deepEqual(errors, []);
  });

  it("reports a key it cannot offer and gives up at once", () => {
    const errors: SshError[] = [];
    assert.equal(ask(authHandlerFor(machine(encryptedKey.privateKeyFile), {}, (error) => errors.push(error))), false);
    assert.deepEqual(
      errors.map((error) => error.code),
      ["key-encrypted"],
    );
    errors.length = 0;
    assert.equal(ask(authHandlerFor(machine(join(dir, "missing")), {}, (error) => errors.push(error))), false);
    assert.deepEqual(
      errors.map((error) => error.code),
      ["key-unreadable"],
    );
  });

  it("offers an agent restricted to the key when the key is encrypted and an agent socket is given", () => {
    const offered = ask(authHandlerFor(machine(encryptedKey.privateKeyFile), { agentSocket: join(dir, "agent.sock") }, () => undefined));
    assert.ok(typeof offered === "object" && offered.type === "agent" && offered.agent instanceof RestrictedAgent);
  });
});
