/**
 * The systems a machine builds for: `system` versus `systems` (Guix's
 * compatibility rules), lists that are missing, empty, not lists, or hold
 * something other than known system-type strings.
 *
 * @example
 * import { fixText } from "../apply-fixes.ts";
 * const machine = (clause: string) => `(list (build-machine (name "a") ${clause} (user "u") (host-key "ssh-ed25519 AAAA…")))`;
 * // both the deprecated field and a bare string are fixed to a list
 * fixText("m.scm", machine('(system "x86_64-linux")'), {}).text; // '(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "ssh-ed25519 AAAA…")))'
 * fixText("m.scm", machine('(systems "x86_64-linux")'), {}).text; // '(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "ssh-ed25519 AAAA…")))'
 */
import type { Span } from "../../../grammar/source.ts";
import { abbreviate } from "../../scheme/abbreviate.ts";
import { writeAbbreviated } from "../../scheme/printer.ts";
import { NIL, Pair, listToArray, stringText, type Datum } from "../../scheme/values.ts";
import type { LintContext, RuleModule, RuleTable } from "../context.ts";
import { elementSpans } from "../datum-spans.ts";
import { hasMisplacedInherit } from "../machine-forms.ts";
import type { Fix } from "../diagnostic.ts";
import type { MachineView } from "../machine-view.ts";
import { UNKNOWN } from "../static-value.ts";
import { placeholderIn } from "../placeholder-text.ts";
import { closest, didYouMean } from "../suggest.ts";
import { deleteSpanEdit } from "../text-edits.ts";

/** Guix's system types. */
const GUIX_SYSTEMS: readonly string[] = [
  "x86_64-linux",
  "i686-linux",
  "aarch64-linux",
  "armhf-linux",
  "powerpc64le-linux",
  "riscv64-linux",
  "mips64el-linux",
  "powerpc-linux",
  "i586-gnu",
  "x86_64-gnu",
];

/** The rules this module reports. */
export const SYSTEMS_RULES = {
  "deprecated-system": { severity: "warning", fixable: true, description: "The 'system' field is deprecated; use (systems (list ...))." },
  "system-and-systems": { severity: "warning", fixable: true, description: "Both 'system' and 'systems' are given; 'system' is ignored." },
  "missing-systems": { severity: "error", fixable: false, description: "Neither 'systems' nor 'system': Guix never uses the machine." },
  "empty-systems": { severity: "error", fixable: false, description: "'systems' is the empty list: Guix never uses the machine." },
  "systems-not-list": { severity: "error", fixable: true, description: "'systems' is not a list; Guix crashes when it matches a build." },
  "system-not-string": { severity: "error", fixable: false, description: "A system type that is not a string never matches." },
  "unknown-system": { severity: "warning", fixable: false, description: "Not one of Guix's system types (--allow-system adds more)." },
} as const satisfies RuleTable;

/**
 * The check, run once per file by the linter.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * const file = `(list (build-machine (name "a") (systems (list "x86-64-linux")) (user "u") (host-key "${key}")))`;
 * lintText("m.scm", file).diagnostics.map((d) => d.message);
 * // ['"x86-64-linux" is not a Guix system type (did you mean "x86_64-linux"?); builds are only offloaded for systems Guix knows (--allow-system to accept it)']
 * lintText("m.scm", file, { allowSystems: ["x86-64-linux"] }).diagnostics; // []
 */
export const systemsRule: RuleModule = {
  name: "systems",
  rules: SYSTEMS_RULES,
  check(context) {
    for (const view of context.views) checkView(context, view);
  },
};

function checkView(context: LintContext, view: MachineView): void {
  const systems = view.field("systems");
  const system = view.field("system");
  if (systems.value === UNKNOWN) {
    if (system.clause && view.form && !view.form.inherit) reportDeprecated(context, view);
    return;
  }
  if (systems.value !== false) {
    if (system.clause && system.value !== false) {
      context.report("system-and-systems", system.clause.span, "both 'system' and 'systems' are given: Guix ignores 'system'; remove it", {
        description: "remove the ignored (system ...) clause",
        edits: [deleteSpanEdit(context.source, system.clause.span)],
      });
    }
    checkSystemsList(context, systems.value, systems.span, systems.clause?.value);
    return;
  }
  if (system.value === false) {
    // A misspelt systems clause or a misplaced inherit is already reported; "missing" would say it twice.
    if (
      view.form &&
      (view.form.violations.some((v) => v.code === "invalid-field-specifier") ||
        hasMisplacedInherit(view.form) ||
        view.form.clauses.some((c) => closestField(c.field) === "systems"))
    )
      return;
    if (system.origin === "inherit" || systems.origin === "inherit") {
      context.report(
        "missing-systems",
        view.form?.headSpan ?? view.span,
        "this machine (and the one it inherits from) has neither 'systems' nor 'system': Guix never uses it; add (systems (list \"x86_64-linux\"))",
      );
    } else {
      context.report(
        "missing-systems",
        view.form?.headSpan ?? view.span,
        "no 'systems' field: Guix never uses this machine; add (systems (list \"x86_64-linux\"))",
      );
    }
    return;
  }
  if (system.value === UNKNOWN) {
    if (system.clause) reportDeprecated(context, view);
    return;
  }
  if (system.clause) reportDeprecated(context, view);
  checkSystem(context, system.value, system.span);
}

