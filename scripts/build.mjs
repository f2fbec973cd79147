// Bundles the CLI with esbuild: importing chevrotain unbundled costs ~300 ms per run.
// ssh2 stays external (CommonJS with an optional native binding).
import { build } from "esbuild";

import { rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: ["src/cli/main.ts"],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // One chunk per command (loaded on demand) plus shared chunks.
  splitting: true,
  outdir: "dist",
  entryNames: "offload",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  external: ["ssh2"],
  banner: { js: "import { createRequire as __offloadRequire } from 'node:module'; const require = __offloadRequire(import.meta.url);" },
  logLevel: "warning",
});
