/**
 * Two returned machines with the same name and port: they share the slot
 * lock files in /var/guix/offload/NAME:PORT/. When two entries of the
 * result list differ only in their systems, the fix merges them into one
 * machine with both systems.
 *
 * @example
 * import { fixText } from "../apply-fixes.ts";
 * // two entries that differ only in their systems become one machine
 * const machine = (system: string) => `(build-machine (name "a") (systems (list "${system}")) (user "u") (host-key "ssh-ed25519 AAAA…"))`;
 * fixText("m.scm", `(list ${machine("x86_64-linux")} ${machine("i686-linux")})`, {}).text;
 * // '(list (build-machine (name "a") (systems (list "x86_64-linux" "i686-linux")) (user "u") (host-key "ssh-ed25519 AAAA…")))'
 */
import { Pair, Sym, listToArray, stringText, type Datum } from "../../scheme/values.ts";
import { effectiveSystems } from "../../machines/load.ts";
import type { LintContext, RuleModule, RuleTable } from "../context.ts";
import type { Fix } from "../diagnostic.ts";
import type { MachineForm } from "../machine-forms.ts";
import type { MachineView } from "../machine-view.ts";
import { deleteSpanEdit } from "../text-edits.ts";

/** The rule this module reports. */
export const DUPLICATE_MACHINE_RULES = {
  "duplicate-machine": { severity: "warning", fixable: true, description: "Two machines with the same name and port share build slots." },
} as const satisfies RuleTable;

/**
 * The check, run once per file by the linter.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * const machine = (user: string) => `(build-machine (name "build1") (systems (list "x86_64-linux")) (user "${user}") (host-key "${key}"))`;
 * lintText("m.scm", `(list ${machine("alice")}\n      ${machine("bob")})`).diagnostics.map((d) => [d.rule, d.span.range().line, d.message]);
 * // [["duplicate-machine", 2, "machine build1:22 is already defined at line 1: the two share build slots (/var/guix/offload/build1:22/); put all its systems in one (systems (list ...)) instead"]]
 */
export const duplicateMachineRule: RuleModule = {
  name: "duplicate-machine",
  rules: DUPLICATE_MACHINE_RULES,
  check(context) {
    const first = new Map<string, MachineView>();
    let results: ReadonlySet<Datum> | undefined;
    for (const view of context.views) {
      if (!view.record) continue;
      const name = stringText(view.record.fields.get("name"));
      const port = view.record.fields.get("port");
      if (name === undefined || typeof port !== "number") continue;
      const key = `${name}:${port}`;
      const earlier = first.get(key);
      if (!earlier) {
        first.set(key, view);
        continue;
      }
      if (earlier.span.start === view.span.start && earlier.span.source === view.span.source) continue;
      const where = earlier.span.range();
      context.report(
        "duplicate-machine",
        view.form?.headSpan ?? view.span,
        `machine ${key} is already defined at line ${where.line}: the two share build slots (/var/guix/offload/${key}/); put all its systems in one (systems (list ...)) instead`,
        mergeFix(context, (results ??= resultElements(context)), earlier, view),
      );
    }
  },
};

function systemsOf(view: MachineView): string[] | undefined {
  const items = listToArray(effectiveSystems(view.record!))?.map(stringText);
  return items?.every((x): x is string => x !== undefined) ? items : undefined;
}

/** The forms written in the file's final `(list ...)`, gathered once: looking each up there would cost the list's length per duplicate. */
function resultElements(context: LintContext): ReadonlySet<Datum> {
  const elements = new Set<Datum>();
  const last = context.datums[context.datums.length - 1]?.datum;
  if (!(last instanceof Pair) || !(last.car instanceof Sym) || last.car.name !== "list") return elements;
  for (let c: Datum = last.cdr; c instanceof Pair; c = c.cdr) elements.add(c.car);
  return elements;
}

function clausesApartFromSystems(form: MachineForm): string {
  return form.clauses
    .filter((c) => c.field !== "system" && c.field !== "systems")
    .map((c) => `${c.field}=${c.valueSpan.text()}`)
    .sort()
    .join("\n");
}

function mergeFix(context: LintContext, results: ReadonlySet<Datum>, keep: MachineView, drop: MachineView): Fix | null {
  const a = keep.form;
  const b = drop.form;
  if (!a || !b || a.inherit || b.inherit || !results.has(a.form) || !results.has(b.form)) return null;
  if (clausesApartFromSystems(a) !== clausesApartFromSystems(b)) return null;
  const systemsA = systemsOf(keep);
  const systemsB = systemsOf(drop);
  if (!systemsA || !systemsB) return null;
  const merged = [...new Set([...systemsA, ...systemsB])];
  const target = a.clauses.find((c) => c.field === "systems") ?? a.clauses.find((c) => c.field === "system");
  if (!target || (a.clauses.some((c) => c.field === "system") && a.clauses.some((c) => c.field === "systems"))) return null;
  return {
    description: "merge the two entries into one machine with both systems",
    edits: [
      { start: target.span.start, end: target.span.end, text: `(systems (list ${merged.map((s) => JSON.stringify(s)).join(" ")}))` },
      deleteSpanEdit(context.source, b.span),
    ],
  };
}
