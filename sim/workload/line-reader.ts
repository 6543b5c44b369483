import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Lines of a text file, read synchronously in fixed-size chunks: memory stays bounded
 * however long the file (a trace of millions of rows is never loaded whole). Handles a
 * last line without a trailing newline, CRLF endings and UTF-8 sequences split across
 * chunks. Yields [line number (1-based), text].
 */
export function* readLines(path: string, chunkBytes = 1 << 16): Generator<[number, string]> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(chunkBytes);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let lineNo = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, chunkBytes, null);
      if (n === 0) break;
      const parts = (carry + decoder.write(buffer.subarray(0, n))).split('\n');
      carry = parts.pop() as string;
      for (const p of parts) yield [++lineNo, stripCr(p)];
    }
    carry += decoder.end();
    if (carry.length > 0) yield [++lineNo, stripCr(carry)];
  } finally {
    closeSync(fd);
  }
}

const stripCr = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s);
