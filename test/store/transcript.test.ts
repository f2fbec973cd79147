/**
 * The test server against recordings of a real guix-daemon: the same script
 * of operations (test/store/transcript.ts) must give the same bytes, masked
 * only where two runs legitimately differ. With a real daemon available
 * (OFFLOAD_TEST_GUIX_DAEMON, OFFLOAD_TEST_GUIX), the recording is checked
 * against the real thing too, and OFFLOAD_RECORD_TRANSCRIPTS=1 rewrites it.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generateSigningKeyPair, parsePublicKey, parseSecretKey, type SigningKeyPair } from "../../src/store/keys.ts";
import { printSexp } from "../../src/store/sexp.ts";
import { GuixDaemon, guixDaemonSkipReason } from "../helpers/guix-daemon.ts";
import { StoreServer, canUnshareMounts } from "../helpers/store-server.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { normalize, runScript, type Transcript, type TranscriptStep } from "./transcript.ts";

const FIXTURE = join(import.meta.dirname, "..", "..", "fixtures", "store", "transcripts", "daemon-script.json");

function keyPair(secretText: string): SigningKeyPair {
  const secretKey = parseSecretKey(secretText);
  const publicText = printSexp(secretKey.publicKey.sexp);
  return { secretKey, publicKey: parsePublicKey(publicText), secretText, publicText };
}

function keysOf(transcript: Transcript): { daemon: SigningKeyPair; client: SigningKeyPair; stranger: SigningKeyPair } {
  return { daemon: keyPair(transcript.keys.daemon), client: keyPair(transcript.keys.client), stranger: keyPair(transcript.keys.stranger) };
}

/** Compares two runs step by step, saying which step differs and how. */
function assertSameTranscript(actual: TranscriptStep[], expected: TranscriptStep[]): void {
  assert.deepEqual(
    actual.map((s) => s.name),
    expected.map((s) => s.name),
  );
  for (let i = 0; i < expected.length; i++) {
    const name = expected[i]!.name;
    assert.equal(actual[i]!.sent, expected[i]!.sent, `${name}: our client sent other bytes`);
    assert.deepEqual(normalize(actual[i]!), normalize(expected[i]!), `${name}: the daemon's answer differs`);
    assert.equal(actual[i]!.closed, expected[i]!.closed, `${name}: connection ${expected[i]!.closed ? "should" : "should not"} be closed`);
  }
}

const system = "x86_64-linux";

describe("worker-protocol transcripts", () => {
  it("a real guix-daemon answers the script as recorded", { skip: guixDaemonSkipReason() }, async () => {
    const recording = process.env["OFFLOAD_RECORD_TRANSCRIPTS"] === "1" || !existsSync(FIXTURE);
    const previous = existsSync(FIXTURE) ? (JSON.parse(readFileSync(FIXTURE, "utf8")) as Transcript) : null;
    const keys =
      previous !== null && !recording
        ? keysOf(previous)
        : { daemon: generateSigningKeyPair(), client: generateSigningKeyPair(), stranger: generateSigningKeyPair() };
    const daemon = await GuixDaemon.start({ signingKey: keys.daemon, authorizedKeys: [keys.client.publicKey] });
    let steps: TranscriptStep[];
    try {
      steps = await runScript({ socketPath: daemon.socketPath, storeDir: daemon.storeDir, system, keys, workDir: tempDir("offload-transcript-") });
    } finally {
      await daemon.stop();
    }
    if (recording) {
      const transcript: Transcript = {
        recordedWith: "guix-daemon of Guix 093f2fb8722f (2024-09-29), protocol 0x164, --disable-chroot --no-substitutes, as root",
        storeDir: "/gnu/store",
        system,
        keys: { daemon: keys.daemon.secretText, client: keys.client.secretText, stranger: keys.stranger.secretText },
        steps,
      };
      mkdirSync(join(FIXTURE, ".."), { recursive: true });
      writeFileSync(FIXTURE, `${JSON.stringify(transcript, null, 1)}\n`);
    } else {
      assertSameTranscript(steps, previous!.steps);
    }
  });

  it(
    "the test server answers the script as the real daemon did",
    {
      skip: !canUnshareMounts()
        ? "the test server needs root and unshare -m to run builders at /gnu/store"
        : !existsSync(FIXTURE)
          ? "no recorded transcript"
          : false,
    },
    async () => {
      const recorded = JSON.parse(readFileSync(FIXTURE, "utf8")) as Transcript;
      const keys = keysOf(recorded);
      const server = await StoreServer.start({
        storeDir: recorded.storeDir,
        signingKey: keys.daemon,
        authorizedKeys: [keys.client.publicKey],
        system: recorded.system,
        storeVisibility: "namespace",
      });
      try {
        const steps = await runScript({
          socketPath: server.socketPath,
          storeDir: recorded.storeDir,
          system: recorded.system,
          keys,
          workDir: tempDir("offload-transcript-"),
        });
        assertSameTranscript(steps, recorded.steps);
      } finally {
        await server.stop();
      }
    },
  );
});
