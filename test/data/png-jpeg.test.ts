/**
 * PNG pixels against files of every colour type and bit depth, interlaced and not
 * (scripts/gen_png_fixtures.py, checked there against Pillow), and PNG / JPEG files that lie about
 * their size: rejected from the header, before the decoder allocates.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { decodeImage, decodeJpeg, decodePng } from '../../src/data/index.js';
import { crc32 } from '../../src/util/crc32.js';

const FIXTURES = new URL('../fixtures/png/', import.meta.url);

interface Expected {
  width: number;
  height: number;
  channels: number;
  maxValue: number;
  samples: number[];
}

/** A PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function ihdr(width: number, height: number, depth: number, colourType: number, interlace = 0): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([depth, colourType, 0, 0, interlace], 8);
  return chunk('IHDR', data);
}

/** A PNG from chunks: the signature, then each chunk, then IEND. */
function png(...chunks: Uint8Array[]): Uint8Array {
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), ...chunks, chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const idat = (filtered: number[] | Uint8Array): Uint8Array => chunk('IDAT', new Uint8Array(deflateSync(new Uint8Array(filtered))));

function timedGrowth(body: () => unknown): { ms: number; bytes: number } {
  const before = process.memoryUsage();
  const started = performance.now();
  try {
    body();
  } catch {
    // asserted by the caller
  }
  const after = process.memoryUsage();
  return { ms: performance.now() - started, bytes: after.arrayBuffers - before.arrayBuffers + Math.max(0, after.heapUsed - before.heapUsed) };
}

describe('PNG pixels match the reference for every colour type and bit depth', () => {
  const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as Record<string, Expected>;
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.png'));
  test('every fixture is listed', () => {
    assert.deepEqual(files.map((f) => f.slice(0, -4)).sort(), Object.keys(expected).sort());
    assert.ok(files.length >= 33);
  });
  for (const file of files) {
    test(file, () => {
      const want = expected[file.slice(0, -4)]!;
      const image = decodePng(new Uint8Array(readFileSync(new URL(file, FIXTURES))));
      const { width, height, channels, maxValue, samples } = want;
      assert.deepEqual(image.shape, [1, channels, height, width]);
      const got = image.toTypedArray();
      const plane = width * height;
      for (let p = 0; p < plane; p++) {
        for (let k = 0; k < channels; k++) {
          const v = samples[p * channels + k]! / maxValue;
          const g = got[k * plane + p]!;
          if (Math.abs(g - v) > 1e-7) assert.fail(`${file}: pixel ${p % width},${Math.floor(p / width)} channel ${k} is ${g}, expected ${v}`);
        }
      }
    });
  }
});

