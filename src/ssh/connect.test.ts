import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  decryptedCopy,
  freePort,
  generateKeyPair,
  sharedClientKey,
  startAgent,
  startSilentServer,
  startSshd,
  type KeyPair,
  type TestSshd,
} from "../../test/helpers/sshd.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import ssh2 from "ssh2";
import type { BuildMachine } from "../machines/types.ts";
import { HostKeyMismatchError, SshError, type ConnectStage, type SshErrorCode } from "./errors.ts";
import { tcpError } from "./connect.ts";
import { credentialsFromEnvironment } from "./credentials.ts";
import { SshSession, type ConnectOptions } from "./session.ts";

const keyDir = tempDir();
const encrypted = generateKeyPair(keyDir, { type: "ed25519", passphrase: "open sesame" });
const stranger = generateKeyPair(keyDir, { type: "ed25519", comment: "not authorized" });
const clientKeys: KeyPair[] = [
  generateKeyPair(keyDir, { type: "rsa", format: "openssh" }),
  generateKeyPair(keyDir, { type: "rsa", format: "pem" }),
  generateKeyPair(keyDir, { type: "ecdsa", format: "openssh" }),
  generateKeyPair(keyDir, { type: "ecdsa", format: "pem" }),
];
const pkcs8 = generateKeyPair(keyDir, { type: "rsa", format: "pkcs8" });
/** Options that never pick up an agent or passphrase from the environment. */
const isolated: ConnectOptions = { agentSocket: "", timeoutMs: 10_000 };

let server: TestSshd;

before(async () => {
  server = await startSshd({
    hostKeyTypes: ["ed25519", "rsa", "ecdsa"],
    authorizedKeys: [sharedClientKey(), encrypted, ...clientKeys, pkcs8].map((key) => key.publicLine),
  });
});
after(() => server.stop());

/** Connect, expecting failure; returns the error and the stages that passed. */
async function failedConnect(machine: BuildMachine, options: ConnectOptions = isolated): Promise<{ error: SshError; passed: ConnectStage[] }> {
  const passed: ConnectStage[] = [];
  try {
    const session = await SshSession.connect(machine, { ...options, onStage: (stage) => passed.push(stage) });
    session.close();
  } catch (error) {
    assert.ok(error instanceof SshError, `expected an SshError, got ${String(error)}`);
    return { error, passed };
  }
  assert.fail("the connection should have failed");
}

function expectCode(error: SshError, code: SshErrorCode, stage: ConnectStage): void {
  assert.equal(error.code, code, error.message);
  assert.equal(error.stage, stage);
}

