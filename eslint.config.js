// Lint rules for the TypeScript sources: typescript-eslint's recommended set,
// with no `any` and no unused code.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "**/fixtures/", ".scratch/"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // An environment walks its parent chain starting from itself (src/scheme/environment.ts).
      "@typescript-eslint/no-this-alias": "off",
    },
  },
  // Preload scripts given to child processes with --require are CommonJS.
  { files: ["**/*.cjs"], rules: { "@typescript-eslint/no-require-imports": "off" } },
);
