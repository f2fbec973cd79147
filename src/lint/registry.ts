/**
 * Every lint rule: its id, default severity, whether it can fix, and a line
 * of documentation. Rule ids for load failures are the reader's and
 * evaluator's error codes, so `offload show` and `offload lint` agree.
 *
 * @example
 * ruleInfo("deprecated-system").severity; // "warning"
 */
import type { SchemeErrorCode } from "../scheme/errors.ts";
import type { Severity } from "./diagnostic.ts";

/** What the registry knows about a rule. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  fixable: boolean;
  description: string;
}

const LOAD_ERRORS: Record<SchemeErrorCode, string> = {
  "read-error": "The file is not valid Scheme syntax; Guix cannot read it.",
  "unbound-variable": "A name is used that is not defined; Guix fails to load the file.",
  "wrong-type-arg": "A procedure got an argument of the wrong type while loading.",
  "wrong-number-of-args": "A procedure was called with the wrong number of arguments.",
  "syntax-error": "A special form is malformed.",
  "file-error": "A file could not be read while loading.",
  "limit-exceeded": "Reading or evaluating the file exceeded a limit.",
  "misc-error": "Loading raised an error (error, raise, missing module...).",
  "numerical-overflow": "An arithmetic error (such as division by zero) while loading.",
  "out-of-range": "An index or value out of range while loading.",
  "invalid-field-specifier": "A build-machine clause is not of the form (FIELD VALUE).",
  "duplicate-field-initializer": "The same field is given twice in one build-machine.",
  "extraneous-field-initializers": "A build-machine names a field that does not exist.",
  "missing-field-initializers": "A build-machine lacks a required field (name, user, host-key).",
};

const RULES: RuleInfo[] = [
  ...Object.entries(LOAD_ERRORS).map(([id, description]) => ({ id, severity: "error" as const, fixable: false, description })),
  { id: "deprecated-system", severity: "warning", fixable: true, description: "The 'system' field is deprecated; use (systems (list ...))." },
  { id: "system-and-systems", severity: "warning", fixable: true, description: "Both 'system' and 'systems' are given; 'system' is ignored." },
  { id: "missing-systems", severity: "error", fixable: false, description: "Neither 'systems' nor 'system': Guix never uses the machine." },
  { id: "empty-systems", severity: "error", fixable: false, description: "'systems' is the empty list: Guix never uses the machine." },
  { id: "systems-not-list", severity: "error", fixable: true, description: "'systems' is not a list; Guix crashes when it matches a build." },
  { id: "system-not-string", severity: "error", fixable: false, description: "A system type that is not a string never matches." },
  { id: "unknown-system", severity: "warning", fixable: false, description: "Not one of Guix's system types (--allow-system adds more)." },
  { id: "host-key-malformed", severity: "error", fixable: false, description: "host-key is not a valid 'TYPE BASE64 [COMMENT]' OpenSSH public key." },
  { id: "host-key-unmatchable", severity: "warning", fixable: false, description: "A host key Guix's offload can never match (ECDSA, non ssh- types, comment with spaces)." },
  { id: "placeholder", severity: "error", fixable: false, description: "A value left as a placeholder (\"\", FIXME, xxxx, …, $(...), ${...}, <...>)." },
  { id: "private-key", severity: "error", fixable: false, description: "The private key file cannot be used by Guix (checked with --check-files)." },
  { id: "duplicate-machine", severity: "warning", fixable: true, description: "Two machines with the same name and port share build slots." },
  { id: "port-range", severity: "error", fixable: false, description: "port is not an integer between 1 and 65535." },
  { id: "parallel-builds", severity: "error", fixable: false, description: "parallel-builds below 1 means the machine is never used." },
  { id: "speed", severity: "error", fixable: false, description: "speed must be greater than 0." },
  { id: "overload-threshold", severity: "error", fixable: false, description: "overload-threshold must be #f or in (0, 1]." },
  { id: "compression", severity: "warning", fixable: false, description: "compression names an algorithm libssh does not know." },
  { id: "compression-level", severity: "warning", fixable: false, description: "compression-level must be an integer from 1 to 9." },
  { id: "features-not-strings", severity: "error", fixable: false, description: "features must be a list of strings." },
  { id: "daemon-socket-not-absolute", severity: "error", fixable: false, description: "daemon-socket must be an absolute file name." },
  { id: "wrong-field-type", severity: "error", fixable: false, description: "A field's value has the wrong type." },
  { id: "host-name", severity: "error", fixable: false, description: "name is not a host name (user@, ssh://, :port or spaces in it)." },
  { id: "not-a-list", severity: "error", fixable: true, description: "The file's last value is not a list of build machines; Guix ignores it." },
  { id: "missing-file-read", severity: "error", fixable: false, description: "A file read while loading does not exist; Guix silently drops every machine." },
  { id: "unused-machine", severity: "info", fixable: false, description: "A build-machine is built but not in the file's result." },
  { id: "no-machines", severity: "info", fixable: false, description: "The file defines no build machines; nothing is offloaded." },
];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

/** Every rule, in documentation order. */
export function allRules(): readonly RuleInfo[] {
  return RULES;
}

/** The rule with this id, or undefined. */
export function ruleInfo(id: string): RuleInfo | undefined {
  return BY_ID.get(id);
}
