import { duplicateKeys, lineColumn, locateJsonError } from './json-locate.js';
import { InputError, type Problem } from './problems.js';

// UTF-16 read as UTF-8: its byte-order mark decodes to two replacement characters, and
// ASCII text to characters with a zero byte between each two.
const UTF16 = /^(\uFFFD\uFFFD)?(?:[\t\n\r\x20-\x7e]\0[\t\n\r\x20-\x7e]\0|\0[\t\n\r\x20-\x7e]\0[\t\n\r\x20-\x7e])/;

/**
 * Parse JSON as people write it. A UTF-8 byte-order mark (Windows editors add one) is
 * dropped; a UTF-16 file is named as such rather than shown as garbage; a syntax error
 * gives line, column and the character, shown by its code point when it is invisible;
 * a key given twice in one object is refused with both lines, since JSON.parse would
 * silently keep the last (a duplicated `duration_s` once turned a 30 s run into
 * 3,000,000 s).
 */
export function parseJsonText(text: string, source: string): unknown {
  if (UTF16.test(text)) {
    throw new InputError(source, [{ path: '', message: 'is not UTF-8 (it looks like UTF-16): save it as UTF-8' }]);
  }
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InputError(source, [{ path: '', message: `not valid JSON: ${jsonErrorWhere(body)}` }]);
  }
  const problems: Problem[] = duplicateKeys(body).map((d) => ({
    path: d.path,
    message: `given twice in one object (lines ${lineColumn(body, d.first).line} and ${lineColumn(body, d.again).line}); JSON keeps only the last, so remove one`,
  }));
  if (problems.length > 0) throw new InputError(source, problems);
  return json;
}

/** "line 4, column 7: unexpected '}'" for a JSON syntax error. */
export function jsonErrorWhere(text: string): string {
  if (text.trim() === '') return 'the file is empty';
  const at = locateJsonError(text);
  const { line, column } = lineColumn(text, at);
  return `line ${line}, column ${column}: ${at >= text.length ? 'unexpected end of file' : `unexpected ${showChar(text.codePointAt(at) as number)}`}`;
}

/** A character as a reader can see it: printable ASCII quoted, anything else by code point. */
export function showChar(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code >= 0x21 && code <= 0x7e) return `${JSON.stringify(String.fromCodePoint(code))}`;
  const names: Record<number, string> = {
    0x09: 'a tab',
    0x20: 'a space',
    0xa0: 'a no-break space',
    0xfeff: 'a byte-order mark',
    0x200b: 'a zero-width space',
    0x201c: 'a curly quote “',
    0x201d: 'a curly quote ”',
    0x2018: 'a curly quote ‘',
    0x2019: 'a curly quote ’',
    0xfffd: 'an undecodable byte',
  };
  return `character ${hex}${names[code] ? ` (${names[code]})` : ''}`;
}
