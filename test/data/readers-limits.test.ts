/**
 * Untrusted IDX, gzip and CSV input: decompression bombs stop at the declared or documented size,
 * corrupt gzip trailers are rejected the same way in Node and browsers, and CSV labels neither
 * wrap nor renumber. Every file is generated here, a few bytes to a few megabytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, parseCsv, parseIdx } from '../../src/data/index.js';
import { readCsvFile, readIdxFile, readImage } from '../../src/data/node.js';
import { crc32 } from '../../src/util/crc32.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-limits-'));
let fileCount = 0;
function toFile(bytes: Uint8Array, ext = 'gz'): string {
  const path = join(dir, `f${fileCount++}.${ext}`);
  writeFileSync(path, bytes);
  return path;
}

/** Bytes of ArrayBuffers allocated while `body` runs (an upper bound on what it kept alive). */
function arrayBufferGrowth(body: () => unknown): number {
  const before = process.memoryUsage().arrayBuffers;
  try {
    body();
  } catch {
    // the caller asserts the error separately
  }
  return process.memoryUsage().arrayBuffers - before;
}

/** Both entry points, browser (parseIdx) and Node (readIdxFile), must agree. */
function bothPaths(bytes: Uint8Array): { browser: () => unknown; node: () => unknown } {
  const path = toFile(bytes);
  return { browser: () => parseIdx(bytes, 'x.gz'), node: () => readIdxFile(path) };
}

describe('IDX gzip: CRC, length trailer and size limits, the same in Node and browsers', () => {
  const idx = encodeIdx('uint8', [4, 3], Array.from({ length: 12 }, (_, i) => i * 20));
  const gz = new Uint8Array(gzipSync(idx));

  test('a valid gzip and a two-member gzip are read by both paths', () => {
    const two = new Uint8Array([...gzipSync(idx.subarray(0, 10)), ...gzipSync(idx.subarray(10))]);
    for (const bytes of [gz, two]) {
      const { browser, node } = bothPaths(bytes);
      for (const read of [browser, node]) assert.deepEqual(Array.from((read() as { data: Uint8Array }).data), Array.from(idx.subarray(12)));
    }
  });

  const corrupt: [string, Uint8Array, RegExp][] = [
    ['a flipped CRC', (() => { const b = gz.slice(); b[b.length - 8]! ^= 1; return b; })(), /CRC-32 and length/],
    ['a forged length trailer', (() => { const b = gz.slice(); new DataView(b.buffer).setUint32(b.length - 4, 0xffffffff, true); return b; })(), /CRC-32 and length/],
    ['a truncated trailer', gz.subarray(0, gz.length - 3), /CRC-32 and length|does not decompress/],
    ['no trailer at all', gz.subarray(0, gz.length - 8), /CRC-32 and length|does not decompress/],
    ['trailing junk', new Uint8Array([...gz, 1, 2, 3, 4, 5, 6, 7, 8, 9]), /does not decompress|CRC-32/],
    ['a flipped data bit', (() => { const b = gz.slice(); b[12]! ^= 4; return b; })(), /does not decompress|CRC-32|declares|decompresses to/],
  ];
  for (const [name, bytes, message] of corrupt) {
    test(`${name} is rejected by both paths`, () => {
      const { browser, node } = bothPaths(bytes);
      assert.throws(browser, (e: Error) => /^parseIdx\(x\.gz\): /.test(e.message) && message.test(e.message));
      assert.throws(node, (e: Error) => /^parseIdx\(.*\.gz\): /.test(e.message) && message.test(e.message));
    });
  }

  test('a 32-byte gzip whose trailer claims 4 GiB allocates nothing of that size', () => {
    const tiny = new Uint8Array(gzipSync(encodeIdx('uint8', [1], [5])));
    new DataView(tiny.buffer).setUint32(tiny.length - 4, 0xfffffff0, true);
    assert.ok(tiny.length <= 40);
    const grown = arrayBufferGrowth(() => parseIdx(tiny));
    assert.throws(() => parseIdx(tiny), /CRC-32 and length/);
    assert.ok(grown < 1e6, `allocated ${grown} bytes`);
  });

  test('a bomb whose header declares 16 elements stops just past them, not at the end of the data', () => {
    const body = new Uint8Array(64 * 2 ** 20); // 64 MiB of zeros after a 16-element header
    body.set(encodeIdx('uint8', [16], new Array(16).fill(1)));
    const bomb = new Uint8Array(gzipSync(body, { level: 9 }));
    assert.ok(bomb.length < 200_000);
    for (const read of Object.values(bothPaths(bomb))) {
      const grown = arrayBufferGrowth(read);
      assert.throws(read, /decompresses to more than the 24 bytes its header declares/);
      assert.ok(grown < 16 * 2 ** 20, `allocated ${grown} bytes for a 64 MiB bomb`);
    }
  });

  test('a header that declares more than maxBytes (or than the gzip can hold) is rejected before inflating the rest', () => {
    const honest = new Uint8Array(gzipSync(encodeIdx('uint8', [1000, 1000], new Uint8Array(1e6))));
    assert.equal(parseIdx(honest).shape.join(), '1000,1000');
    assert.throws(() => parseIdx(honest, 'big.gz', { maxBytes: 100_000 }), /parseIdx\(big\.gz\): the header declares 1000012 bytes, more than maxBytes = 100000/);
    assert.throws(() => readIdxFile(toFile(honest), { maxBytes: 100_000 }), /more than maxBytes = 100000/);
    const forged = new Uint8Array(gzipSync(encodeIdx('uint8', [3], [1, 2, 3]).map((v, i) => (i === 5 ? 0x40 : v))));
    assert.throws(() => parseIdx(forged), /declares 4194315 bytes, more than \d+ bytes of gzip can hold; the file is truncated or forged/);
    assert.throws(() => parseIdx(honest, 'x', { maxBytes: -1 }), /maxBytes must be a positive integer, got -1/);
  });

  test('crc32 is the standard CRC-32', () => {
    const digits = new TextEncoder().encode('123456789123456789');
    assert.equal(crc32(digits.subarray(0, 9)), 0xcbf43926);
    assert.equal(crc32(digits.subarray(3), crc32(digits.subarray(0, 3))), crc32(digits));
  });
});

