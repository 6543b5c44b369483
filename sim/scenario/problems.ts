/** One thing wrong with a user's input, located by its field path. */
export interface Problem {
  /** `datacenter.racks[0].nodes[1].count`, or '' for the whole document. */
  path: string;
  message: string;
  /** The file (or command) it is in; filled in by InputError when absent. */
  file?: string;
}

/**
 * Bad user input: every problem found, each with its field path. The CLI prints them
 * and exits with status 2; nothing else in splitsim throws this for a bug.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly problems: readonly Problem[];

  constructor(file: string, problems: readonly Problem[]) {
    const located = problems.map((p) => ({ ...p, file: p.file ?? file }));
    super(located.map((p) => `${p.file ? `${p.file}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'));
    this.problems = located;
  }

  /** Several files' problems as one error. */
  static combine(errors: readonly InputError[]): InputError {
    return new InputError(
      '',
      errors.flatMap((e) => e.problems),
    );
  }
}

/** `['datacenter', 'racks', 0, 'count']` → `datacenter.racks[0].count`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

export function joinPath(base: string, key: string | number): string {
  return typeof key === 'number' ? `${base}[${key}]` : base ? `${base}.${key}` : key;
}

/** The allowed name closest to `word`, if it is close enough to be a likely typo. */
export function closest(word: string, allowed: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const candidates = [...allowed];
  // A truncated name ("h100" for "h100-sxm") is a likelier slip than an edit.
  const prefixed = candidates.filter((c) => lower.length >= 2 && c.toLowerCase().startsWith(lower));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}

export function didYouMean(word: string, allowed: Iterable<string>): string {
  const guess = closest(word, allowed);
  return guess === undefined ? '' : ` (did you mean '${guess}'?)`;
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** A value as the user wrote it, short enough for one error line. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
