/** A key given twice in one JSON object: JSON.parse keeps the last one without a word. */
export interface DuplicateKey {
  /** Field path of the key, e.g. `workload.arrivals.rate_per_s`. */
  path: string;
  /** Offsets of the first and the repeated key. */
  first: number;
  again: number;
}

type Frame = { kind: 'object'; keys: Map<string, number>; key: string } | { kind: 'array'; index: number };

/** What reading one value did: pushed a container whose first member comes next, completed a value, or found the text invalid. */
type Step = 'pushed' | 'done' | 'invalid';

const fieldPath = (frames: readonly Frame[]) =>
  frames.reduce((p, f) => (f.kind === 'array' ? `${p}[${f.index}]` : p ? `${p}.${f.key}` : f.key), '');

/**
 * One pass over a JSON text: where it stops being valid, and every key an object
 * repeats. Iterative, with an explicit stack, so that deeply nested input ("[[[[…") is
 * judged, not a stack overflow. Each reader returns whether the text is still valid;
 * `at` is then where it stopped being so.
 */
class JsonScanner {
  at = 0;
  readonly duplicates: DuplicateKey[] = [];
  private readonly stack: Frame[] = [];

  constructor(private readonly text: string) {}

  /** -1 if the text is one valid JSON value, else the offset where it stops being valid. */
  scan(): number {
    for (;;) {
      const step = this.value();
      if (step === 'invalid') return this.errorAt();
      if (step === 'pushed') continue;
      const after = this.afterValue();
      if (after === 'invalid') return this.errorAt();
      if (after === 'end') break;
    }
    this.ws();
    return this.at < this.text.length ? this.errorAt() : -1;
  }

  private errorAt(): number {
    return Math.min(this.at, this.text.length);
  }

  private ws(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at] as string)) this.at++;
  }

  /** A value starts here: a scalar, or a container whose first member is pushed. */
  private value(): Step {
    const { text } = this;
    this.ws();
    const c = text[this.at];
    if (c === '{' || c === '[') {
      this.at++;
      this.ws();
      if (text[this.at] === (c === '{' ? '}' : ']')) {
        this.at++;
        return 'done';
      }
      const frame: Frame = c === '{' ? { kind: 'object', keys: new Map(), key: '' } : { kind: 'array', index: 0 };
      this.stack.push(frame);
      if (frame.kind === 'object' && !this.key(frame)) return 'invalid';
      return 'pushed';
    }
    let ok: boolean;
    if (c === '"') ok = this.string();
    else if (c === 't') ok = this.literal('true');
    else if (c === 'f') ok = this.literal('false');
    else if (c === 'n') ok = this.literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) ok = this.number();
    else ok = false;
    return ok ? 'done' : 'invalid';
  }

  /** A value is complete: close the containers it completes, or go on to the next member. */
  private afterValue(): 'member' | 'end' | 'invalid' {
    const { text } = this;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top) return 'end';
      this.ws();
      if (text[this.at] === ',') {
        this.at++;
        if (top.kind === 'object') return this.key(top) ? 'member' : 'invalid';
        top.index++;
        return 'member';
      }
      if (text[this.at] !== (top.kind === 'object' ? '}' : ']')) return 'invalid';
      this.at++;
      this.stack.pop();
    }
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.at)) return false;
    this.at += word.length;
    return true;
  }

  private string(): boolean {
    const { text } = this;
    this.at++; // opening quote
    while (this.at < text.length && text[this.at] !== '"') {
      if (text.charCodeAt(this.at) < 0x20) return false;
      if (text[this.at] === '\\') {
        this.at++;
        if (text[this.at] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.at + 1, this.at + 5))) return false;
          this.at += 4;
        } else if (!'"\\/bfnrt'.includes(text[this.at] ?? 'x')) return false;
      }
      this.at++;
    }
    if (this.at >= text.length) return false;
    this.at++;
    return true;
  }

  private number(): boolean {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.at, this.at + 400));
    if (!m || m[0].length === 0) return false;
    this.at += m[0].length;
    return true;
  }

  /** A member's key and colon; the member's value comes next. */
  private key(frame: Extract<Frame, { kind: 'object' }>): boolean {
    const { text } = this;
    this.ws();
    if (text[this.at] !== '"') return false;
    const start = this.at;
    if (!this.string()) return false;
    const name = JSON.parse(text.slice(start, this.at)) as string;
    this.ws();
    if (text[this.at] !== ':') return false;
    this.at++;
    frame.key = name;
    const first = frame.keys.get(name);
    if (first === undefined) frame.keys.set(name, start);
    else this.duplicates.push({ path: fieldPath(this.stack), first, again: start });
    return true;
  }
}

function scanJson(text: string): { errorAt: number; duplicates: DuplicateKey[] } {
  const scanner = new JsonScanner(text);
  const errorAt = scanner.scan();
  return { errorAt, duplicates: scanner.duplicates };
}

/**
 * Where a JSON text stops being valid, as an offset. V8's JSON.parse names the position
 * for some errors and only quotes the text for others ("Unexpected token '}'"); this
 * checker finds it for all, so messages can give line and column.
 * Returns -1 for valid JSON; `text.length` means the text ended too early.
 */
export function locateJsonError(text: string): number {
  return scanJson(text).errorAt;
}

/** Keys repeated within one object of a valid JSON text, in the order they occur. */
export function duplicateKeys(text: string): DuplicateKey[] {
  return scanJson(text).duplicates;
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}
