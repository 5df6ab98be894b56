import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { encode as encodeRawPng } from 'fast-png';
import * as nb from '../../src/index.js';
import { decodeImage, decodePng, encodeIdx, encodePng, idxToTensor, loadDigits, loadIris, parseCsv, parseIdx } from '../../src/data/index.js';
import { fashionMnist, mnist, readCsvFile, readIdxFile, readImage, writePng } from '../../src/data/node.js';

const SHARED = resolve(import.meta.dirname, '../../../shared/datasets');

describe('IDX', () => {
  test('round trip for every element type, gzipped or not', () => {
    const cases = [
      ['uint8', [2, 3], [0, 1, 2, 253, 254, 255]],
      ['int8', [4], [-128, -1, 0, 127]],
      ['int16', [2, 2], [-32768, -2, 3, 32767]],
      ['int32', [3], [-(2 ** 31), 0, 2 ** 31 - 1]],
      ['float32', [2], [1.5, -0.25]],
      ['float64', [1, 1, 2], [Math.PI, -1e300]],
    ] as const;
    for (const [type, shape, values] of cases) {
      const bytes = encodeIdx(type, shape, values);
      for (const input of [bytes, gzipSync(bytes)]) {
        const idx = parseIdx(input);
        assert.equal(idx.type, type);
        assert.deepEqual(idx.shape, shape);
        assert.deepEqual(Array.from(idx.data), values);
      }
    }
    const t = idxToTensor(parseIdx(encodeIdx('uint8', [2], [0, 255])), { scale: 255 });
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [0, 1]);
    assert.equal(idxToTensor(parseIdx(encodeIdx('uint8', [1], [7]))).dtype, 'int32');
  });

  test('corrupt files give clear errors', () => {
    const good = encodeIdx('uint8', [2, 2], [1, 2, 3, 4]);
    assert.throws(() => parseIdx(good.subarray(0, 14), 'x.idx'), /parseIdx\(x\.idx\): shape \[2, 2\] of uint8 needs 16 bytes.*has 14/);
    assert.throws(() => parseIdx(new Uint8Array([1, 0, 8, 1])), /bad magic number/);
    assert.throws(() => parseIdx(new Uint8Array([0, 0, 0x42, 1])), /unknown element type code 0x42/);
    assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0])), /declares 3 dims but the file ends after 5 bytes/);
    assert.throws(() => parseIdx(gzipSync(good).subarray(0, 15)), /does not decompress/);
    const huge = encodeIdx('uint8', [1], [0]);
    new DataView(huge.buffer).setUint32(4, 0xffffffff);
    assert.throws(() => parseIdx(huge), /needs 4294967303 bytes/);
  });

  test('mnist(dir) reads the four standard files and names missing ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nabla-mnist-'));
    assert.throws(() => mnist(dir), /mnist: none of the four files in .*train-images-idx3-ubyte\.gz/);
    const images = (n: number) => encodeIdx('uint8', [n, 2, 3], Array.from({ length: n * 6 }, (_, i) => (i * 17) % 256));
    const labels = (n: number) => encodeIdx('uint8', [n], Array.from({ length: n }, (_, i) => i % 10));
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images(5)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels(5));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(3));
    assert.throws(() => fashionMnist(dir), /fashionMnist: missing t10k-labels-idx1-ubyte\.gz in .*apt-get install dataset-fashion-mnist/);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(labels(4)));
    assert.throws(() => mnist(dir), /t10k-labels-idx1-ubyte\.gz has shape \[4\] but .* holds 3 images/);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(labels(3)));
    const data = mnist(dir);
    assert.deepEqual(data.train.images.shape, [5, 1, 2, 3]);
    assert.deepEqual(data.test.labels.toArray(), [0, 1, 2]);
    assert.ok(Math.abs((data.train.images.toArray() as number[][][][])[0]![0]![0]![1]! - 17 / 255) < 1e-7);
    assert.deepEqual(Array.from(readIdxFile(join(dir, 't10k-images-idx3-ubyte')).data.subarray(0, 2)), [0, 17]);
  });

  test('the real Fashion-MNIST loads', { skip: !existsSync(join(SHARED, 'fashion-mnist')) && 'shared datasets not present' }, () => {
    const data = fashionMnist(join(SHARED, 'fashion-mnist'));
    assert.deepEqual(data.train.images.shape, [60000, 1, 28, 28]);
    assert.deepEqual(data.test.images.shape, [10000, 1, 28, 28]);
    assert.equal(data.classNames[9], 'Ankle boot');
    const counts = new Array<number>(10).fill(0);
    for (const y of data.train.labels.toTypedArray()) counts[y]! += 1;
    assert.deepEqual(counts, new Array(10).fill(6000));
    const pixels = data.test.images.toTypedArray();
    assert.ok(pixels.every((v) => v >= 0 && v <= 1));
  });
});

