/**
 * Values of the scalar fields: types (strings, numbers, lists of strings),
 * ranges (port, parallel-builds, speed, overload-threshold,
 * compression-level), known compression names, an absolute daemon socket,
 * and a name that is a host name rather than `user@host:port`.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * const machine = (clauses: string) => `(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "${key}") ${clauses}))`;
 * lintText("m.scm", machine("(parallel-builds 0)")).diagnostics.map((d) => d.message);
 * // ["parallel-builds 0 gives the machine no build slot: Guix never uses it; use 1 or more"]
 * // a list of algorithms, as Guix's own default "zlib@openssh.com,zlib", is fine
 * lintText("m.scm", machine('(compression "zlib@openssh.com,none")')).diagnostics.map((d) => d.message);
 * // []
 */
import type { Span } from "../../../grammar/source.ts";
import { isExactInteger, isNumber, toFloat } from "../../scheme/numbers.ts";
import { abbreviate } from "../../scheme/abbreviate.ts";
import { writeAbbreviated } from "../../scheme/printer.ts";
import { SchemeString, listToArray, stringText, type Datum } from "../../scheme/values.ts";
import type { LintContext, RuleModule, RuleTable } from "../context.ts";
import { elementSpans } from "../datum-spans.ts";
import type { MachineView } from "../machine-view.ts";
import { UNKNOWN } from "../static-value.ts";
import { didYouMean } from "../suggest.ts";
import { placeholderIn } from "../placeholder-text.ts";

const COMPRESSION_ALGORITHMS = ["zlib@openssh.com", "zlib", "none"];

/** The rules this module reports. */
export const FIELD_VALUE_RULES = {
  "port-range": { severity: "error", fixable: false, description: "port is not an integer between 1 and 65535." },
  "parallel-builds": { severity: "error", fixable: false, description: "parallel-builds below 1 means the machine is never used." },
  speed: { severity: "error", fixable: false, description: "speed must be greater than 0." },
  "overload-threshold": { severity: "error", fixable: false, description: "overload-threshold must be #f or in (0, 1]." },
  compression: { severity: "warning", fixable: false, description: "compression names an algorithm libssh does not know." },
  "compression-level": { severity: "warning", fixable: false, description: "compression-level must be an integer from 1 to 9." },
  "features-not-strings": { severity: "error", fixable: false, description: "features must be a list of strings." },
  "daemon-socket-not-absolute": { severity: "error", fixable: false, description: "daemon-socket must be an absolute file name." },
  "wrong-field-type": { severity: "error", fixable: false, description: "A field's value has the wrong type." },
  "host-name": { severity: "error", fixable: false, description: "name is not a host name (user@, ssh://, :port or spaces in it)." },
} as const satisfies RuleTable;

/**
 * The check, run once per file by the linter.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * const machine = (clauses: string) => `(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "${key}") ${clauses}))`;
 * lintText("m.scm", machine("(port 70000)")).diagnostics.map((d) => [d.rule, d.span.text(), d.message]);
 * // [["port-range", "70000", "port 70000 is outside 1–65535"]]
 */
export const fieldValuesRule: RuleModule = {
  name: "field-values",
  rules: FIELD_VALUE_RULES,
  check(context) {
    for (const view of context.views) {
      checkStrings(context, view);
      checkName(context, view);
      checkPort(context, view);
      checkParallelBuilds(context, view);
      checkSpeed(context, view);
      checkOverloadThreshold(context, view);
      checkCompression(context, view);
      checkCompressionLevel(context, view);
      checkFeatures(context, view);
      checkDaemonSocket(context, view);
    }
  },
};

function show(value: Datum): string {
  return writeAbbreviated(value);
}

/** The field's value when known and not of the wrong type; reports wrong types. */
function known(context: LintContext, view: MachineView, field: string, ok: (v: Datum) => boolean, expected: string): { value: Datum; span: Span } | undefined {
  const { value, span } = view.field(field);
  if (value === UNKNOWN) return undefined;
  if (!ok(value)) {
    context.report("wrong-field-type", span, `${field} must be ${expected}, got ${show(value)}; Guix fails when it uses this machine`);
    return undefined;
  }
  return { value, span };
}

/** The field's text when it is known and a string; reports other types. */
function knownText(context: LintContext, view: MachineView, field: string, expected: string): { text: string; span: Span } | undefined {
  const got = known(context, view, field, (v) => v instanceof SchemeString, expected);
  const text = stringText(got?.value);
  return got && text !== undefined ? { text, span: got.span } : undefined;
}

function checkStrings(context: LintContext, view: MachineView): void {
  knownText(context, view, "user", "a string (the SSH login user)");
  known(context, view, "private-key", (v) => v instanceof SchemeString || v === false, "a file name string");
}