describe('Node readers refuse oversized files before reading them', () => {
  /** A sparse file of `size` bytes: no disk space, nothing to read. */
  function sparse(size: number, ext: string): string {
    const path = toFile(new Uint8Array(0), ext);
    truncateSync(path, size);
    return path;
  }

  test('readImage, readIdxFile and readCsvFile check the file size against their limits', () => {
    const huge = sparse(200 * 2 ** 20, 'png');
    const grown = arrayBufferGrowth(() => readImage(huge, { maxPixels: 1000 }));
    assert.throws(() => readImage(huge, { maxPixels: 1000 }), /readImage: cannot read .*: the file has 209715200 bytes, more than an image of maxPixels = 1000 needs/);
    assert.ok(grown < 2 ** 20, `allocated ${grown} bytes`);
    assert.throws(() => readIdxFile(sparse(10_000, 'idx'), { maxBytes: 1000 }), /readIdxFile: cannot read .*: the file has 10000 bytes, more than a file of maxBytes = 1000 can have/);
    assert.throws(() => readCsvFile(sparse(10_000, 'csv'), { maxBytes: 1000 }), /readCsvFile: cannot read .*: the file has 10000 bytes, more than a file of maxBytes = 1000 can have/);
  });
});

describe('CSV labels and limits', () => {
  test('one bad cell in a numeric label column is an error naming row and column, not a renumbering', () => {
    assert.throws(
      () => parseCsv('a,y\n1,0\n2,2\n3,10\n4,?\n'),
      /parseCsv: row 5, column "y": "\?" is not a number, but the label column is numeric \(3 of 4 labels are numbers\)/,
    );
    const asClasses = parseCsv('a,y\n1,0\n2,2\n3,10\n4,?\n', { labelType: 'class' });
    assert.deepEqual(asClasses.classNames, ['0', '2', '10', '?']);
    assert.deepEqual(asClasses.labels!.toArray(), [0, 1, 2, 3]);
    const numeric = parseCsv('a,y\n1,0\n2,2\n3,10\n');
    assert.deepEqual(numeric.labels!.toArray(), [0, 2, 10]);
    assert.equal(numeric.classNames, null);
    assert.deepEqual(parseCsv('a,y\n1,cat\n2,dog\n3,7\n').classNames, ['7', 'cat', 'dog']);
    assert.throws(() => parseCsv('a,y\n1,cat\n', { labelType: 'number' }), /row 2, column "y": "cat" is not a number, but the label column is numeric; /);
  });

  test('missing labels are an error unless missingLabel says what they become', () => {
    assert.throws(() => parseCsv('a,y\n1,0\n2,\n3,2\n'), /row 3, column "y": the label is missing; pass missingLabel/);
    assert.deepEqual(parseCsv('a,y\n1,0\n2,\n3,2\n4,NaN\n', { missingLabel: -100 }).labels!.toArray(), [0, -100, 2, -100]);
    assert.deepEqual(parseCsv('a,y\n1,b\n2,\n3,a\n', { missingLabel: -1 }).labels!.toArray(), [1, -1, 0]);
    assert.throws(() => parseCsv('a,y\n1,0\n', { missingLabel: '0' as never }), /missingLabel must be a number/);
    assert.throws(() => parseCsv('a,y\n1,0\n', { labelTyp: 'class' } as never), /unknown option 'labelTyp' for parseCsv; did you mean 'labelType'\?/);
  });

  test('integer labels outside int32 are rejected with row and column, or kept as class names', () => {
    assert.throws(() => parseCsv('a,y\n1,3\n2,4294967296\n'), /row 3, column "y": the label "4294967296" is outside the int32 range/);
    assert.throws(() => parseCsv('a,y\n1,1e20\n'), /row 2, column "y": the label "1e20" is outside the int32 range/);
    assert.throws(() => parseCsv('a,y\n1,-2147483649\n'), /outside the int32 range/);
    assert.deepEqual(parseCsv('a,y\n1,2147483647\n2,-2147483648\n').labels!.toArray(), [2147483647, -2147483648]);
    const big = parseCsv('a,y\n1,4294967296\n2,1\n', { labelType: 'class' });
    assert.deepEqual(big.classNames, ['1', '4294967296']);
    assert.deepEqual(big.labels!.toArray(), [1, 0]);
    assert.throws(() => parseCsv('a,y\n1,0.5\n2,1e39\n'), /row 3, column "y": the label "1e39" is beyond the float32 range/);
    assert.throws(() => parseCsv('a,y\n1e39,0\n'), /row 2, column "a": "1e39" is beyond the float32 range; pass dtype: 'float64'/);
  });

  test('a 300 KB field is not repeated in full in its error', () => {
    const field = 'x'.repeat(300_000);
    for (const text of [`a,y\n${field},1\n`, `a,y\n1,${field}\n`, `${field},y\n1,2\n`]) {
      assert.throws(
        () => parseCsv(text, text.startsWith('x') ? { labelColumn: 'z' } : { labelType: 'number' }),
        (e: Error) => e.message.length < 400 && /\.\.\./.test(e.message),
      );
    }
    assert.throws(() => parseCsv(`a,y\n"1"${field},2\n`), (e: Error) => e.message.length < 200 && /follows a closing quote/.test(e.message));
    assert.deepEqual(parseCsv('a,y\n"1" ,2\n"3"\t,4\n').features.toArray(), [[1], [3]]);
  });

  test('readCsvFile: a gzip bomb and an oversized file stop at maxBytes with a named error', () => {
    const rows = '0,0\n'.repeat(4 * 2 ** 20); // 16 MiB of CSV
    const bomb = new Uint8Array(gzipSync(`a,y\n${rows}`, { level: 9 }));
    const path = toFile(bomb);
    const grown = arrayBufferGrowth(() => readCsvFile(path, { maxBytes: 2 ** 20 }));
    assert.throws(() => readCsvFile(path, { maxBytes: 2 ** 20 }), /readCsvFile\(.*\): the gzip data decompresses to more than maxBytes = 1048576 bytes/);
    assert.ok(grown < 8 * 2 ** 20, `allocated ${grown} bytes`);
    const plain = toFile(new TextEncoder().encode('a,y\n1,2\n3,4\n'), 'csv');
    assert.throws(() => readCsvFile(plain, { maxBytes: 5 }), /readCsvFile\(.*\): the file has 12 bytes, more than maxBytes = 5/);
    assert.deepEqual(readCsvFile(plain).labels!.toArray(), [2, 4]);
    assert.deepEqual(readCsvFile(toFile(new Uint8Array(gzipSync('a,y\n1,2\n')))).labels!.toArray(), [2]);
  });

  test('parsing keeps no string per cell: a 7 MiB CSV parses within a few times its size', async () => {
    const { setFlagsFromString, getHeapStatistics } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const text = `a,b,y\n${'12,7,3\n'.repeat(2 ** 20)}`; // 7 MiB, 1M rows
    gc();
    const before = getHeapStatistics().used_heap_size;
    const table = parseCsv(text);
    const peak = getHeapStatistics().total_heap_size - before;
    assert.equal(table.features.shape[0], 2 ** 20);
    // Float32 features (8 bytes a row) plus one label string a row: about 5x the text; a string[][]
    // of every cell took about 39x.
    assert.ok(peak < 12 * text.length, `heap grew by ${(peak / 2 ** 20).toFixed(0)} MiB for ${(text.length / 2 ** 20).toFixed(0)} MiB of CSV`);
  });
});

test('parseIdx with options in the name position is an error, not a silently ignored limit', () => {
  const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 5, 6]);
  assert.deepEqual(Array.from(parseIdx(bytes).data), [5, 6]);
  assert.throws(() => parseIdx(bytes, { maxBytes: 4 } as never), /parseIdx: name must be a string \(options go third: parseIdx\(bytes, name, \{ maxBytes \}\)\), got object \{maxBytes\}/);
  assert.throws(() => (parseIdx as (...args: unknown[]) => unknown)(bytes, 'x', {}, 1), /parseIdx: too many arguments/);
});
