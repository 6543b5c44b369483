/** A key given twice in one JSON object: JSON.parse keeps the last one without a word. */
export interface DuplicateKey {
  /** Field path of the key, e.g. `workload.arrivals.rate_per_s`. */
  path: string;
  /** Offsets of the first and the repeated key. */
  first: number;
  again: number;
}

type Frame = { kind: 'object'; keys: Map<string, number>; key: string } | { kind: 'array'; index: number };

/**
 * One pass over a JSON text: where it stops being valid (-1 if it is valid), and every
 * key an object repeats. Iterative, with an explicit stack, so that deeply nested
 * input ("[[[[…") is judged, not a stack overflow.
 */
function scanJson(text: string): { errorAt: number; duplicates: DuplicateKey[] } {
  let i = 0;
  const duplicates: DuplicateKey[] = [];
  const stack: Frame[] = [];
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0].length === 0) fail();
    i += (m as RegExpExecArray)[0].length;
  };
  const path = (frames: readonly Frame[]) =>
    frames.reduce((p, f) => (f.kind === 'array' ? `${p}[${f.index}]` : p ? `${p}.${f.key}` : f.key), '');
  /** A member's key and colon; the member's value comes next. */
  const key = (frame: Extract<Frame, { kind: 'object' }>) => {
    ws();
    if (text[i] !== '"') fail();
    const start = i;
    string();
    const name = JSON.parse(text.slice(start, i)) as string;
    ws();
    if (text[i] !== ':') fail();
    i++;
    frame.key = name;
    const first = frame.keys.get(name);
    if (first === undefined) frame.keys.set(name, start);
    else duplicates.push({ path: path(stack), first, again: start });
  };
  try {
    for (;;) {
      // A value starts here: a scalar, or a container whose first member is pushed.
      ws();
      const c = text[i];
      if (c === '{' || c === '[') {
        i++;
        ws();
        if (text[i] === (c === '{' ? '}' : ']')) i++;
        else {
          const frame: Frame = c === '{' ? { kind: 'object', keys: new Map(), key: '' } : { kind: 'array', index: 0 };
          stack.push(frame);
          if (frame.kind === 'object') key(frame);
          continue;
        }
      } else if (c === '"') string();
      else if (c === 't') literal('true');
      else if (c === 'f') literal('false');
      else if (c === 'n') literal('null');
      else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
      else fail();
      // The value is complete: close the containers it completes, or go on to the next member.
      let next = false;
      while (!next) {
        const top = stack[stack.length - 1];
        if (!top) break;
        ws();
        if (text[i] === ',') {
          i++;
          if (top.kind === 'object') key(top);
          else top.index++;
          next = true;
        } else if (text[i] === (top.kind === 'object' ? '}' : ']')) {
          i++;
          stack.pop();
        } else fail();
      }
      if (!next) break;
    }
    ws();
    if (i < text.length) fail();
  } catch (at) {
    if (typeof at === 'number') return { errorAt: Math.min(at, text.length), duplicates };
    throw at;
  }
  return { errorAt: -1, duplicates };
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
