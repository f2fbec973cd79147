// Preloaded with `node --require` (or NODE_OPTIONS) to run as an install
// without ssh2's optional native parts would: loading the crypto binding or
// cpu-features fails, as when they were never built, and ssh2 falls back to
// its JavaScript path. Used by src/ssh/crypto-path.test.ts.
"use strict";
const Module = require("node:module");
const load = Module._load;
Module._load = function loadWithoutNativeCrypto(request, parent, isMain) {
  if (/(?:sshcrypto|cpufeatures)\.node$/.test(request) || request === "cpu-features") {
    const error = new Error(`Cannot find module '${request}' (native crypto left out for this test)`);
    error.code = "MODULE_NOT_FOUND";
    throw error;
  }
  return load.call(this, request, parent, isMain);
};
