// Finds the functions of a TypeScript text and their lengths in lines, without a
// compiler: TypeScript 7 (the native tsc) has no JS API. A token scanner that skips
// strings, template literals, comments and regular-expression literals, then a few rules
// on the tokens around each `{` say whether it opens a function body. Heuristic by
// design (assumption: the project's own code style, checked on test fixtures), not a parser.

export interface FunctionSpan {
  /** The declared name, the variable or property an arrow is assigned to, or `<arrow>` / `<function>`. */
  name: string;
  /** 1-based lines of the header and of the closing brace. */
  start: number;
  end: number;
  lines: number;
}

interface Token {
  /** `id` identifiers and keywords, `num`, `str` (strings, templates, regexes), `p` punctuation. */
  kind: 'id' | 'num' | 'str' | 'p';
  text: string;
  line: number;
}

/** Keywords after which a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'instanceof',
  'yield',
  'await',
]);
/** Punctuation made of more than one character, longest first. */
const MULTI = [
  '>>>=',
  '...',
  '===',
  '!==',
  '**=',
  '<<=',
  '>>=',
  '&&=',
  '||=',
  '??=',
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '?.',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '**',
  '<<',
];
/** Words whose `( … ) {` is a statement's block, not a function body. */
const STATEMENTS = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'await', 'async', 'return', 'typeof']);

function isIdStart(c: string): boolean {
  return /[A-Za-z_$\u0080-\uffff]/.test(c);
}

/** The code's tokens; what strings, comments and regexes hold is dropped. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  // One entry per template literal whose `${ … }` is being read: the braces opened in it.
  const templates: number[] = [];
  const push = (kind: Token['kind'], value: string, at: number) => tokens.push({ kind, text: value, line: at });
  const advance = (to: number) => {
    for (; i < to; i++) if (text[i] === '\n') line++;
  };
  /** Read template text from i (just after a backtick or a closing `}`) to the closing backtick or the next `${`. */
  const templateText = (startLine: number) => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\\') advance(i + 2);
      else if (c === '`') {
        advance(i + 1);
        push('str', '`', startLine);
        return;
      } else if (c === '$' && text[i + 1] === '{') {
        advance(i + 2);
        templates.push(0);
        return;
      } else advance(i + 1);
    }
  };
  const regexAllowed = () => {
    const prev = tokens[tokens.length - 1];
    if (!prev) return true;
    if (prev.kind === 'id') return REGEX_AFTER_WORD.has(prev.text);
    if (prev.kind === 'num' || prev.kind === 'str') return false;
    // `x! / y`: a non-null assertion after a value, then a division.
    const before = tokens[tokens.length - 2];
    if (prev.text === '!' && before && (before.kind !== 'p' || before.text === ')' || before.text === ']'))
      return false;
    return prev.text !== ')' && prev.text !== ']' && prev.text !== '++' && prev.text !== '--';
  };
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r') advance(i + 1);
    else if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      advance(close < 0 ? text.length : close + 2);
    } else if (c === '"' || c === "'") {
      const at = line;
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      advance(j + 1);
      push('str', c, at);
    } else if (c === '`') {
      const at = line;
      advance(i + 1);
      templateText(at);
    } else if (c === '/' && regexAllowed()) {
      const at = line;
      let j = i + 1;
      let inClass = false;
      while (j < text.length && text[j] !== '\n') {
        const r = text[j];
        if (r === '\\') j++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        j++;
      }
      j++;
      while (j < text.length && /[a-z]/.test(text[j] as string)) j++;
      advance(j);
      push('str', '/', at);
    } else if (isIdStart(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(text[j] as string)) j++;
      push('id', text.slice(i, j), line);
      i = j;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next ?? ''))) {
      let j = i + 1;
      while (j < text.length && /[0-9A-Za-z_.]/.test(text[j] as string)) j++;
      push('num', text.slice(i, j), line);
      i = j;
    } else if (c === '{' && templates.length > 0) {
      templates[templates.length - 1]!++;
      push('p', c, line);
      i++;
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === 0) {
      // The end of a template's `${ … }`: back to the template's text.
      templates.pop();
      const at = line;
      i++;
      templateText(at);
    } else {
      if (c === '}' && templates.length > 0) templates[templates.length - 1]!--;
      const multi = MULTI.find((m) => text.startsWith(m, i));
      push('p', multi ?? c, line);
      i += (multi ?? c).length;
    }
  }
  return tokens;
}

