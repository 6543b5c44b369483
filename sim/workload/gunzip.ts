import { Inflate } from 'pako';

/** Gzip data that cannot be decompressed: truncated or corrupt. */
export class GzipError extends Error {}

/** Compressed bytes handed to the inflater at a time. Deflate expands at most 1032:1,
 * so one step emits at most ~17 MB however hostile the file (a "gzip bomb"). */
const INFLATE_STEP_BYTES = 1 << 14;

/**
 * Decompresses a gzip stream (one or more members, RFC 1952) chunk by chunk,
 * synchronously: memory is bounded by one step's output, never the file's size.
 *
 * Why pako and not node:zlib: the trace readers are synchronous generators, pulled one
 * arrival at a time by the event loop of the simulation and by the (synchronous)
 * scenario checker. node:zlib streams only asynchronously; its sync calls
 * (gunzipSync, and the `_processChunk` behind them, which closes its handle after one
 * call) take the whole input at once. Making the readers async would make every run
 * and every scenario check async. pako is a line-by-line port of zlib's inflate with a
 * documented synchronous streaming API (`Inflate.push` → `onData`) and checks the
 * gzip CRC-32 and length, so a corrupt or truncated file is an error, not short data.
 */
export function* gunzip(chunks: Iterable<Uint8Array>): Generator<Uint8Array> {
  const inflate = new Inflate();
  let out: Uint8Array[] = [];
  inflate.onData = (chunk) => void out.push(chunk);
  let compressed_bytes = 0;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length && !inflate.ended; i += INFLATE_STEP_BYTES) {
      const step = chunk.subarray(i, i + INFLATE_STEP_BYTES);
      inflate.push(step, false);
      compressed_bytes += step.length;
      // What decompressed before a fault is still handed on: the lines before it are good.
      yield* out;
      out = [];
      if (inflate.err) throw failure(inflate, compressed_bytes);
    }
  }
  if (!inflate.ended) inflate.push(new Uint8Array(0), true);
  yield* out;
  if (inflate.err) throw failure(inflate, compressed_bytes);
}

/** zlib's status codes (zlib.h) that pako reports. */
const Z_DATA_ERROR = -3;
const Z_BUF_ERROR = -5;

function failure(inflate: Inflate, compressed_bytes: number): GzipError {
  if (inflate.err === Z_BUF_ERROR) {
    return new GzipError(
      `the gzip data ends early, after ${compressed_bytes.toLocaleString('en-US')} bytes: the file is truncated`,
    );
  }
  const what = inflate.err === Z_DATA_ERROR ? 'is corrupt' : 'cannot be decompressed';
  return new GzipError(
    `the gzip data ${what} (zlib: ${inflate.msg || `status ${inflate.err}`}) within its first ${compressed_bytes.toLocaleString('en-US')} bytes`,
  );
}