describe('CSV', () => {
  test('header, label column by name, text labels encoded, quotes and CRLF', () => {
    const text = '\ufeffa,"b, quoted",species\r\n1,2,cat\r\n3.5,"-4",dog\r\n\r\n5,6e1,cat\r\n';
    const t = parseCsv(text, { labelColumn: 'species' });
    assert.deepEqual(t.featureNames, ['a', 'b, quoted']);
    assert.deepEqual(t.features.toArray(), [[1, 2], [3.5, -4], [5, 60]]);
    assert.deepEqual(t.labels!.toArray(), [0, 1, 0]);
    assert.deepEqual(t.classNames, ['cat', 'dog']);
  });

  test('numeric labels: int32 classes, float32 regression targets; no labels; no header', () => {
    assert.equal(parseCsv('x,y\n1,0\n2,1\n').labels!.dtype, 'int32');
    assert.equal(parseCsv('x,y\n1,0.5\n2,1\n').labels!.dtype, 'float32');
    const unlabeled = parseCsv('x;y\n1;2\n', { labelColumn: null, delimiter: ';' });
    assert.equal(unlabeled.labels, null);
    assert.deepEqual(unlabeled.features.toArray(), [[1, 2]]);
    const raw = parseCsv('7,1,2\n8,3,4\n', { header: false, labelColumn: 0 });
    assert.deepEqual(raw.labels!.toArray(), [7, 8]);
    assert.deepEqual(raw.featureNames, ['column 1', 'column 2']);
  });

  test('errors name row and column', () => {
    assert.throws(() => parseCsv('a,b,c\n1,2,3\n4,x,1\n'), /row 3, column "b": "x" is not a number/);
    assert.throws(() => parseCsv('a,b\n1,2\n3\n'), /row 3 has 1 fields but the header has 2/);
    assert.throws(() => parseCsv('a,b\n1,2\n', { labelColumn: 'z' }), /no column named "z"; columns are "a", "b"/);
    assert.throws(() => parseCsv('a,b\n"1,2\n'), /never closed/);
    assert.throws(() => parseCsv('a,b\n'), /no data rows/);
  });

  test('readCsvFile reads gzipped files (the bundled digits source)', { skip: !existsSync(join(SHARED, 'small/digits.csv.gz')) && 'shared datasets not present' }, () => {
    const t = readCsvFile(join(SHARED, 'small/digits.csv.gz'), { header: false });
    assert.deepEqual(t.features.shape, [1797, 64]);
    assert.deepEqual(t.features.toArray(), loadDigits().features.toArray());
  });
});

