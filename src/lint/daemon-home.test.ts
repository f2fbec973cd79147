import { test } from "node:test";
import assert from "node:assert/strict";
import { daemonHome } from "./daemon-home.ts";

test("root's home comes from the password database, uid 0's entry", () => {
  assert.equal(daemonHome("daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\ntoor:x:0:0:root:/var/root:/bin/sh\n"), "/var/root");
  assert.equal(daemonHome("root:x:0:0:root:/root:/bin/bash"), "/root");
});

test("without a usable entry it is /root", () => {
  assert.equal(daemonHome(""), "/root");
  assert.equal(daemonHome("root:x:0:0:root::/bin/sh\nbroken line\n"), "/root");
});
