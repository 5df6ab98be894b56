/**
 * Bounded gzip decompression for untrusted files (browser-safe, the same code in Node): the
 * output is produced a few kilobytes of input at a time and stops as soon as it passes a limit,
 * every member's CRC-32 and length trailer is checked, and a size the caller learns from the
 * first bytes (an IDX header) can tighten the limit before the rest is inflated.
 */
import { Gunzip } from 'fflate';
import { crc32 } from '../util/crc32.js';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Deflate cannot expand data more than about 1032 times (258-byte matches in 2 bits). */
export const MAX_DEFLATE_RATIO = 1032;

export interface GunzipOptions {
  /** Refuse to produce more than this many bytes. */
  maxBytes: number;
  /**
   * Called with the output so far until it returns a number: the exact size the output must
   * have (e.g. from a header). It may throw to reject the data early.
   */
  expectedSize?: (prefix: Uint8Array) => number | undefined;
}

/**
 * Input bytes inflated per step: small while the header is unknown, then sized so one step's
 * output (at most MAX_DEFLATE_RATIO times its input) cannot pass the limit by much.
 */
const MIN_STEP = 512;
const MAX_STEP = 65536;

/** How many compressed bytes to inflate next when `remaining` output bytes are still allowed. */
export function boundedStep(remaining: number): number {
  return Math.min(MAX_STEP, Math.max(MIN_STEP, Math.floor(remaining / MAX_DEFLATE_RATIO)));
}

/**
 * Gunzips `input` (one or more members). Errors start with `what` and say whether the data is
 * corrupt, truncated, or larger than `maxBytes` / the expected size.
 */
export function gunzipBounded(input: Uint8Array, what: string, options: GunzipOptions): Uint8Array {
  const { maxBytes, expectedSize } = options;
  const fail = (why: string): never => {
    throw new GzipLimitError(`${what}: ${why}`);
  };
  let limit = maxBytes;
  let expected: number | undefined;
  let chunks: Uint8Array[] = [];
  let out: Uint8Array | null = null; // allocated once the expected size is known
  let total = 0;
  let memberCrc = 0;
  let memberLength = 0;
  const checkTrailer = (end: number): void => {
    if (end < 8) fail('the gzip data ends inside its header');
    const view = new DataView(input.buffer, input.byteOffset + end - 8, 8);
    if (view.getUint32(0, true) !== memberCrc || view.getUint32(4, true) !== memberLength % 2 ** 32) {
      fail('the gzip trailer (CRC-32 and length) does not match the decompressed data; the file is truncated or corrupt');
    }
    memberCrc = 0;
    memberLength = 0;
  };
  const tooLong = (): never =>
    fail(
      expected === undefined
        ? `the gzip data decompresses to more than maxBytes = ${maxBytes} bytes; raise maxBytes if the file is trusted`
        : `the gzip data decompresses to more than the ${expected} bytes its header declares`,
    );
  const learnExpected = (prefix: Uint8Array): void => {
    expected = expectedSize!(prefix);
    if (expected === undefined) return;
    if (expected > maxBytes) fail(`the header declares ${expected} bytes, more than maxBytes = ${maxBytes}; raise maxBytes if the file is trusted`);
    if (expected > MAX_DEFLATE_RATIO * input.length + 1024) {
      fail(`the header declares ${expected} bytes, more than ${input.length} bytes of gzip can hold; the file is truncated or forged`);
    }
    if (prefix.length > expected) tooLong();
    limit = expected;
    out = new Uint8Array(expected);
    out.set(prefix);
    chunks = [];
  };
  const stream = new Gunzip((chunk) => {
    if (chunk.length === 0) return;
    memberCrc = crc32(chunk, memberCrc);
    memberLength += chunk.length;
    const end = total + chunk.length;
    if (out === null && expectedSize !== undefined && expected === undefined) {
      chunks.push(chunk);
      total = end;
      const prefix = concat(chunks, total);
      chunks = [prefix];
      learnExpected(prefix);
      if (total > limit) tooLong();
      return;
    }
    if (end > limit) tooLong();
    if (out !== null) out.set(chunk, total);
    else chunks.push(chunk);
    total = end;
  });
  stream.onmember = (offset) => checkTrailer(offset);
  try {
    for (let at = 0; at < input.length; ) {
      const headerPending = expectedSize !== undefined && expected === undefined;
      const step = headerPending ? MIN_STEP : boundedStep(limit - total);
      stream.push(input.subarray(at, at + step), at + step >= input.length);
      at += step;
    }
  } catch (e) {
    if (e instanceof GzipLimitError) throw e;
    throw new Error(`${what}: the data starts like gzip but does not decompress (${(e as Error).message}); the file may be truncated or corrupt`);
  }
  checkTrailer(input.length);
  if (out !== null) {
    if (total !== expected) fail(`the gzip data decompresses to ${total} bytes but its header declares ${expected}; the file is truncated`);
    return out;
  }
  return concat(chunks, total);
}

class GzipLimitError extends Error {}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