describe('PNG regressions', () => {
  test('an RGB image with a suggested palette decodes by its colour type, not as black', () => {
    const file = png(ihdr(2, 1, 8, 2), chunk('PLTE', new Uint8Array([9, 9, 9])), idat([0, 255, 0, 0, 0, 128, 255]));
    assert.deepEqual(decodePng(file).toArray(), [[[[1, 0]], [[0, 128 / 255]], [[0, 1]]]].map((c) => c.map((r) => r.map((row) => row.map((v) => Math.fround(v))))));
  });

  test('a 16-bit RGBA image reads its samples in range (no read past the end)', () => {
    const file = png(ihdr(1, 1, 16, 6), idat([0, 0xff, 0xff, 0x80, 0x00, 0x00, 0x01, 0x00, 0x00]));
    const values = decodePng(file).toTypedArray();
    assert.deepEqual(Array.from(values), [1, 0x8000 / 65535, 1 / 65535, 0].map(Math.fround));
  });

  test('colour images at bit depths 1, 2 and 4 are rejected (the specification forbids them)', () => {
    for (const [type, depth] of [[2, 4], [6, 2], [4, 1]]) {
      assert.throws(() => decodePng(png(ihdr(1, 1, depth!, type!), idat([0, 0]))), new RegExp(`decodePng: IHDR has colour type ${type} .* at bit depth ${depth}; the PNG specification allows only 8, 16`));
    }
  });

  test('an interlaced 1-bit image decodes (the dependency failed with "Unsupported filter: 80")', () => {
    // 3x1, Adam7: pixel 0 in pass 1, pixel 2 in pass 4, pixel 1 in pass 6.
    const file = png(ihdr(3, 1, 1, 0, 1), idat([0, 0x80, 0, 0x00, 0, 0x80]));
    assert.deepEqual(Array.from(decodePng(file).toTypedArray()), [1, 1, 0]);
  });

  test('a palette index past the palette is an error, not black', () => {
    const file = png(ihdr(2, 1, 8, 3), chunk('PLTE', new Uint8Array([1, 2, 3])), idat([0, 0, 5]));
    assert.throws(() => decodePng(file), /decodePng: pixel \(1, 0\) uses palette index 5 but PLTE has 1 entries/);
  });

  test('a 66-byte PNG declaring 2^31-1 x 1 pixels is rejected from IHDR, quickly and without allocating', () => {
    const file = png(ihdr(2 ** 31 - 1, 1, 8, 0), idat([0, 0]));
    assert.ok(file.length < 70);
    assert.throws(() => decodePng(file), /IHDR declares 2147483647x1 = 2147483647 pixels, more than maxPixels = 50000000/);
    assert.throws(() => decodePng(file, { maxPixels: 1e12 }), /the IDAT chunks hold only \d+ compressed bytes; the file is truncated or forged/);
    const { ms, bytes } = timedGrowth(() => decodePng(file, { maxPixels: 1e12 }));
    assert.ok(ms < 100 && bytes < 1e6, `${ms} ms, ${bytes} bytes`);
    const square = png(ihdr(20000, 20000, 8, 2), idat([0, 0, 0, 0]));
    assert.throws(() => decodePng(square), /20000x20000 = 400000000 pixels, more than maxPixels/);
    assert.ok(timedGrowth(() => decodePng(square, { maxPixels: 1e9 })).bytes < 1e6);
  });

  test('an image-data bomb stops at the size IHDR implies', () => {
    const bomb = new Uint8Array(deflateSync(new Uint8Array(64 * 2 ** 20), { level: 9 }));
    const file = png(ihdr(4, 4, 8, 0), chunk('IDAT', bomb));
    assert.throws(() => decodePng(file), /the image data decompresses to more than the 20 bytes IHDR implies/);
    const { ms, bytes } = timedGrowth(() => decodePng(file));
    assert.ok(bytes < 8 * 2 ** 20 && ms < 1000, `${bytes} bytes in ${ms} ms`);
  });

  test('a compressed colour profile bomb (iCCP) is skipped, not inflated', () => {
    const profile = new Uint8Array([...new TextEncoder().encode('icc'), 0, 0, ...deflateSync(new Uint8Array(64 * 2 ** 20), { level: 9 })]);
    const file = png(ihdr(1, 1, 8, 0), chunk('iCCP', profile), idat([0, 51]));
    const { bytes } = timedGrowth(() => decodePng(file));
    assert.deepEqual(Array.from(decodePng(file).toTypedArray()), [Math.fround(51 / 255)]);
    assert.ok(bytes < 8 * 2 ** 20, `${bytes} bytes`);
  });

  test('chunks that lie about their length, fail their CRC or come out of order are named errors', () => {
    const good = png(ihdr(1, 1, 8, 0), idat([0, 7]));
    const longChunk = good.slice();
    new DataView(longChunk.buffer).setUint32(33, 0x7ffffff0);
    assert.throws(() => decodePng(longChunk), /the IDAT chunk declares 2147483632 bytes but the file ends/);
    const badCrc = good.slice();
    badCrc[good.length - 20]! ^= 1;
    assert.throws(() => decodePng(badCrc), /decodePng: the IDAT chunk at byte 33 fails its CRC/);
    assert.throws(() => decodePng(good.subarray(0, good.length - 12)), /before IEND; it is truncated/);
    assert.throws(() => decodePng(png(ihdr(1, 1, 8, 0), chunk('ABCD', new Uint8Array(1)), idat([0, 7]))), /unknown critical chunk ABCD/);
    assert.throws(() => decodePng(png(ihdr(1, 1, 8, 3), idat([0, 0]))), /without a PLTE chunk/);
    assert.throws(() => decodePng(png(ihdr(2, 1, 8, 0), idat([5, 0, 0]))), /row 0 has filter type 5/);
    assert.throws(() => decodePng(png(ihdr(2, 2, 8, 0), idat([0, 1, 2]))), /decompresses to 3 bytes but IHDR implies 6; the file is truncated/);
  });
});

describe('JPEG frame headers are checked before decoding', () => {
  const rgba = new Uint8Array(16 * 16 * 4).fill(128);
  const small = new Uint8Array(jpeg.encode({ width: 16, height: 16, data: rgba }, 50).data);
  /** The same file with its SOF's height and width replaced. */
  function withSize(width: number, height: number): Uint8Array {
    const bytes = small.slice();
    for (let at = 2; at < bytes.length; ) {
      const marker = bytes[at + 1]!;
      if (marker === 0xc0 || marker === 0xc2) {
        new DataView(bytes.buffer).setUint16(at + 5, height);
        new DataView(bytes.buffer).setUint16(at + 7, width);
        return bytes;
      }
      at += 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
    }
    throw new Error('no SOF');
  }

  test('a small JPEG still decodes', () => {
    assert.deepEqual(decodeJpeg(small).shape, [1, 3, 16, 16]);
  });

  test('a JPEG whose SOF says 10000x10000 is rejected by maxPixels (50 megapixels by default), instantly', () => {
    const forged = withSize(10000, 10000);
    assert.ok(forged.length < 1000);
    const { ms, bytes } = timedGrowth(() => decodeJpeg(forged));
    assert.throws(() => decodeJpeg(forged), /decodeJpeg: the frame header declares 10000x10000 = 100000000 pixels, more than maxPixels = 50000000/);
    assert.ok(ms < 100 && bytes < 1e6, `${ms} ms, ${bytes} bytes`);
  });

  test('a SOF larger than the file could encode is rejected even under maxPixels', () => {
    const forged = withSize(5000, 5000);
    assert.throws(() => decodeImage(forged), /declares 5000x5000 pixels \(390625 8x8 blocks\) but the file has only \d+ bytes/);
    const { ms, bytes } = timedGrowth(() => decodeJpeg(forged, { maxPixels: 1e9 }));
    assert.ok(ms < 100 && bytes < 1e6, `${ms} ms, ${bytes} bytes`);
  });

  test('options are checked', () => {
    assert.throws(() => decodeJpeg(small, { maxPixel: 5 } as never), /unknown option 'maxPixel' for decodeJpeg; did you mean 'maxPixels'\?/);
    assert.throws(() => decodePng(small, { channels: 5 as never }), /decodePng: channels must be 1, 2, 3 or 4, got 5/);
    assert.throws(() => decodeImage('x' as never), /decodeImage: expected the file's bytes as a Uint8Array/);
  });
});
