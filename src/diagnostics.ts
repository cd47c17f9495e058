// Diagnostics: one error type for the whole compiler. Locations are offsets into a
// `Source`; lines and columns are computed only when a diagnostic is printed.

/** A named text: a `.nn` file, or any other input a diagnostic can point into. */
export class Source {
  readonly name: string;
  readonly body: string;
  #lineStarts: number[] | undefined;

  constructor(body: string, name = '<input>') {
    this.body = body;
    this.name = name;
  }

  /** Offsets at which each line starts (line 1 starts at 0). */
  get lineStarts(): readonly number[] {
    if (this.#lineStarts === undefined) {
      const starts = [0];
      for (let i = 0; i < this.body.length; i++) {
        if (this.body.charCodeAt(i) === 10 /* \n */) starts.push(i + 1);
      }
      this.#lineStarts = starts;
    }
    return this.#lineStarts;
  }

  /** 1-based line and column of an offset (columns count UTF-16 code units, as editors do for BMP text). */
  position(offset: number): { line: number; column: number } {
    const starts = this.lineStarts;
    const clamped = Math.max(0, Math.min(offset, this.body.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: clamped - starts[lo] + 1 };
  }

  /** The text of a 1-based line, without its line break. */
  line(line: number): string {
    const starts = this.lineStarts;
    const start = starts[line - 1] ?? this.body.length;
    const next = line < starts.length ? starts[line] - 1 : this.body.length;
    return this.body.slice(start, next).replace(/\r$/, '');
  }
}

/** A span of a source: [start, end) offsets. */
export interface Location {
  readonly source: Source;
  readonly start: number;
  readonly end: number;
}

export interface DiagnosticNote {
  readonly message: string;
  readonly location: Location | null;
}

export type Severity = 'error' | 'warning';

/** The one diagnostic type: parse errors, check errors, bad weights files, bad bundles, bad flags. */
export interface Diagnostic {
  readonly severity: Severity;
  readonly message: string;
  readonly location: Location | null;
  readonly notes: readonly DiagnosticNote[];
}

export function error(message: string, location: Location | null = null, notes: readonly DiagnosticNote[] = []): Diagnostic {
  return { severity: 'error', message, location, notes };
}

export function warning(message: string, location: Location | null = null, notes: readonly DiagnosticNote[] = []): Diagnostic {
  return { severity: 'warning', message, location, notes };
}

export function note(message: string, location: Location | null = null): DiagnosticNote {
  return { message, location };
}

/** A syntax error at an offset, spanning `length` characters (at least one caret is drawn). */
export function syntaxError(source: Source, position: number, message: string, length = 1): Diagnostic {
  return error(message, { source, start: position, end: position + length });
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * `file:line:column: error: message`, then the source line with carets under the
 * offending text, then notes, each with their own location when they have one.
 */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const out: string[] = [];
  out.push(`${formatLocationPrefix(diagnostic.location)}${diagnostic.severity}: ${diagnostic.message}`);
  if (diagnostic.location) out.push(...excerpt(diagnostic.location));
  for (const n of diagnostic.notes) {
    out.push(`${formatLocationPrefix(n.location)}note: ${n.message}`);
    if (n.location) out.push(...excerpt(n.location));
  }
  return out.join('\n');
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map(formatDiagnostic).join('\n\n');
}

/** `name:line:column` of the start of a location. */
export function formatLocation(location: Location): string {
  const { line, column } = location.source.position(location.start);
  return `${location.source.name}:${line}:${column}`;
}

function formatLocationPrefix(location: Location | null): string {
  return location ? `${formatLocation(location)}: ` : '';
}

const TAB_WIDTH = 2;

function excerpt(location: Location): string[] {
  const { source } = location;
  const { line, column } = source.position(location.start);
  const text = source.line(line);
  // Carets stop at the end of the first line of a multi-line span.
  const endOnLine = Math.min(location.end, source.lineStarts[line - 1] + text.length);
  const width = Math.max(1, endOnLine - location.start);
  const gutter = String(line).length;
  const visible = text.replace(/\t/g, ' '.repeat(TAB_WIDTH));
  const pad = text.slice(0, column - 1).replace(/\t/g, ' '.repeat(TAB_WIDTH)).replace(/[^ ]/g, ' ');
  return [`${' '.repeat(gutter)} |`, `${line} | ${visible}`, `${' '.repeat(gutter)} | ${pad}${'^'.repeat(width)}`];
}

/** The error type thrown by the API and caught by the CLI: it carries diagnostics, never a bare stack. */
export class NncError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[] | string) {
    const list = typeof diagnostics === 'string' ? [error(diagnostics)] : diagnostics;
    // A diagnostic without a location reads as a plain sentence; located ones carry their excerpt.
    super(list.map((d) => (d.location ? formatDiagnostic(d) : d.message)).join('\n\n'));
    this.name = 'NncError';
    this.diagnostics = list;
  }
}

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two
 * neighbouring characters (optimal string alignment), for "did you mean": `modle` is
 * one typo away from `model`, not two.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const n = b.length;
  // Three rows, reused: the row before the previous one is needed for swaps.
  let beforePrevious = new Int32Array(n + 1);
  let previous = new Int32Array(n + 1);
  let current = new Int32Array(n + 1);
  for (let j = 0; j <= n; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) d = Math.min(d, beforePrevious[j - 2] + 1);
      current[j] = d;
    }
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[n];
}

/**
 * Work allowed for suggestions, in edit-distance cells. A file's checks share one, so a
 * file with thousands of misspelt names among thousands of candidates still ends
 * quickly: once it is spent, later errors simply get no suggestion.
 */
export interface SuggestionBudget {
  cells: number;
}

/**
 * The candidate nearest to `name`, if near enough to be a plausible typo:
 * a case-insensitive match first, then the smallest edit distance within a third of the
 * length (at least 1, but less than the whole name).
 */
export function closest(name: string, candidates: Iterable<string>, budget?: SuggestionBudget): string | undefined {
  if (budget && budget.cells <= 0) return undefined;
  const lower = name.toLowerCase();
  // Replacing every character is no typo: 'q' does not suggest 'x'.
  const limit = Math.min(Math.max(1, Math.floor(name.length / 3)), name.length - 1);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (budget && --budget.cells < 0) break;
    // The distance is at least the difference in length: skip what cannot be near.
    if (Math.abs(candidate.length - name.length) > limit) continue;
    const other = candidate.toLowerCase();
    if (other === lower) return candidate;
    if (budget && (budget.cells -= name.length * candidate.length) < 0) break;
    const distance = editDistance(lower, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** `; did you mean 'x'?` or nothing. */
export function didYouMean(name: string, candidates: Iterable<string>, budget?: SuggestionBudget): string {
  return suggestionText(closest(name, candidates, budget));
}

/** `; did you mean 'x'?` for a suggestion already found by `closest`, or ''. */
export function suggestionText(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : `; did you mean '${suggestion}'?`;
}