function reportDeprecated(context: LintContext, view: MachineView): void {
  const clause = view.field("system").clause!;
  const hasSystemsClause = view.form?.clauses.some((c) => c.field === "systems") ?? false;
  const fix: Fix | null = hasSystemsClause
    ? null
    : {
        description: "use (systems (list ...))",
        edits: [
          { start: clause.nameSpan.start, end: clause.nameSpan.end, text: "systems" },
          { start: clause.valueSpan.start, end: clause.valueSpan.start, text: "(list " },
          { start: clause.valueSpan.end, end: clause.valueSpan.end, text: ")" },
        ],
      };
  context.report(
    "deprecated-system",
    clause.span,
    `the 'system' field is deprecated (Guix warns on every build); write (systems (list ${abbreviate(clause.valueSpan.text())}))`,
    fix,
  );
}

function checkSystemsList(context: LintContext, value: Datum, span: Span, expr: Datum | undefined): void {
  const single = stringText(value);
  if (single !== undefined) {
    const fix: Fix | null =
      expr !== undefined
        ? {
            description: "wrap the system in (list ...)",
            edits: [
              { start: span.start, end: span.start, text: "(list " },
              { start: span.end, end: span.end, text: ")" },
            ],
          }
        : null;
    context.report(
      "systems-not-list",
      span,
      `'systems' must be a list: (systems "${abbreviate(single)}") makes Guix crash when it matches a build ("unexpected EOF reading a line"); write (systems (list "${abbreviate(single)}"))`,
      fix,
    );
    return;
  }
  const items = listToArray(value);
  if (!items) {
    context.report("systems-not-list", span, `'systems' must be a list of strings, got ${writeAbbreviated(value)}`);
    return;
  }
  if (value === NIL) {
    context.report("empty-systems", span, "'systems' is empty: Guix never uses this machine; list the systems it builds, e.g. (list \"x86_64-linux\")");
    return;
  }
  const spans = expr !== undefined && value instanceof Pair ? elementSpans(expr) : undefined;
  items.forEach((item, i) => checkSystem(context, item, spans?.length === items.length ? spans[i]! : span));
}

function checkSystem(context: LintContext, datum: Datum, span: Span): void {
  const value = stringText(datum);
  if (value === undefined) {
    context.report(
      "system-not-string",
      span,
      `system type ${writeAbbreviated(datum)} is not a string: it never matches a build; write it as "${writeAbbreviated(datum).replace(/"/g, "")}"`,
    );
    return;
  }
  const allowed = [...GUIX_SYSTEMS, ...(context.options.allowSystems ?? [])];
  // A template placeholder is the placeholder rule's: one mistake, one diagnostic.
  if (allowed.includes(value) || placeholderIn(value)) return;
  const meant = sameArchitecture(value, allowed);
  const hint = meant === undefined ? didYouMean(value, allowed, true) : ` (did you mean "${meant}"?)`;
  context.report(
    "unknown-system",
    span,
    `"${abbreviate(value)}" is not a Guix system type${hint}; builds are only offloaded for systems Guix knows (--allow-system to accept it)`,
  );
}

/** Other names of Guix's architectures (Debian's, Docker's, GCC's), by what they mean. */
const ARCHITECTURE_ALIASES: Readonly<Record<string, string>> = {
  arm64: "aarch64",
  armv8: "aarch64",
  amd64: "x86_64",
  "x86-64": "x86_64",
  x64: "x86_64",
  i386: "i686",
  i486: "i686",
  i586: "i686",
  x86: "i686",
  armv7: "armhf",
  armv7l: "armhf",
  armv7hl: "armhf",
  arm: "armhf",
  ppc64le: "powerpc64le",
  ppc64el: "powerpc64le",
  ppc: "powerpc",
  riscv: "riscv64",
};

/**
 * The Guix system type a name means when its architecture is spelt another
 * way (`arm64-linux` is `aarch64-linux`), if that type is allowed.
 */
function sameArchitecture(value: string, allowed: readonly string[]): string | undefined {
  for (const [alias, architecture] of Object.entries(ARCHITECTURE_ALIASES)) {
    if (!value.toLowerCase().startsWith(`${alias}-`)) continue;
    const candidate = `${architecture}${value.slice(alias.length)}`;
    if (allowed.includes(candidate)) return candidate;
  }
  return undefined;
}

function closestField(field: string): string | undefined {
  return field === "systems" || field === "system" ? undefined : closest(field, ["systems", "system"]);
}
