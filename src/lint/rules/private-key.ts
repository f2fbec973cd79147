/**
 * The private key Guix will use. With --check-files, the file on disk (see
 * {@link inspectPrivateKey}; each file is inspected once), including the
 * default `~/.ssh/id_rsa` of a machine without a private-key field — root's,
 * since the daemon runs offload as root. Always: a key path built from
 * `(getenv "HOME")`, which is root's home when the daemon loads the file, not
 * the home of whoever wrote it (Guix changed its manual for this, bug 52517).
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * const machine = (clauses: string) => `(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "${key}") ${clauses}))`;
 * lintText("m.scm", machine('(private-key (string-append (getenv "HOME") "/.ssh/id_ed25519"))'), { daemonHome: "/root" }).diagnostics.map((d) => d.message);
 * // ["(getenv \"HOME\") is the home of root when the daemon loads this file, not yours: here it gives /root/.ssh/id_ed25519; write the key's full path (Guix's manual stopped suggesting HOME for this reason)"]
 */
import { Pair, Sym, stringText, type Datum } from "../../scheme/values.ts";
import type { LintContext, RuleModule, RuleTable } from "../context.ts";
import type { MachineView } from "../machine-view.ts";
import { inspectPrivateKey } from "../private-key-file.ts";

/** The rules this module reports. */
export const PRIVATE_KEY_RULES = {
  "private-key": {
    severity: "error",
    fixable: false,
    description: "The private key file cannot be used by Guix (checked with --check-files, the default key too).",
  },
  "private-key-home": {
    severity: "warning",
    fixable: false,
    description: 'private-key is built from (getenv "HOME"), which is root\'s home when the daemon loads the file.',
  },
} as const satisfies RuleTable;

/**
 * The check, run once per file by the linter.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * const machine = (clauses: string) => `(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "${key}") ${clauses}))`;
 * lintText("m.scm", machine('(private-key "/nonexistent")'), { checkFiles: true }).diagnostics.map((d) => [d.rule, d.span.text(), d.message]);
 * // [["private-key", '"/nonexistent"', "private key /nonexistent does not exist: Guix fails to load it and never uses this machine"]]
 */
export const privateKeyRule: RuleModule = {
  name: "private-key",
  rules: PRIVATE_KEY_RULES,
  check(context) {
    for (const view of context.views) checkHome(context, view);
    if (!context.options.checkFiles) return;
    const cache = new Map<string, ReturnType<typeof inspectPrivateKey>>();
    for (const view of context.views) {
      const { value: field, span, origin } = view.field("private-key");
      const value = stringText(field);
      if (value === undefined || value === "") continue;
      let problems = cache.get(value);
      if (!problems) {
        problems = inspectPrivateKey(value);
        cache.set(value, problems);
      }
      const why = origin === "default" ? `no private-key field, so the daemon (running as root) uses ${value}: ` : "";
      for (const p of problems) context.report("private-key", span, `${why}${p.message}`, null, p.severity);
    }
  },
};

function checkHome(context: LintContext, view: MachineView): void {
  const { clause, value } = view.field("private-key");
  if (!clause || !readsHome(clause.value, 0)) return;
  const text = stringText(value);
  const resolved = text !== undefined ? `: here it gives ${text}` : "";
  context.report(
    "private-key-home",
    clause.valueSpan,
    `(getenv "HOME") is the home of root when the daemon loads this file, not yours${resolved}; write the key's full path (Guix's manual stopped suggesting HOME for this reason)`,
  );
}

/** Whether `expr` contains `(getenv "HOME")` (bounded: written expressions are shallow). */
function readsHome(expr: Datum, depth: number): boolean {
  if (!(expr instanceof Pair) || depth > 50) return false;
  if (expr.car instanceof Sym && expr.car.name === "getenv" && expr.cdr instanceof Pair && stringText(expr.cdr.car) === "HOME") return true;
  for (let cursor: Datum = expr; cursor instanceof Pair; cursor = cursor.cdr) if (readsHome(cursor.car, depth + 1)) return true;
  return false;
}
