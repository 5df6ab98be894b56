/**
 * Images kept as the file's bytes (uint8), as torchvision keeps MNIST: a quarter of the memory of
 * float32, with each sample or batch converted to float32 in [0, 1] (divided by 255, ToTensor)
 * when it is drawn. The values are bit-identical to idxToTensor(..., { scale: 255 }).
 */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { preview } from '../util/untrusted.js';
import { checkIndex, type Collated, type Dataset } from './dataset.js';
import { uint8ScaleTable } from './idx.js';

/** The float32 value of each byte 0..255 divided by 255, as idxToTensor computes it. */
const TO_UNIT = uint8ScaleTable(255);

/** uint8 images of shape [N, ...sample] whose batches come out as float32 tensors divided by 255. */
export class ByteImages {
  readonly data: Uint8Array;
  readonly shape: readonly number[];
  private readonly sampleSize: number;

  constructor(data: Uint8Array, shape: readonly number[]) {
    if (!(data instanceof Uint8Array)) throw new Error(`ByteImages: data must be a Uint8Array, got ${preview(data)}`);
    if (!Array.isArray(shape) || shape.length < 1 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(`ByteImages: shape must be a list of non-negative integers [N, ...], got ${preview(shape)}`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new Error(`ByteImages: shape ${shapeStr(shape)} holds ${count} values but data has ${data.length} bytes`);
    this.data = data;
    this.shape = [...shape];
    this.sampleSize = shape.slice(1).reduce((a, b) => a * b, 1);
  }

  /** The number of images (shape[0]). */
  get length(): number {
    return this.shape[0]!;
  }

  /** Images start..start+length-1 as ByteImages sharing these bytes (no copy); dim must be 0, as Tensor.narrow's first argument. */
  narrow(dim: number, start: number, length: number): ByteImages {
    if (dim !== 0) throw new Error(`ByteImages.narrow: only dim 0 (the image index) can be narrowed, got dim ${preview(dim)}`);
    if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > this.length) {
      throw new Error(`ByteImages.narrow: start ${preview(start)} and length ${preview(length)} must be integers within the ${this.length} images`);
    }
    const n = this.sampleSize;
    return new ByteImages(this.data.subarray(start * n, (start + length) * n), [length, ...this.shape.slice(1)]);
  }

  /** The images at `indices` (numbers or an int32 tensor) as one float32 tensor [k, ...sample] in [0, 1]. */
  batch(indices: readonly number[] | Tensor): Tensor {
    const rows = indices instanceof Tensor ? indexList(indices) : indices;
    if (!Array.isArray(rows)) throw new Error(`ByteImages.batch: indices must be an array of integers or an int32 tensor, got ${preview(indices)}`);
    for (const i of rows) checkIndex('ByteImages.batch', i, this.length);
    const n = this.sampleSize;
    const out = new Float32Array(rows.length * n);
    const bytes = this.data;
    for (let k = 0; k < rows.length; k++) {
      const from = rows[k]! * n;
      const to = k * n;
      for (let p = 0; p < n; p++) out[to + p] = TO_UNIT[bytes[from + p]!]!;
    }
    return Tensor.fromData(out, [rows.length, ...this.shape.slice(1)], 'float32');
  }

  /** Image `index` as a float32 tensor of the sample's shape. */
  get(index: number): Tensor {
    checkIndex('ByteImages.get', index, this.length);
    return this.batch([index]).reshape(this.shape.slice(1));
  }

  /** Every image as one float32 tensor (4x the memory; for evaluation code that wants a tensor). */
  toTensor(): Tensor {
    return this.batch(Array.from({ length: this.length }, (_, i) => i));
  }
}

function indexList(indices: Tensor): number[] {
  if (indices.dtype !== 'int32' || indices.ndim !== 1) {
    throw new Error(`ByteImages.batch: an index tensor must be 1-D int32, got ${indices.dtype} of shape ${shapeStr(indices.shape)}`);
  }
  return Array.from(indices.toTypedArray() as Int32Array);
}

/**
 * Byte images and their labels as a dataset of [image, label] pairs, the same samples and
 * batches (bit for bit) as `new TensorDataset(images.toTensor(), labels)` at a quarter of the memory.
 */
export class ByteImageDataset implements Dataset<[Tensor, Tensor]> {
  constructor(
    readonly images: ByteImages,
    readonly labels: Tensor,
  ) {
    if (!(images instanceof ByteImages)) throw new Error(`ByteImageDataset: images must be ByteImages, got ${preview(images)}`);
    if (!(labels instanceof Tensor) || labels.ndim === 0 || labels.shape[0] !== images.length) {
      const got = labels instanceof Tensor ? `shape ${shapeStr(labels.shape)}` : preview(labels);
      throw new Error(`ByteImageDataset: labels must be a tensor with one row per image (${images.length}), got ${got}`);
    }
  }

  get length(): number {
    return this.images.length;
  }

  get(index: number): [Tensor, Tensor] {
    checkIndex('ByteImageDataset.get', index, this.length);
    return [this.images.get(index), this.labels.select(0, index)];
  }

  getBatch(indices: readonly number[]): Collated<[Tensor, Tensor]> {
    for (const i of indices) checkIndex('ByteImageDataset.getBatch', i, this.length);
    const index = Tensor.fromData(Int32Array.from(indices), [indices.length], 'int32');
    return [this.images.batch(indices), this.labels.indexSelect(0, index)];
  }
}
