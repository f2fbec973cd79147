/**
 * The private-key file on disk (only with --check-files): see
 * {@link inspectPrivateKey} for what is checked. Each file is inspected once.
 *
 * @example
 * // (private-key "/root/.ssh/id_rsa") with a passphrase → private-key error at the file name
 */
import type { RuleModule, RuleTable } from "../context.ts";
import { inspectPrivateKey } from "../private-key-file.ts";

/**
 * The rule this module reports.
 *
 * @example
 * PRIVATE_KEY_RULES["private-key"].fixable; // false
 */
export const PRIVATE_KEY_RULES = {
  "private-key": { severity: "error", fixable: false, description: "The private key file cannot be used by Guix (checked with --check-files)." },
} as const satisfies RuleTable;

/**
 * The check, run once per file by the linter.
 *
 * @example
 * // with --check-files, (private-key "/nonexistent") → private-key error
 */
export const privateKeyRule: RuleModule = {
  name: "private-key",
  rules: PRIVATE_KEY_RULES,
  check(context) {
    if (!context.options.checkFiles) return;
    const cache = new Map<string, ReturnType<typeof inspectPrivateKey>>();
    for (const view of context.views) {
      const { value, span, origin } = view.field("private-key");
      if (typeof value !== "string" || origin === "default" || value === "") continue;
      let problems = cache.get(value);
      if (!problems) {
        problems = inspectPrivateKey(value);
        cache.set(value, problems);
      }
      for (const p of problems) context.report("private-key", span, p.message, null, p.severity);
    }
  },
};
