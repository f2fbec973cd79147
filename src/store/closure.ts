/**
 * Ordering store items so that every item comes after the items it refers
 * to, as Guix's `topologically-sorted` does (guix/store.scm): a depth-first
 * walk from each path in turn, references first, each item once. Exports are
 * sent in this order so the receiving daemon can register each item as soon
 * as it arrives (its references are already valid).
 *
 * @example
 * const references = new Map([["/gnu/store/b", ["/gnu/store/a"]], ["/gnu/store/a", []]]);
 * topologicalOrder(["/gnu/store/b"], (path) => references.get(path) ?? []); // ["/gnu/store/a", "/gnu/store/b"]
 */

/**
 * `paths` and everything they refer to, references before referrers, in
 * Guix's order. `referencesOf` returns a path's references (the daemon's
 * order: sorted); self-references are ignored.
 *
 * @example
 * // a and b both need c; each item once, references first, self-references ignored
 * const references = new Map([["a", ["c"]], ["b", ["b", "c"]], ["c", []]]);
 * topologicalOrder(["a", "b"], (path) => references.get(path)!); // ["c", "a", "b"]
 */
export function topologicalOrder(paths: readonly string[], referencesOf: (path: string) => readonly string[]): string[] {
  const visited = new Set<string>();
  const result: string[] = [];
  // An explicit stack of (path, its references, next index): long chains cannot exhaust the call stack.
  const stack: Array<{ path: string; references: readonly string[]; next: number }> = [];
  for (const root of paths) {
    if (visited.has(root)) continue;
    visited.add(root);
    stack.push({ path: root, references: referencesOf(root), next: 0 });
    while (stack.length > 0) {
      const top = stack.at(-1)!;
      if (top.next < top.references.length) {
        const reference = top.references[top.next++]!;
        if (visited.has(reference)) continue;
        visited.add(reference);
        stack.push({ path: reference, references: referencesOf(reference), next: 0 });
        continue;
      }
      stack.pop();
      result.push(top.path);
    }
  }
  return result;
}