/** For each bracket token, the index of its partner (unbalanced ones: none). */
function partners(tokens: readonly Token[]): Map<number, number> {
  const pairs = new Map<number, number>();
  const open: number[] = [];
  const closing: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  tokens.forEach((t, i) => {
    if (t.kind !== 'p') return;
    if (t.text === '(' || t.text === '[' || t.text === '{') open.push(i);
    else if (closing[t.text]) {
      // Pop to the matching opener: a stray closer (a heuristic's miss) does not unbalance the rest.
      for (let k = open.length - 1; k >= 0; k--) {
        if (tokens[open[k] as number]?.text === closing[t.text]) {
          pairs.set(open[k] as number, i);
          pairs.set(i, open[k] as number);
          open.length = k;
          break;
        }
      }
    }
  });
  return pairs;
}

/**
 * The `{` that opens the body after a `)` at `close`, skipping a return-type annotation
 * (`): Promise<Map<K, { a: V }>> {`); undefined when what follows is not a body.
 */
function bodyAfterParams(tokens: readonly Token[], close: number, pairs: Map<number, number>): number | undefined {
  let j = close + 1;
  if (tokens[j]?.text === '{') return j;
  if (tokens[j]?.text !== ':') return undefined;
  j++;
  for (; j < tokens.length; j++) {
    const t = tokens[j] as Token;
    if (t.kind !== 'p') continue;
    if (t.text === '{') {
      const before = tokens[j - 1]?.text ?? '';
      // An object type starts after these; a body after the type's last token.
      if ([':', '|', '&', '<', ',', '(', '[', '=>', 'typeof'].includes(before)) {
        const end = pairs.get(j);
        if (end === undefined) return undefined;
        j = end;
        continue;
      }
      return j;
    }
    if (t.text === '(' || t.text === '[') {
      const end = pairs.get(j);
      if (end === undefined) return undefined;
      j = end;
      continue;
    }
    // A function type in the annotation (`): () => number {`) goes on; an arrow's own
    // `=> {` is the arrow rule's, and the end of a statement or list is no body.
    if (t.text === '=>' && tokens[j + 1]?.text === '{') return undefined;
    if ([';', '=', ')', ']', '}'].includes(t.text)) return undefined;
  }
  return undefined;
}

/** Name of an arrow function from what precedes its parameters (`const f = (…) =>`, `f: (…) =>`). */
function arrowName(
  tokens: readonly Token[],
  arrow: number,
  pairs: Map<number, number>,
): { name: string; start: number } {
  // Back over a return type (`(x): Promise<T> =>`) to the parameters' `)`, or a lone parameter.
  let k = arrow - 1;
  for (let j = arrow - 1, steps = 0; j >= 0 && steps < 40; steps++) {
    const t = tokens[j] as Token;
    const after = tokens[j + 1]?.text;
    if (t.text === ')' && (after === '=>' || after === ':')) {
      k = pairs.get(j) ?? j;
      break;
    }
    if (t.text === ')' || t.text === ']' || t.text === '}') j = (pairs.get(j) ?? j) - 1;
    else if ([';', '{', '=', ',', '(', '['].includes(t.text)) break;
    else j--;
  }
  if (tokens[k - 1]?.text === 'async') k--;
  const before = tokens[k - 1];
  const name = tokens[k - 2];
  const line = tokens[k]?.line ?? tokens[arrow]!.line;
  if ((before?.text === '=' || before?.text === ':') && name?.kind === 'id')
    return { name: name.text, start: name.line };
  return { name: '<arrow>', start: line };
}

/** Every function body of a text: declarations, methods, constructors, accessors and arrows with a block body. */
export function findFunctions(text: string): FunctionSpan[] {
  const tokens = tokenize(text);
  const pairs = partners(tokens);
  const found: FunctionSpan[] = [];
  const add = (name: string, start: number, open: number) => {
    const close = pairs.get(open);
    if (close === undefined) return;
    const end = tokens[close]!.line;
    found.push({ name, start, end, lines: end - start + 1 });
  };
  tokens.forEach((t, i) => {
    if (t.kind === 'p' && t.text === '=>' && tokens[i + 1]?.text === '{') {
      const { name, start } = arrowName(tokens, i, pairs);
      add(name, start, i + 1);
      return;
    }
    if (t.kind !== 'p' || t.text !== ')') return;
    const open = pairs.get(i);
    if (open === undefined) return;
    const body = bodyAfterParams(tokens, i, pairs);
    if (body === undefined) return;
    let k = open - 1;
    // Type parameters: `function f<T>(` / `m<K extends keyof X>(`.
    if (tokens[k]?.text === '>') {
      let depth = 0;
      for (; k >= 0; k--) {
        const x = tokens[k]!.text;
        if (x === '>') depth++;
        else if (x === '<' && --depth === 0) break;
      }
      k--;
    }
    const head = tokens[k];
    if (!head || head.kind !== 'id' || STATEMENTS.has(head.text)) return;
    add(head.text === 'function' ? '<function>' : head.text, head.line, body);
  });
  return found.sort((a, b) => a.start - b.start);
}
