/**
 * host-key values: malformed keys (wrong shape, bad base64, type mismatch,
 * wrong length) and keys Guix's offload can never match (only `ssh-*` types
 * are understood; a comment with spaces makes more than 3 words).
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const machine = (key: string) => `(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "${key}")))`;
 * lintText("m.scm", machine("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF root@build1 rack 2")).diagnostics.map((d) => d.message);
 * // ["host-key has more than 3 words (a comment with spaces): Guix's offload fails to match it; remove the spaces from the comment or drop the comment"]
 */
import { abbreviate } from "../../scheme/abbreviate.ts";
import { writeAbbreviated } from "../../scheme/printer.ts";
import { stringText } from "../../scheme/values.ts";
import type { RuleModule, RuleTable } from "../context.ts";
import { checkPublicKeyLine } from "../openssh-key.ts";
import { placeholderIn } from "../placeholder-text.ts";
import { UNKNOWN } from "../static-value.ts";
import { innerSpan } from "../string-spans.ts";

/** The rules this module reports (a host-key of the wrong type is field-values' wrong-field-type). */
export const HOST_KEY_RULES = {
  "host-key-malformed": { severity: "error", fixable: false, description: "host-key is not a valid 'TYPE BASE64 [COMMENT]' OpenSSH public key." },
  "host-key-unmatchable": {
    severity: "warning",
    fixable: false,
    description: "A host key Guix's offload can never match (ECDSA, non ssh- types, comment with spaces).",
  },
} as const satisfies RuleTable;

/**
 * The check, run once per file by the linter.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * lintText("m.scm", '(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "ssh-ed25519")))').diagnostics.map((d) => d.message);
 * // ['host-key: expected "TYPE BASE64 [COMMENT]" (e.g. the contents of /etc/ssh/ssh_host_ed25519_key.pub), got 1 word; Guix cannot authenticate the machine']
 */
export const hostKeyRule: RuleModule = {
  name: "host-key",
  rules: HOST_KEY_RULES,
  check(context) {
    for (const view of context.views) {
      const { value: field, span } = view.field("host-key");
      if (field === UNKNOWN) continue;
      const value = stringText(field);
      if (value === undefined) {
        context.report("wrong-field-type", span, `host-key must be a string ("ssh-ed25519 AAAA... [comment]"), got ${writeAbbreviated(field)}`);
        continue;
      }
      if (placeholderIn(value)) continue;
      const { tokens, problems } = checkPublicKeyLine(value);
      const at = (token: number) => {
        const t = tokens[token];
        return t ? innerSpan(span, value, t.index, t.text.length) : span;
      };
      for (const problem of problems)
        context.report("host-key-malformed", at(problem.token), `host-key: ${problem.message}; Guix cannot authenticate the machine`);
      if (problems.length > 0) continue;
      const type = tokens[0]!.text;
      if (!type.startsWith("ssh-")) {
        context.report(
          "host-key-unmatchable",
          at(0),
          `host-key of type ${abbreviate(type)}: Guix's offload only understands ssh-* key types and will never match it; use the machine's ssh-ed25519 key (/etc/ssh/ssh_host_ed25519_key.pub)`,
        );
      }
      if (tokens.length > 3) {
        const first = tokens[3]!;
        const last = tokens[tokens.length - 1]!;
        context.report(
          "host-key-unmatchable",
          innerSpan(span, value, first.index, last.index + last.text.length - first.index),
          "host-key has more than 3 words (a comment with spaces): Guix's offload fails to match it; remove the spaces from the comment or drop the comment",
        );
      }
    }
  },
};
