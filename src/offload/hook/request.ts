/**
 * The lines guix-daemon writes to its build hook (nix/libstore/build.cc,
 * DerivationGoal::tryBuildHook) and the replies it understands.
 *
 * A request is one line: `AM-WILLING SYSTEM DRV-PATH FEATURES`, where
 * AM-WILLING is 1 when the daemon still has local build slots, SYSTEM the
 * derivation's system, and FEATURES its required system features joined by
 * commas (possibly empty: the line then ends with a space). After `# accept`
 * the daemon writes every input path, then the outputs it still needs, each
 * list space-separated with a trailing space, then closes the pipe.
 *
 * @example
 * import { parseHookRequest, formatHookReply } from "./request.ts";
 * parseHookRequest("1 x86_64-linux /gnu/store/9x2kd0m5q1w7v3b8n4c6z0y2h5j7l9p1-hello-2.12.1.drv ");
 * // { amWilling: true, system: "x86_64-linux", drvPath: "/gnu/store/9x2kd0m5q1w7v3b8n4c6z0y2h5j7l9p1-hello-2.12.1.drv", features: [] }
 * formatHookReply("decline"); // "# decline\n"
 */
import { HookError } from "./errors.ts";

/** One build request. */
export interface HookRequest {
  /** The daemon could still build it locally. */
  amWilling: boolean;
  /** The derivation's system type, e.g. `x86_64-linux`. */
  system: string;
  /** The derivation's store file name. */
  drvPath: string;
  /** Required system features (`requiredSystemFeatures`), in the daemon's order. */
  features: string[];
}

/** The hook's answer to a request. */
export type HookReply = "accept" | "decline" | "postpone";

/**
 * The shape Guix's hook accepts (guix/scripts/offload.scm), anchored: the
 * daemon writes exactly one space between fields, features are graphic
 * characters (the daemon checks them as store names).
 */
const REQUEST = /^([01]) ([a-z0-9_-]+) (\/[\x21-\x7e]+\.drv) ([\x21-\x7e]*)$/;

/**
 * Parse a request line (without its newline). Throws HookError
 * `invalid-request` with Guix's wording for anything else.
 *
 * @example
 * parseHookRequest("0 aarch64-linux /gnu/store/abc-x.drv kvm,big").features; // ["kvm", "big"]
 * let message = "";
 * try {
 *   parseHookRequest("1 x86_64-linux /gnu/store/abc-x.drv");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * // the features field, even empty, is preceded by a space
 * message; // 'invalid request line: "1 x86_64-linux /gnu/store/abc-x.drv"'
 */
export function parseHookRequest(line: string): HookRequest {
  const match = REQUEST.exec(line);
  if (match === null) throw new HookError("invalid-request", `invalid request line: ${JSON.stringify(line)}`);
  const [, willing, system, drvPath, features] = match as unknown as [string, string, string, string, string];
  return {
    amWilling: willing === "1",
    system,
    drvPath,
    features: features === "" ? [] : features.split(",").filter((feature) => feature !== ""),
  };
}

/**
 * The store paths of one of the two lines that follow `# accept`, in the
 * daemon's order, without duplicates. Each must be an absolute path without
 * blanks; anything else is a protocol error.
 *
 * @example
 * parsePathList("/gnu/store/a-x /gnu/store/b-y ", "inputs"); // ["/gnu/store/a-x", "/gnu/store/b-y"]
 */
export function parsePathList(line: string, what: string): string[] {
  const paths = line.split(" ").filter((word) => word !== "");
  for (const path of paths) {
    if (!/^\/[\x21-\x7e]+$/.test(path)) throw new HookError("daemon-protocol", `invalid ${what} line from the daemon: ${JSON.stringify(line.slice(0, 200))}`);
  }
  return [...new Set(paths)];
}

/**
 * The reply line for the daemon: `# ` marks it as the answer; any other
 * line on the pipe goes to the user's terminal.
 *
 * @example
 * formatHookReply("accept"); // "# accept\n"
 */
export function formatHookReply(reply: HookReply): string {
  return `# ${reply}\n`;
}
