import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.ts";
import { freePort, generateKeyPair, sharedClientKey, startFarm, writeMachinesFile, type Farm } from "../helpers/sshd.ts";
import { tempDir } from "../helpers/temp-dir.ts";

interface TestJson {
  machines: Array<{ name: string; port: number; ok: boolean; checks: Array<{ check: string; ok: boolean; message: string; ms: number }> }>;
}

let farm: Farm;
const dir = tempDir();

before(async () => {
  farm = await startFarm(2, { config: ["ListenAddress 127.0.0.2"] });
});
after(() => farm.stop());

describe("offload test", () => {
  it("passes healthy machines with a ✓ per check and exit status 0", async () => {
    const file = join(dir, "good.scm");
    writeMachinesFile(file, farm.machines());
    const result = await runCli(["test", file, "--transfer-size", "65536"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`testing 2 build machines defined in '${file}'`));
    for (const server of farm.servers) assert.match(result.stdout, new RegExp(`127\\.0\\.0\\.1:${server.port} ok`));
    assert.equal(result.stdout.match(/✓/g)?.length, 16);
    assert.match(result.stdout, /all 2 build machines passed every check/);
    assert.doesNotMatch(result.stdout, /\x1b\[/, "no colour when not on a TTY");
  });

  it("reports every machine in exactly the documented JSON, exit status 1 if any fails", async () => {
    const file = join(dir, "mixed.scm");
    const [good, other] = farm.machines();
    const wrongKey = { ...other!, hostKey: generateKeyPair(dir).publicLine };
    const closed = { ...good!, port: await freePort() };
    writeMachinesFile(file, [good!, wrongKey, closed]);
    const result = await runCli(["test", file, "--json", "--transfer-size", "4096", "--timeout", "5"]);
    assert.equal(result.code, 1);
    const json = JSON.parse(result.stdout) as TestJson;
    assert.deepEqual(Object.keys(json), ["machines"]);
    assert.deepEqual(
      json.machines.map((machine) => [machine.port, machine.ok, machine.checks.map((check) => `${check.check}:${check.ok}`).join(" ")]),
      [
        [good!.port, true, "tcp:true host-key:true auth:true shell:true architecture:true tools:true work-dir:true round-trip:true"],
        [wrongKey.port, false, "tcp:true host-key:false"],
        [closed.port, false, "tcp:false"],
      ],
    );
    for (const machine of json.machines) {
      assert.deepEqual(Object.keys(machine), ["name", "port", "ok", "checks"]);
      for (const check of machine.checks) {
        assert.deepEqual(Object.keys(check), ["check", "ok", "message", "ms"]);
        assert.equal(typeof check.ms, "number");
      }
    }
    assert.match(json.machines[1]!.checks[1]!.message, new RegExp(`edit the host-key field of the build-machine at ${file}:\\d+:\\d+`));
  });

  it("selects machines by REGEXP and tests each name:port once", async () => {
    const file = join(dir, "select.scm");
    const [first, second] = farm.machines();
    writeMachinesFile(file, [first!, { ...first!, speed: 2 }, { ...second!, name: "127.0.0.2" }]);
    const all = JSON.parse((await runCli(["test", file, "--json", "--transfer-size", "4096"])).stdout) as TestJson;
    assert.deepEqual(
      all.machines.map((machine) => `${machine.name}:${machine.port}`),
      [`127.0.0.1:${first!.port}`, `127.0.0.2:${second!.port}`],
    );
    const some = JSON.parse((await runCli(["test", file, "^127\\.0\\.0\\.2$", "--json", "--transfer-size", "4096"])).stdout) as TestJson;
    assert.deepEqual(
      some.machines.map((machine) => machine.name),
      ["127.0.0.2"],
    );
  });

  it("opens an encrypted key with --passphrase-file, and says what to do without it", async () => {
    const encrypted = generateKeyPair(dir, { passphrase: "hunter22" });
    const server = farm.servers[0]!;
    writeFileSync(join(server.dir, "authorized_keys"), `${sharedClientKey().publicLine}\n${encrypted.publicLine}\n`);
    const file = join(dir, "encrypted.scm");
    writeMachinesFile(file, [server.machine({ privateKey: encrypted.privateKeyFile })]);
    const passphraseFile = join(dir, "passphrase");
    writeFileSync(passphraseFile, "hunter22\n");
    const withFile = await runCli(["test", file, "--json", "--transfer-size", "4096", "--passphrase-file", passphraseFile]);
    assert.equal(withFile.code, 0, withFile.stdout);
    const without = await runCli(["test", file, "--json"]);
    const checks = (JSON.parse(without.stdout) as TestJson).machines[0]!.checks;
    assert.deepEqual(checks.at(-1)?.check, "auth");
    assert.match(checks.at(-1)!.message, /passphrase-protected.*OFFLOAD_KEY_PASSPHRASE/);
  });

  it("tests no machine when the file is missing, as guix offload test does, and exits 2 for usage errors", async () => {
    // Guix reads a missing machines file as no machines ("testing 0 build machines", success).
    const missing = await runCli(["test", join(dir, "nope.scm")]);
    assert.equal(missing.code, 0, missing.stderr);
    assert.match(missing.stderr, /^\S*nope\.scm: warning: Guix sees no build machines: \S*nope\.scm does not exist\n/);
    assert.match(missing.stderr, /testing 0 build machines defined in/);
    assert.equal(missing.stdout, "no build machines to test\n");
    assert.doesNotMatch(missing.stderr, /\n\s+at /, "no stack trace");
    const file = join(dir, "good.scm");
    assert.equal((await runCli(["test", file, "("])).code, 2);
    assert.equal((await runCli(["test", file, "--timeout", "soon"])).code, 2);
  });
});
