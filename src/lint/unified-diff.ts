/**
 * A unified diff of two texts (what `--fix-dry-run` prints), with three
 * lines of context, in the format `patch` and `git apply` accept.
 *
 * @example
 * unifiedDiff("a.scm", "x\ny\n", "x\nz\n");
 * // "--- a.scm\n+++ a.scm\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n"
 */

type Op = { kind: " " | "-" | "+"; line: string };

const CONTEXT = 3;
const MAX_TABLE = 4_000_000;

/**
 * The diff from `before` to `after`, or the empty string when they are equal.
 *
 * @example
 * unifiedDiff("a.scm", "x\n", "x\n"); // ""
 */
export function unifiedDiff(file: string, before: string, after: string): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  return `--- ${file}\n+++ ${file}\n${hunks(ops)}`;
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  const ops: Op[] = a.slice(0, prefix).map((line) => ({ kind: " ", line }));
  ops.push(...middle(midA, midB));
  ops.push(...a.slice(a.length - suffix).map((line): Op => ({ kind: " ", line })));
  return ops;
}

function middle(a: string[], b: string[]): Op[] {
  if ((a.length + 1) * (b.length + 1) > MAX_TABLE) {
    return [...a.map((line): Op => ({ kind: "-", line })), ...b.map((line): Op => ({ kind: "+", line }))];
  }
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: " ", line: a[i]! });
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
      ops.push({ kind: "-", line: a[i++]! });
    } else {
      ops.push({ kind: "+", line: b[j++]! });
    }
  }
  return ops;
}

function hunks(ops: Op[]): string {
  let out = "";
  let index = 0;
  while (index < ops.length) {
    const firstChange = ops.findIndex((op, k) => k >= index && op.kind !== " ");
    if (firstChange === -1) break;
    const start = Math.max(index, firstChange - CONTEXT);
    let end = firstChange;
    let lastChange = firstChange;
    while (end < ops.length) {
      if (ops[end]!.kind !== " ") lastChange = end;
      else if (end - lastChange > 2 * CONTEXT) break;
      end++;
    }
    end = Math.min(ops.length, lastChange + CONTEXT + 1);
    let oldStart = 1;
    let newStart = 1;
    for (let k = 0; k < start; k++) {
      if (ops[k]!.kind !== "+") oldStart++;
      if (ops[k]!.kind !== "-") newStart++;
    }
    const slice = ops.slice(start, end);
    const oldCount = slice.filter((op) => op.kind !== "+").length;
    const newCount = slice.filter((op) => op.kind !== "-").length;
    out += `@@ -${oldCount === 0 ? oldStart - 1 : oldStart},${oldCount} +${newCount === 0 ? newStart - 1 : newStart},${newCount} @@\n`;
    for (const op of slice) out += `${op.kind}${op.line}\n`;
    index = end;
  }
  return out;
}
