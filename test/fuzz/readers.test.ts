/**
 * Seeded fuzzing of every file reader through its public API (safetensors, IDX, CSV, PNG, JPEG):
 * a few thousand mutated files each in `npm test`; NABLA_FUZZ_N=<per format> for a long run,
 * NABLA_FUZZ_SEED=<k> for other inputs.
 * See test/helpers/fuzz.ts for the mutations and the properties every input must satisfy.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import * as nb from '../../src/index.js';
import { decodeJpeg, decodePng, encodeIdx, encodePng, parseCsv, parseIdx, type IdxType } from '../../src/data/index.js';
import { crc32 } from '../../src/util/crc32.js';
import { deserializeSafetensors, serializeSafetensors } from '../../src/io/index.js';
import { fuzzCount, fuzzSeed, runFuzz, sizeOf, type FuzzReport, type FuzzTarget } from '../helpers/fuzz.js';

const fixture = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/${path}`, import.meta.url)));

function run<T>(target: FuzzTarget<T>, fallback: number, seed: number): void {
  const report: FuzzReport = runFuzz(target, fuzzCount(fallback), fuzzSeed(seed));
  console.log(
    `fuzz ${target.format}: ${report.inputs} inputs (${report.accepted} accepted, ${report.rejected} rejected) in ${(report.totalMs / 1000).toFixed(1)} s; ` +
      `slowest ${report.slowestMs.toFixed(1)} ms, largest allocation ${(report.largestAllocation / 2 ** 20).toFixed(1)} MiB`,
  );
  assert.ok(report.accepted > 0 && report.rejected > 0, `the mutations should give both outcomes: ${JSON.stringify(report)}`);
}

/** A decoded image: [1, C, H, W], C in 1..4, every value a finite number in [0, 1]. */
function checkImage(image: nb.Tensor): void {
  assert.equal(image.ndim, 4);
  assert.equal(image.shape[0], 1);
  assert.ok(image.shape[1]! >= 1 && image.shape[1]! <= 4);
  const values = image.toTypedArray();
  assert.equal(values.length, sizeOf(image.shape));
  for (const v of values) if (!(v >= 0 && v <= 1)) assert.fail(`pixel value ${v} outside [0, 1]`);
}

/** Recomputes every whole chunk's CRC, so a mutation inside a chunk reaches the decoder. */
function fixPngCrcs(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (let at = 8; at + 12 <= out.length; ) {
    const length = view.getUint32(at);
    if (at + 12 + length > out.length) break;
    view.setUint32(at + 8 + length, crc32(out.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  return out;
}

describe('fuzzing the file readers', () => {
  test('safetensors', () => {
    const g = new nb.Generator(7);
    const seeds = [
      serializeSafetensors({ 'w.weight': nb.randn([3, 3], { generator: g }), 'w.bias': nb.randn([3], { generator: g, dtype: 'float64' }), n: nb.tensor([1, 2], { dtype: 'int32' }), m: nb.tensor([true]) }, { format: 'pt' }),
      serializeSafetensors({ a: nb.zeros([0, 2]), b: nb.tensor(1.5) }),
      fixture('safetensors/dtypes.safetensors'),
      fixture('safetensors/i64-overflow.safetensors'),
    ];
    run(
      {
        format: 'safetensors',
        seeds,
        read: (bytes) => deserializeSafetensors(bytes),
        check: ({ tensors, fileDTypes }) => {
          assert.deepEqual(Object.keys(tensors).sort(), Object.keys(fileDTypes).sort());
          for (const t of Object.values(tensors)) {
            assert.ok(t.shape.every((d) => Number.isSafeInteger(d) && d >= 0));
            assert.equal(t.toTypedArray().length, sizeOf(t.shape));
          }
        },
        errorPrefix: /^safetensors: /,
      },
      4000,
      1,
    );
  });

  test('IDX (raw and gzipped)', () => {
    const raw: [IdxType, number[]][] = [['uint8', [3, 2, 2]], ['int16', [5]], ['float32', [2, 3]], ['float64', [2]], ['int32', [1, 1, 2]], ['int8', [4]]];
    const files = raw.map(([type, shape]) => encodeIdx(type, shape, Array.from({ length: sizeOf(shape) }, (_, i) => (i * 37) % 100)));
    const seeds = [...files, ...files.slice(0, 3).map((f) => new Uint8Array(gzipSync(f)))];
    run(
      {
        format: 'IDX',
        seeds,
        read: (bytes) => parseIdx(bytes, 'fuzz.idx'),
        check: ({ shape, data }) => {
          assert.ok(shape.every((d) => Number.isSafeInteger(d) && d >= 0));
          assert.equal(data.length, sizeOf(shape));
        },
        errorPrefix: /^parseIdx\(fuzz\.idx\): /,
      },
      4000,
      2,
    );
  });

  test('CSV', () => {
    const texts = [
      'a,"b, quoted",species\r\n1,2,cat\r\n3.5,"-4",dog\r\n5,6e1,cat\r\n',
      'x,y\n1,0\n2,2\n3,10\n4,1\n',
      'p;q;r\n0.5;1;2.5\n;nan;3\n',
      'f1,f2,target\n1,2,0.25\n3,4,0.5\n',
    ];
    run(
      {
        format: 'CSV',
        seeds: texts.map((t) => new TextEncoder().encode(t)),
        read: (bytes) => {
          const text = new TextDecoder().decode(bytes);
          return parseCsv(text, text.includes(';') ? { delimiter: ';' } : {});
        },
        check: ({ features, labels, featureNames, classNames }) => {
          const [rows, columns] = features.shape as [number, number];
          assert.equal(columns, featureNames.length);
          assert.equal(features.toTypedArray().length, rows * columns);
          if (labels === null) return;
          assert.deepEqual(labels.shape, [rows]);
          const values = labels.toTypedArray();
          for (const v of values) if (!Number.isFinite(v)) assert.fail(`label ${v}`);
          if (classNames !== null) for (const v of values) assert.ok(v >= 0 && v < classNames.length && Number.isInteger(v));
        },
        errorPrefix: /^parseCsv: /,
      },
      4000,
      3,
    );
  });

  test('PNG', () => {
    const names = ['ct0-d1-adam7', 'ct0-d16', 'ct2-d8', 'ct3-d4-adam7', 'ct4-d8', 'ct6-d16-adam7', 'rgb-3x2-adam7'];
    const seeds = [...names.map((n) => fixture(`png/${n}.png`)), encodePng(nb.rand([3, 4, 5], { generator: new nb.Generator(3) }))];
    run({ format: 'PNG', seeds, read: (bytes) => decodePng(bytes), check: checkImage, errorPrefix: /^decodePng: /, repair: fixPngCrcs }, 4000, 4);
  });

  test('JPEG', () => {
    const rgba = Uint8Array.from({ length: 16 * 8 * 4 }, (_, i) => (i * 29) % 256);
    const seeds = [
      new Uint8Array(jpeg.encode({ width: 16, height: 8, data: rgba }, 50).data),
      new Uint8Array(jpeg.encode({ width: 8, height: 8, data: rgba.subarray(0, 256) }, 90).data),
      fixture('jpeg/progressive.jpg'),
      fixture('jpeg/gray.jpg'),
    ];
    run({ format: 'JPEG', seeds, read: (bytes) => decodeJpeg(bytes), check: checkImage, errorPrefix: /^decodeJpeg: / }, 3000, 5);
  });
});
