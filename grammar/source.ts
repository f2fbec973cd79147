/**
 * Source text and positions. Positions are stored as offsets and turned into
 * 1-based lines and columns on demand, so reading a large file costs no
 * per-token line bookkeeping.
 *
 * @example
 * const src = new SourceText("a.scm", "(list\n  1)");
 * src.position(8); // { line: 2, column: 3 }
 * // a tab moves to the next multiple of 8, as Guile counts columns
 * new SourceText("b.scm", "\tx").position(1); // { line: 1, column: 9 }
 */

/** A 1-based line and column. Columns count code points, with tabs to the next multiple of 8. */
export interface LineColumn {
  line: number;
  column: number;
}

/** A file's text plus the table needed to map offsets to lines. */
export class SourceText {
  private lineStarts: number[] | undefined;
  /** For long lines: the column at every COLUMN_STRIDE-th offset of the line, by line index. */
  private readonly columnMarks = new Map<number, number[]>();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /** The 1-based line and column of a UTF-16 offset into `text`. */
  position(offset: number): LineColumn {
    const starts = this.starts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = starts[lo]!;
    if (offset - lineStart <= COLUMN_STRIDE) return { line: lo + 1, column: displayColumns(this.text, lineStart, offset, 0) + 1 };
    // On a long line, count from the nearest mark: 100,000 diagnostics on one 200,000-character line stay linear.
    const marks = this.marksOf(lo, lineStart);
    const mark = Math.min(Math.floor((offset - lineStart) / COLUMN_STRIDE), marks.length - 1);
    return { line: lo + 1, column: displayColumns(this.text, lineStart + mark * COLUMN_STRIDE, offset, marks[mark]!) + 1 };
  }

  private marksOf(line: number, lineStart: number): number[] {
    const known = this.columnMarks.get(line);
    if (known) return known;
    const next = this.starts()[line + 1];
    const end = next === undefined ? this.text.length : next;
    const marks = [0];
    for (let from = lineStart; from + COLUMN_STRIDE <= end; from += COLUMN_STRIDE)
      marks.push(displayColumns(this.text, from, from + COLUMN_STRIDE, marks[marks.length - 1]!));
    this.columnMarks.set(line, marks);
    return marks;
  }

  /** The text of 1-based line `line`, without its line terminator. */
  lineText(line: number): string {
    const starts = this.starts();
    const start = starts[line - 1];
    if (start === undefined) return "";
    const next = starts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, "");
  }

  /** The UTF-16 offset of a 1-based line and (display) column. */
  offsetOf(line: number, column: number): number {
    const start = this.starts()[line - 1] ?? this.text.length;
    let offset = start;
    let c = 1;
    while (c < column && offset < this.text.length && this.text[offset] !== "\n") {
      const code = this.text.codePointAt(offset)!;
      c = code === 9 ? ((c - 1) | 7) + 1 + 1 : c + 1;
      offset += code > 0xffff ? 2 : 1;
    }
    return offset;
  }

  private starts(): number[] {
    if (this.lineStarts) return this.lineStarts;
    const starts = [0];
    const text = this.text;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    this.lineStarts = starts;
    return starts;
  }
}

/** How far apart the column marks of a long line are. */
const COLUMN_STRIDE = 1024;

/**
 * The column at `to`, from column `column` at `from` on the same line,
 * counting code points and expanding tabs to the next multiple of 8, as
 * Guile's ports (and GCC's diagnostics) do.
 */
function displayColumns(text: string, from: number, to: number, startColumn: number): number {
  let column = startColumn;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code === 9) column = (column | 7) + 1;
    else if (code < 0xdc00 || code > 0xdfff) column++;
  }
  return column;
}

/** Where a datum or form sits in its file: `[start, end)` UTF-16 offsets. */
export class Span {
  constructor(
    readonly source: SourceText,
    readonly start: number,
    readonly end: number,
  ) {}

  get file(): string {
    return this.source.file;
  }
  get line(): number {
    return this.source.position(this.start).line;
  }
  get column(): number {
    return this.source.position(this.start).column;
  }
  /** Start and end positions (end is exclusive, like an editor selection). */
  range(): { line: number; column: number; endLine: number; endColumn: number } {
    const s = this.source.position(this.start);
    const e = this.source.position(this.end);
    return { line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
  }
  /** The text the span covers. */
  text(): string {
    return this.source.text.slice(this.start, this.end);
  }
  /** `FILE:LINE:COLUMN`, the form editors and compilers use. */
  toString(): string {
    const p = this.source.position(this.start);
    return `${this.source.file}:${p.line}:${p.column}`;
  }
}

/** A plain, serializable location: what JSON output and error reports carry. */
export interface Location {
  file: string;
  line: number;
  column: number;
}

/**
 * `FILE:LINE:COLUMN`, the form editors and compilers use.
 *
 * @example
 * formatLocation({ file: "machines.scm", line: 3, column: 2 }); // "machines.scm:3:2"
 */
export function formatLocation(location: Location): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/**
 * The plain location of a span's start.
 *
 * @example
 * const span = new Span(new SourceText("m.scm", "(a\n  (b))"), 5, 8);
 * locationOf(span); // { file: "m.scm", line: 2, column: 3 }
 */
export function locationOf(span: Span): Location {
  const p = span.source.position(span.start);
  return { file: span.source.file, line: p.line, column: p.column };
}