function checkName(context: LintContext, view: MachineView): void {
  const got = knownText(context, view, "name", "a string (the host name)");
  if (!got) return;
  const name = got.text;
  if (placeholderIn(name)) return;
  const shown = abbreviate(name);
  let problem: string | undefined;
  if (/^[a-z]+:\/\//i.test(name)) problem = `"${shown}" is a URL: write only the host name; the port goes in (port ...)`;
  else if (name.includes("@")) problem = `"${shown}" contains '@': put the user in (user "${abbreviate(name.split("@")[0]!)}") and only the host in name`;
  else if (/\s/.test(name)) problem = `"${shown}" contains whitespace, which no host name has`;
  else if (/^[^:]+:\d+$/.test(name))
    problem = `"${shown}" contains a port: write (name "${abbreviate(name.split(":")[0]!)}") (port ${abbreviate(name.split(":")[1]!)})`;
  if (problem) context.report("host-name", got.span, `${problem}; Guix cannot connect to it`);
}

function checkPort(context: LintContext, view: MachineView): void {
  const got = known(context, view, "port", isExactInteger, "an exact integer");
  if (!got) return;
  const port = Number(got.value);
  if (port < 1 || port > 65535) context.report("port-range", got.span, `port ${show(got.value)} is outside 1–65535`);
}

function checkParallelBuilds(context: LintContext, view: MachineView): void {
  const got = known(context, view, "parallel-builds", isExactInteger, "an exact integer");
  if (!got) return;
  if (Number(got.value) < 1)
    context.report("parallel-builds", got.span, `parallel-builds ${show(got.value)} gives the machine no build slot: Guix never uses it; use 1 or more`);
}

function checkSpeed(context: LintContext, view: MachineView): void {
  const got = known(context, view, "speed", isNumber, "a number");
  if (!got || !isNumber(got.value)) return;
  if (!(toFloat(got.value) > 0)) context.report("speed", got.span, `speed ${show(got.value)} must be greater than 0 (it ranks machines; 1.0 is the default)`);
}

function checkOverloadThreshold(context: LintContext, view: MachineView): void {
  const got = known(context, view, "overload-threshold", (v) => v === false || isNumber(v), "#f or a number in (0, 1]");
  if (!got || got.value === false || !isNumber(got.value)) return;
  const t = toFloat(got.value);
  if (!(t > 0))
    context.report(
      "overload-threshold",
      got.span,
      `overload-threshold ${show(got.value)} is never above the load: Guix always considers the machine overloaded; use a value in (0, 1] or #f`,
    );
  // Guix itself writes such values (1.8 for its childhurds): information, not a mistake.
  else if (t > 1)
    context.report(
      "overload-threshold",
      got.span,
      `overload-threshold ${show(got.value)} is above 1: the normalized load rarely exceeds it, so the load check seldom excludes this machine (#f turns the check off)`,
      null,
      "info",
    );
}

function checkCompression(context: LintContext, view: MachineView): void {
  const got = knownText(context, view, "compression", 'a string such as "zlib@openssh.com,zlib"');
  if (!got) return;
  const names = got.text.split(",").map((n) => n.trim());
  for (const name of names) {
    if (COMPRESSION_ALGORITHMS.includes(name)) continue;
    context.report(
      "compression",
      got.span,
      `unknown compression algorithm "${abbreviate(name)}"${didYouMean(name, COMPRESSION_ALGORITHMS, true)}: libssh knows zlib@openssh.com, zlib and none`,
    );
  }
}

function checkCompressionLevel(context: LintContext, view: MachineView): void {
  const got = known(context, view, "compression-level", isExactInteger, "an exact integer from 1 to 9");
  if (!got) return;
  const level = Number(got.value);
  if (level < 1 || level > 9) context.report("compression-level", got.span, `compression-level ${show(got.value)} is outside 1–9`);
}

function checkFeatures(context: LintContext, view: MachineView): void {
  const { value, span, clause } = view.field("features");
  if (value === UNKNOWN) return;
  const items = listToArray(value);
  if (!items) {
    context.report("features-not-strings", span, `features must be a list of strings, got ${show(value)}`);
    return;
  }
  const spans = clause ? elementSpans(clause.value) : undefined;
  items.forEach((item, i) => {
    if (!(item instanceof SchemeString)) {
      context.report(
        "features-not-strings",
        spans?.length === items.length ? spans[i]! : span,
        `feature ${show(item)} is not a string: it never matches a build's required features; write it as "${show(item).replace(/"/g, "")}"`,
      );
    }
  });
}

function checkDaemonSocket(context: LintContext, view: MachineView): void {
  const got = knownText(context, view, "daemon-socket", "a string (an absolute file name)");
  if (!got) return;
  if (!got.text.startsWith("/"))
    context.report(
      "daemon-socket-not-absolute",
      got.span,
      `daemon-socket "${abbreviate(got.text)}" is not an absolute file name; the remote daemon listens at /var/guix/daemon-socket/socket`,
    );
}
