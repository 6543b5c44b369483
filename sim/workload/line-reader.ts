import { StringDecoder } from 'node:string_decoder';
import { fileBytes } from './file-bytes.js';
import { GzipError } from './gunzip.js';
import { quote } from './quote.js';
import { TraceError } from './trace-formats.js';

/**
 * Longest line a trace may hold, in characters. **Assumption**, with a wide margin:
 * the longest row of the shipped traces is 2,698 characters (a Mooncake row listing
 * 374 prefix blocks); a 1M-token Mooncake prompt would list ~2,000 blocks, ~16 KB.
 * A longer line is not a trace row (a binary file, a wrong format, a file without
 * newlines), and holding it would let one line grow to V8's string limit and crash.
 */
export const MAX_LINE_CHARS = 1 << 20;

/**
 * Lines of a text file, plain or gzip-compressed, read synchronously in fixed-size
 * chunks: memory stays bounded however long the file (a trace of millions of rows is
 * never loaded whole). Handles a last line without a trailing newline, CRLF endings and
 * UTF-8 sequences split across chunks. Yields [line number (1-based), text]. A line
 * over `maxLineChars` is a TraceError naming it; gzip data that is truncated or
 * corrupt is a TraceError saying how many lines were read before it.
 */
export function* readLines(
  path: string,
  chunkBytes = 1 << 16,
  maxLineChars = MAX_LINE_CHARS,
): Generator<[number, string]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 0;
  const bounded = (text: string) => {
    if (text.length > maxLineChars) {
      throw new TraceError(
        lineNo + 1,
        `is longer than ${maxLineChars.toLocaleString('en-US')} characters, which no trace row is (not a trace, or not this format?); it starts ${quote(text.slice(0, 60))}…`,
      );
    }
  };
  try {
    for (const bytes of fileBytes(path, chunkBytes)) {
      const parts = (carry + decoder.write(bytes)).split('\n');
      carry = parts.pop() as string;
      for (const p of parts) {
        bounded(p);
        yield [++lineNo, stripCr(p)];
      }
      bounded(carry);
    }
  } catch (err) {
    // Not pinned to a line: zlib may hold back decoded text until its check fails.
    if (err instanceof GzipError) {
      throw new TraceError(
        undefined,
        lineNo === 0 ? err.message : `${err.message} (${lineNo.toLocaleString('en-US')} lines read before it)`,
      );
    }
    throw err;
  }
  carry += decoder.end();
  if (carry.length > 0) yield [++lineNo, stripCr(carry)];
}

const stripCr = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s);
