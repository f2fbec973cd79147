/**
 * The `--format sarif` report: SARIF 2.1.0 (one run, the rule catalogue in
 * `tool.driver.rules`, results with regions and fixes), for code-scanning
 * upload.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * JSON.parse(formatSarif([lintText("/etc/guix/machines.scm", "(list)")])).runs[0].results;
 * // [{ ruleId: "no-machines", level: "note", locations: [{ physicalLocation: { artifactLocation: { uri: "file:///etc/guix/machines.scm" }, region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 7 } } }] }]
 */
import { pathToFileURL } from "node:url";
import { isAbsolute } from "node:path";
import type { FileReport, Severity } from "../diagnostic.ts";
import { allRules } from "../registry.ts";

const SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function level(severity: Severity): string {
  return severity === "info" ? "note" : severity;
}

function artifactUri(file: string): string {
  // Relative paths stay relative (resolved against the checkout by code scanning).
  return isAbsolute(file) ? pathToFileURL(file).href : file.split("/").map(encodeURIComponent).join("/");
}

/**
 * The SARIF log as a JSON value.
 *
 * @example
 * sarifLog([]); // { version: "2.1.0", runs: [{ tool: { driver: { name: "offload lint" } }, results: [] }] }
 */
export function sarifLog(reports: readonly FileReport[], toolVersion = "0.1.0"): Json {
  const rules = allRules();
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: Json[] = [];
  for (const report of reports) {
    for (const d of report.diagnostics) {
      const r = d.span.range();
      const uri = artifactUri(d.span.file);
      const result: { [key: string]: Json } = {
        ruleId: d.rule,
        level: level(d.severity),
        message: { text: d.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri },
              region: { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn },
            },
          },
        ],
      };
      const ruleIndex = index.get(d.rule);
      if (ruleIndex !== undefined) result.ruleIndex = ruleIndex;
      if (d.fix) {
        result.fixes = [
          {
            description: { text: d.fix.description },
            artifactChanges: [
              {
                artifactLocation: { uri },
                replacements: d.fix.edits.map((e) => {
                  const s = d.span.source.position(e.start);
                  const t = d.span.source.position(e.end);
                  return {
                    deletedRegion: { startLine: s.line, startColumn: s.column, endLine: t.line, endColumn: t.column },
                    insertedContent: { text: e.text },
                  };
                }),
              },
            ],
          },
        ];
      }
      results.push(result);
    }
  }
  return {
    $schema: SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "offload lint",
            version: toolVersion,
            informationUri: "https://guix.gnu.org/manual/en/html_node/Daemon-Offload-Setup.html",
            rules: rules.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.description },
              defaultConfiguration: { level: level(rule.severity) },
              properties: { fixable: rule.fixable },
            })),
          },
        },
        columnKind: "unicodeCodePoints",
        results,
      },
    ],
  };
}

/**
 * The SARIF log as indented JSON text.
 *
 * @example
 * JSON.parse(formatSarif([])).runs[0].tool.driver.name; // "offload lint"
 */
export function formatSarif(reports: readonly FileReport[]): string {
  return `${JSON.stringify(sarifLog(reports), null, 2)}\n`;
}
