import { closeSync, openSync, readSync } from 'node:fs';
import { gunzip, GzipError } from './gunzip.js';

/** The two bytes every gzip member starts with (RFC 1952, ID1 ID2). */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * A file's content as byte chunks, read synchronously `chunkBytes` at a time and
 * decompressed on the way when the file is gzip: memory stays bounded however long the
 * file. Gzip is recognised by its first two bytes, not by the name, so a gzip file
 * renamed `x.csv` works too (no text trace starts with byte 0x1f). A file named `.gz`
 * that does not start with them is refused: its header is damaged, and reading it as
 * text would only report binary garbage on line 1.
 */
export function* fileBytes(path: string, chunkBytes = 1 << 16): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    // A positioned read leaves the file position at 0 for the stream below.
    const n = readSync(fd, head, 0, 2, 0);
    const raw = chunks(fd, chunkBytes);
    if (n === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) yield* gunzip(raw);
    else if (/\.gz$/i.test(path))
      throw new GzipError('is named .gz but is not gzip data (it does not start with the bytes 1f 8b)');
    else yield* raw;
  } finally {
    closeSync(fd);
  }
}

function* chunks(fd: number, chunkBytes: number): Generator<Uint8Array> {
  for (;;) {
    // A fresh buffer each time: the consumer may still hold the previous chunk.
    const buffer = Buffer.allocUnsafe(chunkBytes);
    const n = readSync(fd, buffer, 0, chunkBytes, null);
    if (n === 0) return;
    yield buffer.subarray(0, n);
  }
}
