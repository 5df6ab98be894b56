/**
 * Images kept as bytes (fashionMnist / mnist with { images: 'uint8' }, ByteImages,
 * ByteImageDataset): every sample and batch is bit-identical to the float32 path, junk is
 * refused with the op's name, and readIdxFile does not copy the file it reads.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as nb from '../../src/index.js';
import { ByteImageDataset, ByteImages, DataLoader, TensorDataset, encodeIdx } from '../../src/data/index.js';
import { fashionMnist, mnist, readIdxFile } from '../../src/data/node.js';

const SHARED = resolve(import.meta.dirname, '../../../shared/datasets');

/** Same float32 bits, element for element. */
function assertSameBits(actual: nb.Tensor, expected: nb.Tensor): void {
  assert.equal(actual.dtype, expected.dtype);
  assert.deepEqual(actual.shape, expected.shape);
  const a = new Uint32Array(new Float32Array(actual.toTypedArray()).buffer);
  const b = new Uint32Array(new Float32Array(expected.toTypedArray()).buffer);
  assert.ok(a.length === b.length && a.every((v, i) => v === b[i]), 'the float32 bits differ');
}

function mnistDir(n: number, m: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-bytes-'));
  // Every byte value 0..255 appears, so the whole conversion table is compared.
  const images = (k: number, salt: number) => encodeIdx('uint8', [k, 4, 5], Array.from({ length: k * 20 }, (_, i) => (i * 7 + salt) % 256));
  const labels = (k: number) => encodeIdx('uint8', [k], Array.from({ length: k }, (_, i) => (i * 3) % 10));
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images(n, 0)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels(n));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(m, 5));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(labels(m)));
  return dir;
}