describe("SshSession.connect", () => {
  it("connects, reporting each stage in order with its timing", async () => {
    const stages: Array<[ConnectStage, number]> = [];
    const session = await SshSession.connect(server.machine(), { ...isolated, onStage: (stage, ms) => stages.push([stage, ms]) });
    try {
      assert.deepEqual(
        stages.map(([stage]) => stage),
        ["tcp", "host-key", "auth"],
      );
      assert.ok(stages.every(([, ms]) => ms >= 0));
      assert.equal(session.negotiated.serverHostKey, "ssh-ed25519");
      assert.equal((await session.output(["echo", "hello"])).trim(), "hello");
    } finally {
      session.close();
    }
  });

  it("gets the pinned key from a server with several host keys, including rsa and ecdsa", async () => {
    const expectations: Array<[KeyPair, string]> = [
      [server.hostKeys[1]!, "rsa-sha2-512"],
      [server.hostKeys[2]!, "ecdsa-sha2-nistp256"],
    ];
    for (const [hostKey, algorithm] of expectations) {
      const session = await SshSession.connect(server.machine({ hostKey: hostKey.publicLine }), isolated);
      assert.equal(session.negotiated.serverHostKey, algorithm);
      session.close();
    }
  });

  it("authenticates with rsa and ecdsa client keys in OpenSSH and PEM formats", async () => {
    for (const key of clientKeys) {
      const session = await SshSession.connect(server.machine({ privateKey: key.privateKeyFile }), isolated);
      assert.equal((await session.output(["echo", key.type])).trim(), key.type);
      session.close();
    }
  });

  it("refuses a wrong host key before authentication, so nothing runs on the server", async () => {
    const lone = await startSshd();
    try {
      const marker = join(lone.home, "marker");
      const touch = async (machine: BuildMachine): Promise<void> => {
        const session = await SshSession.connect(machine, isolated);
        await session.output(["touch", marker]);
        session.close();
      };
      const impostorKey = generateKeyPair(keyDir, { type: "ed25519", comment: "impostor" }).publicLine;
      const pinned = lone.machine({ hostKey: impostorKey, location: { file: "/etc/guix/machines.scm", line: 7, column: 2 } });
      const error = await touch(pinned).then(
        () => assert.fail("connected despite a wrong host key"),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof HostKeyMismatchError);
      expectCode(error, "host-key-mismatch", "host-key");
      assert.equal(error.mismatch.presented?.base64, lone.hostKeys[0]!.publicLine.split(" ")[1]);
      assert.equal(error.mismatch.expected.base64, impostorKey.split(" ")[1]);
      assert.match(error.message, /presented: ssh-ed25519 \S+ \(SHA256:/);
      assert.match(error.message, /\/etc\/guix\/machines\.scm:7:2/);
      assert.equal(existsSync(marker), false, "the command ran despite the wrong host key");
      assert.doesNotMatch(lone.log(), /publickey/i, "the client tried to authenticate");
      await touch(lone.machine()); // control: with the right key the marker appears
      assert.equal(existsSync(marker), true);
    } finally {
      await lone.stop();
    }
  });

  it("explains a pinned key type the server does not have, showing the key it has", async () => {
    const lone = await startSshd({ hostKeyTypes: ["ed25519"] });
    try {
      const { error, passed } = await failedConnect(lone.machine({ hostKey: server.hostKeys[1]!.publicLine }));
      assert.ok(error instanceof HostKeyMismatchError);
      assert.deepEqual(passed, ["tcp"]);
      assert.equal(error.mismatch.pinnedTypeOffered, false);
      assert.deepEqual(error.mismatch.offeredTypes, ["ssh-ed25519"]);
      assert.equal(error.mismatch.presented?.base64, lone.hostKeys[0]!.publicLine.split(" ")[1]);
      assert.match(error.message, /has no ssh-rsa host key \(it offers ssh-ed25519\)/);
    } finally {
      await lone.stop();
    }
  });

  it("reports an unauthorized client key as auth-failed", async () => {
    const { error, passed } = await failedConnect(server.machine({ privateKey: stranger.privateKeyFile }));
    expectCode(error, "auth-failed", "auth");
    assert.deepEqual(passed, ["tcp", "host-key"]);
    assert.match(error.message, new RegExp(`public-key authentication for user "${server.user}" with ${stranger.privateKeyFile}`));
  });

  it("refuses an encrypted key without passphrase or agent, after checking the host key", async () => {
    const { error, passed } = await failedConnect(server.machine({ privateKey: encrypted.privateKeyFile }));
    expectCode(error, "key-encrypted", "auth");
    assert.deepEqual(passed, ["tcp", "host-key"]);
    assert.match(error.message, /ssh-add/);
  });

  it("opens an encrypted key with a passphrase from the options or OFFLOAD_KEY_PASSPHRASE", async () => {
    const machine = server.machine({ privateKey: encrypted.privateKeyFile });
    (await SshSession.connect(machine, { ...isolated, passphrase: "open sesame" })).close();
    (await SshSession.connect(machine, { ...isolated, ...credentialsFromEnvironment({ OFFLOAD_KEY_PASSPHRASE: "open sesame" }) })).close();
  });

  it("takes credentials only from its options, never from the process environment", async () => {
    const machine = server.machine({ privateKey: encrypted.privateKeyFile });
    process.env["OFFLOAD_KEY_PASSPHRASE"] = "open sesame";
    try {
      const { error } = await failedConnect(machine, { timeoutMs: 10_000 });
      expectCode(error, "key-encrypted", "auth");
    } finally {
      delete process.env["OFFLOAD_KEY_PASSPHRASE"];
    }
  });

  it("uses ssh-agent for an encrypted key, and only when the agent holds that key", async () => {
    const agent = await startAgent();
    try {
      const machine = server.machine({ privateKey: encrypted.privateKeyFile });
      agent.add(sharedClientKey().privateKeyFile); // authorized, but not the configured key
      const { error } = await failedConnect(machine, { ...isolated, agentSocket: agent.socket });
      expectCode(error, "key-encrypted", "auth");
      assert.match(error.message, /agent does not hold this key.*ssh-add/);
      agent.add(decryptedCopy(encrypted, "open sesame"));
      const session = await SshSession.connect(machine, { ...isolated, agentSocket: agent.socket });
      assert.equal((await session.output(["echo", "via agent"])).trim(), "via agent");
      session.close();
    } finally {
      await agent.stop();
    }
  });

  it("says how to convert a PKCS#8 key", async () => {
    const { error } = await failedConnect(server.machine({ privateKey: pkcs8.privateKeyFile }));
    expectCode(error, "key-format", "auth");
    assert.match(error.message, /ssh-keygen -p -f/);
  });

  it("reports a missing key file as key-unreadable", async () => {
    const { error } = await failedConnect(server.machine({ privateKey: join(keyDir, "nope") }));
    expectCode(error, "key-unreadable", "auth");
  });

  it("reports a malformed pinned key as host-key-invalid after the TCP check", async () => {
    const { error, passed } = await failedConnect(server.machine({ hostKey: "ssh-ed25519 AAAA" }));
    expectCode(error, "host-key-invalid", "host-key");
    assert.deepEqual(passed, ["tcp"]);
  });

  it("reports a closed port as refused", async () => {
    const port = await freePort();
    const { error, passed } = await failedConnect(server.machine({ port }));
    expectCode(error, "refused", "tcp");
    assert.deepEqual(passed, []);
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port} refused`));
  });

  it("times out within the configured time on a server that accepts TCP but never speaks", async () => {
    const silent = await startSilentServer();
    try {
      const started = performance.now();
      const { error, passed } = await failedConnect(server.machine({ port: silent.port }), { ...isolated, timeoutMs: 400 });
      const elapsed = performance.now() - started;
      expectCode(error, "timeout", "host-key");
      assert.deepEqual(passed, ["tcp"]);
      assert.match(error.message, /no SSH handshake .* within the 400 ms connect timeout/);
      assert.ok(elapsed >= 350 && elapsed < 5000, `gave up after ${elapsed} ms`);
    } finally {
      await silent.stop();
    }
  });

  it("compresses as the record says: zlib@openssh.com, none, and a fallback when the server refuses", async () => {
    const compressed = await SshSession.connect(server.machine(), isolated);
    assert.equal(compressed.negotiated.cs.compress, "zlib@openssh.com");
    assert.equal(compressed.negotiated.sc.compress, "zlib@openssh.com");
    const data = "x".repeat(200_000);
    assert.equal((await compressed.output(["cat"], { input: data })).length, data.length);
    compressed.close();
    const plain = await SshSession.connect(server.machine({ compression: "none" }), isolated);
    assert.equal(plain.negotiated.cs.compress, "none");
    plain.close();
    const noCompressionServer = await startSshd({ compression: false });
    try {
      const fallback = await SshSession.connect(noCompressionServer.machine(), isolated);
      assert.equal(fallback.negotiated.cs.compress, "none");
      fallback.close();
    } finally {
      await noCompressionServer.stop();
    }
  });
});

describe("tcpError", () => {
  // Real DNS failures need a resolver, and tests stay on loopback: the errno mapping is checked directly.
  const machine = { name: "build1.example", port: 2222 };
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`connect ${code}`), { code });
  it("maps each errno to a stable code at the tcp stage", () => {
    const cases: Array<[string, SshErrorCode, RegExp]> = [
      ["ENOTFOUND", "dns", /cannot resolve host name "build1\.example"/],
      ["EAI_AGAIN", "dns", /cannot resolve/],
      ["ECONNREFUSED", "refused", /build1\.example:2222 refused/],
      ["ETIMEDOUT", "timeout", /timed out/],
      ["EHOSTUNREACH", "unreachable", /unreachable/],
      ["ENETUNREACH", "unreachable", /unreachable/],
      ["EPIPE", "refused", /cannot connect to build1\.example:2222/],
    ];
    for (const [code, expected, pattern] of cases) {
      const error = tcpError(machine, errno(code));
      expectCode(error, expected, "tcp");
      assert.match(error.message, pattern);
    }
  });
});

describe("the ssh2 1.17 behaviour connect.ts works around", () => {
  /** The ssh2 internals acknowledgeServerDebugMessages relies on. */
  interface DebugInternals {
    _callbacks?: unknown;
    _protocol?: { _handlers?: Record<string, unknown>; ping?: unknown };
  }

  it("ssh2 itself ignores the server's DEBUG messages, and has the internals the patch uses", async () => {
    const machine = server.machine();
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.once("ready", () => resolve());
      client.once("error", reject);
      client.connect({
        host: machine.name,
        port: machine.port,
        username: machine.user,
        privateKey: readFileSync(sharedClientKey().privateKeyFile),
        hostVerifier: () => true,
      });
    });
    try {
      const internals = client as unknown as DebugInternals;
      assert.equal(internals._protocol?._handlers?.["DEBUG"], undefined, "ssh2 now handles DEBUG messages: the patch in connect.ts may be unneeded");
      assert.ok(Array.isArray(internals._callbacks), "ssh2's _callbacks changed");
      assert.equal(typeof internals._protocol?.ping, "function", "ssh2's protocol ping changed");
    } finally {
      client.end();
    }
  });

  it("answers every DEBUG message sshd sends after authentication with a keep-alive", async () => {
    const lines: string[] = [];
    const session = await SshSession.connect(server.machine(), { ...isolated, debug: (line) => lines.push(line) });
    try {
      await session.output(["true"]); // the DEBUG messages came before this command's reply
      const received = lines.filter((line) => line.includes("Inbound: Received DEBUG")).length;
      const pings = lines.filter((line) => line.includes("Outbound: Sending ping")).length;
      assert.ok(received > 0, "sshd sent no DEBUG message");
      assert.equal(pings, received);
    } finally {
      session.close();
    }
  });
});
