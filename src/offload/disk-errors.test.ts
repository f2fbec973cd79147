import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isLocalWriteError, localWriteFailed, remoteFailure, saysDiskFull } from "./disk-errors.ts";

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed`), { code });

describe("disk errors", () => {
  it("recognise a full remote disk in the tools' own words", () => {
    assert.equal(saysDiskFull("cat: write error: No space left on device"), true);
    assert.equal(saysDiskFull("mkdir: cannot create directory 'x': Disk quota exceeded"), true);
    assert.equal(saysDiskFull("cp: cannot stat 'x': No such file or directory"), false);
  });

  it("word a remote failure by what the remote said, with the disk first", () => {
    const full = remoteFailure("b1", "upload", "offload: upload of k failed\ncat: write error: No space left on device\n");
    assert.equal(full.code, "remote-disk-full");
    assert.match(full.message, /^the disk of b1 is full \(upload\): .*No space left on device$/);
    const other = remoteFailure("b1", "setting up the job", "offload: cannot enter /x\n", "remote-setup-failed");
    assert.equal(other.code, "remote-setup-failed");
    assert.equal(other.message, "setting up the job on b1 failed: offload: cannot enter /x");
    assert.equal(remoteFailure("b1", "upload", "", "transfer-failed", "status 1").message, "upload on b1 failed: status 1");
  });

  it("word a local write failure by its errno and never retry it", () => {
    const error = localWriteFailed("out/a", errno("ENOSPC"));
    assert.equal(error.code, "local-write-failed");
    assert.equal(error.message, 'cannot write output "out/a" here: no space left on the local disk (ENOSPC)');
    assert.match(localWriteFailed("x", errno("EIO")).message, /EIO: failed/);
    assert.equal(isLocalWriteError(errno("ENOSPC")), true);
    assert.equal(isLocalWriteError(errno("ECONNRESET")), false);
    assert.equal(isLocalWriteError(new Error("plain")), false);
  });
});