describe('images', () => {
  test('PNG encode/decode round trip: RGB, gray, RGBA', () => {
    const g = new nb.Generator(5);
    for (const c of [1, 3, 4]) {
      const img = nb.rand([1, c, 5, 7], { generator: g }).mul(255).round().div(255);
      const back = decodePng(encodePng(img));
      assert.deepEqual(back.shape, [1, c, 5, 7]);
      const a = img.toTypedArray();
      back.toTypedArray().forEach((v, i) => assert.ok(Math.abs(v - a[i]!) < 1e-6));
    }
  });

  test('channel conversion, 16-bit and palette PNGs', () => {
    const rgb = nb.tensor([[[1]], [[0]], [[0]]]).float();
    assert.ok(Math.abs((decodePng(encodePng(rgb), { channels: 1 }).toArray() as number[][][][])[0]![0]![0]![0]! - 0.299) < 1e-6);
    assert.deepEqual(decodePng(encodePng(nb.tensor([[[0.2]]]).float()), { channels: 3 }).shape, [1, 3, 1, 1]);
    const deep = encodeRawPng({ width: 2, height: 1, data: new Uint16Array([0, 65535]), depth: 16, channels: 1 });
    assert.deepEqual(decodePng(deep).toArray(), [[[[0, 1]]]]);
    const palette = encodeRawPng({
      width: 3, height: 1, depth: 8, channels: 1, data: new Uint8Array([2, 0, 1]),
      palette: [[255, 0, 0], [0, 255, 0], [0, 0, 255]],
    });
    assert.deepEqual(decodePng(palette).toArray(), [[[[0, 1, 0]], [[0, 0, 1]], [[1, 0, 0]]]]);
  });

  test('JPEG decodes to RGB in [0, 1]', () => {
    const width = 16;
    const height = 8;
    const rgba = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) rgba.set([200, 100, 50, 255], p * 4);
    const bytes = new Uint8Array(jpeg.encode({ width, height, data: rgba }, 95).data);
    const img = decodeImage(bytes);
    assert.deepEqual(img.shape, [1, 3, height, width]);
    const means = img.mean([0, 2, 3]).toArray() as number[];
    [200, 100, 50].forEach((v, k) => assert.ok(Math.abs(means[k]! - v / 255) < 0.02, `channel ${k}: ${means[k]}`));
  });

  test('a real photo loads from a file', { skip: !existsSync(join(SHARED, 'images/china.jpg')) && 'shared datasets not present' }, () => {
    assert.deepEqual(readImage(join(SHARED, 'images/china.jpg')).shape, [1, 3, 427, 640]);
  });

  test('writePng writes a file readImage reads back', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nabla-png-')), 'x.png');
    writePng(path, nb.ones([3, 2, 2]).mul(0.5));
    assert.deepEqual(readImage(path).shape, [1, 3, 2, 2]);
    assert.equal(readFileSync(path)[1], 0x50);
  });

  test('bad image data gives clear errors', () => {
    assert.throws(() => decodeImage(new Uint8Array([1, 2, 3])), /neither a PNG nor a JPEG/);
    const png = encodePng(nb.zeros([1, 4, 4]));
    assert.throws(() => decodePng(png.subarray(0, 30)), /decodePng: the file has 30 bytes, too few for the PNG signature and IHDR chunk/);
    assert.throws(() => decodeImage(new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2])), /decodeJpeg: expected a marker at byte 4, found 0x1; the file is corrupt/);
    assert.throws(() => decodePng(encodePng(nb.zeros([1, 30, 30])), { maxPixels: 100 }), /30x30 = 900 pixels, more than maxPixels = 100/);
    assert.throws(() => encodePng(nb.zeros([2, 3, 4, 4])), /encode a batch one image at a time/);
  });
});

describe('bundled datasets', () => {
  test('digits: 1,797 8x8 images, values 0..16, scikit-learn class counts', () => {
    const d = loadDigits();
    assert.deepEqual(d.features.shape, [1797, 64]);
    assert.deepEqual(d.images.shape, [1797, 1, 8, 8]);
    assert.equal(d.features.max().item(), 16);
    assert.equal(d.features.min().item(), 0);
    const counts = new Array<number>(10).fill(0);
    for (const y of d.labels.toTypedArray()) counts[y]! += 1;
    assert.deepEqual(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    assert.deepEqual((d.images.toArray() as number[][][][])[0]![0]![0], [0, 0, 5, 13, 9, 1, 0, 0]);
  });

  test('iris: 150 x 4, three balanced classes, known column sums', () => {
    const d = loadIris();
    assert.deepEqual(d.features.shape, [150, 4]);
    assert.deepEqual(d.classNames, ['setosa', 'versicolor', 'virginica']);
    const sums = d.features.double().sum(0).toArray() as number[];
    [876.5, 458.6, 563.7, 179.9].forEach((s, k) => assert.ok(Math.abs(sums[k]! - s) < 1e-3, `column ${k}: ${sums[k]}`));
    assert.deepEqual(d.labels.toArray(), Array.from({ length: 150 }, (_, i) => Math.floor(i / 50)));
  });
});