describe('images as bytes', () => {
  const dir = mnistDir(40, 13);

  test("mnist(dir, { images: 'uint8' }) gives the float32 path's values bit for bit, in every batch", () => {
    const floats = mnist(dir);
    const bytes = mnist(dir, { images: 'uint8' });
    for (const split of ['train', 'test'] as const) {
      const images = bytes[split].images;
      assert.ok(images instanceof ByteImages);
      assert.deepEqual(images.shape, floats[split].images.shape);
      assertSameBits(images.toTensor(), floats[split].images);
      assert.deepEqual(bytes[split].labels.toArray(), floats[split].labels.toArray());
    }
    const rows = [39, 0, 17, 17, 5];
    assertSameBits(bytes.train.images.batch(rows), nb.indexSelect(floats.train.images, 0, nb.tensor(rows, { dtype: 'int32' })));
    assertSameBits(bytes.train.images.batch(nb.tensor(rows, { dtype: 'int32' })), nb.indexSelect(floats.train.images, 0, nb.tensor(rows, { dtype: 'int32' })));
    assertSameBits(bytes.test.images.get(12), floats.test.images.select(0, 12));
    assertSameBits(bytes.train.images.narrow(0, 30, 10).toTensor(), floats.train.images.narrow(0, 30, 10));
    assert.equal(bytes.train.images.narrow(0, 30, 10).data.buffer, bytes.train.images.data.buffer, 'narrow shares the bytes');
  });

  test('a shuffled DataLoader over ByteImageDataset yields the same batches as over TensorDataset', () => {
    const floats = mnist(dir);
    const bytes = mnist(dir, { images: 'uint8' });
    const viaBytes = [...new DataLoader(new ByteImageDataset(bytes.train.images, bytes.train.labels), { batchSize: 16, shuffle: true, seed: 3 })];
    const viaFloats = [...new DataLoader(new TensorDataset(floats.train.images, floats.train.labels), { batchSize: 16, shuffle: true, seed: 3 })];
    assert.equal(viaBytes.length, 3);
    viaBytes.forEach(([x, y], k) => {
      assertSameBits(x, viaFloats[k]![0]);
      assert.deepEqual(y.toArray(), viaFloats[k]![1].toArray());
      assert.equal(y.dtype, viaFloats[k]![1].dtype);
    });
    const dataset = new ByteImageDataset(bytes.test.images, bytes.test.labels);
    const [x, y] = dataset.get(4);
    const [fx, fy] = new TensorDataset(floats.test.images, floats.test.labels).get(4);
    assertSameBits(x, fx);
    assert.deepEqual([y.shape, y.item()], [fy.shape, fy.item()]);
  });

  test('junk options, shapes and indices are refused with the op and what it got', () => {
    assert.throws(() => mnist(dir, { images: 'float16' } as never), /mnist: options.images must be 'float32' or 'uint8', got "float16"/);
    assert.throws(() => fashionMnist(dir, { imags: 'uint8' } as never), /fashionMnist: unknown option 'imags' \(known: images\)/);
    assert.throws(() => mnist(dir, 'uint8' as never), /mnist: options must be an object, got "uint8"/);
    const images = mnist(dir, { images: 'uint8' }).test.images;
    assert.throws(() => images.batch([13]), /ByteImages.batch: index 13 is out of range for a dataset of 13 samples/);
    assert.throws(() => images.batch([1.5]), /ByteImages.batch: index 1.5 is out of range/);
    assert.throws(() => images.batch(nb.tensor([1.5, 2])), /ByteImages.batch: an index tensor must be 1-D int32, got float32 of shape \[2\]/);
    assert.throws(() => images.batch('0,1' as never), /ByteImages.batch: indices must be an array of integers or an int32 tensor/);
    assert.throws(() => images.narrow(1, 0, 2), /ByteImages.narrow: only dim 0/);
    assert.throws(() => images.narrow(0, 10, 4), /ByteImages.narrow: start 10 and length 4 must be integers within the 13 images/);
    assert.throws(() => new ByteImages(new Uint8Array(10), [3, 3]), /ByteImages: shape \[3, 3\] holds 9 values but data has 10 bytes/);
    assert.throws(() => new ByteImages(new Float32Array(9) as never, [3, 3]), /ByteImages: data must be a Uint8Array/);
    assert.throws(() => new ByteImages(new Uint8Array(9), [3, -3] as never), /ByteImages: shape must be a list of non-negative integers/);
    assert.throws(() => new ByteImageDataset(images, nb.zeros([12])), /ByteImageDataset: labels must be a tensor with one row per image \(13\), got shape \[12\]/);
    assert.throws(() => new ByteImageDataset(images.toTensor() as never, nb.zeros([13])), /ByteImageDataset: images must be ByteImages/);
    assert.throws(() => new ByteImageDataset(images, nb.zeros([13])).getBatch([0, 13]), /ByteImageDataset.getBatch: index 13 is out of range/);
  });

  test('readIdxFile keeps an uncompressed file as the bytes it read (no copies)', () => {
    const path = join(dir, 'big-idx3-ubyte');
    writeFileSync(path, encodeIdx('uint8', [4, 1024, 1024], new Uint8Array(4 * 2 ** 20).fill(9)));
    const before = process.memoryUsage().arrayBuffers;
    const idx = readIdxFile(path);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.equal(idx.data.length, 4 * 2 ** 20);
    assert.equal(idx.data[123], 9);
    // The file once (4 MiB), not the Buffer, a copy of it and a copy of its body (12 MiB).
    assert.ok(grown < 6 * 2 ** 20, `readIdxFile allocated ${grown} bytes for a 4 MiB file`);
  });

  test('the real Fashion-MNIST as bytes matches the float32 path', { skip: !existsSync(join(SHARED, 'fashion-mnist')) && 'shared datasets not present' }, () => {
    const bytes = fashionMnist(join(SHARED, 'fashion-mnist'), { images: 'uint8' });
    assert.deepEqual(bytes.train.images.shape, [60000, 1, 28, 28]);
    assert.equal(bytes.train.images.data.length, 60000 * 784);
    const floats = fashionMnist(join(SHARED, 'fashion-mnist'));
    assertSameBits(bytes.test.images.toTensor(), floats.test.images);
    const rows = Array.from({ length: 64 }, (_, i) => (i * 937) % 60000);
    assertSameBits(bytes.train.images.batch(rows), nb.indexSelect(floats.train.images, 0, nb.tensor(rows, { dtype: 'int32' })));
  });
});
