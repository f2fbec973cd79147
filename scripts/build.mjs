// Bundles the CLI with esbuild: importing chevrotain unbundled costs ~300 ms per run.
// ssh2 stays external (CommonJS with an optional native binding).
import { build } from "esbuild";

await build({
  entryPoints: ["src/cli/main.ts"],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  outfile: "dist/offload.mjs",
  external: ["ssh2"],
  banner: { js: "import { createRequire as __offloadRequire } from 'node:module'; const require = __offloadRequire(import.meta.url);" },
  logLevel: "warning",
});
