/// <reference types="node" />
/**
 * Node-only data loaders that read files: IDX, CSV and image files, and the MNIST /
 * Fashion-MNIST directory layout. The byte parsing they call is browser-safe (idx.ts, csv.ts, image.ts).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { parseCsv, type CsvOptions, type CsvTable } from './csv.js';
import { gunzipBounded, isGzip } from './gzip.js';
import { IDX_MAX_BYTES, checkMaxBytes, idxToTensor, parseIdxBytes, type IdxArray, type ParseIdxOptions } from './idx.js';
import { ByteImages } from './byteimages.js';
import { preview } from '../util/untrusted.js';
import { MAX_PIXELS, decodeImage, encodePng, type DecodeImageOptions } from './image.js';

/** The file's bytes, refusing files over `limit` bytes (`why` says where the limit comes from) before reading them. */
function readBytes(op: string, path: string, limit: number, why: string): Uint8Array {
  try {
    const size = statSync(path).size;
    if (size > limit) throw new Error(`the file has ${size} bytes, more than ${why}`);
    // A view of the Buffer, not a copy: a Buffer's slice() is a view, so callers must not rely on it.
    const file = readFileSync(path);
    return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  } catch (e) {
    throw new Error(`${op}: cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * Reads an IDX file (gzipped or not) with parseIdx, the same code as in browsers: a gzipped
 * file is inflated only as far as its header allows (options.maxBytes, default 2 GiB).
 */
export function readIdxFile(path: string, options: ParseIdxOptions = {}): IdxArray {
  const maxBytes = checkMaxBytes(`readIdxFile(${path})`, options.maxBytes, IDX_MAX_BYTES);
  const bytes = readBytes('readIdxFile', path, gzipSizeBound(maxBytes), `a file of maxBytes = ${maxBytes} can have; raise maxBytes if the file is trusted`);
  return parseIdxBytes(bytes, path, options, true);
}

/** The largest a file holding `bytes` bytes can be, gzipped or not: stored (level 0) gzip adds 5 bytes per 64 KiB block. */
function gzipSizeBound(bytes: number): number {
  return bytes + Math.ceil(bytes / 65535) * 5 + 1024;
}

/** Default limit on a CSV file's (decompressed) size: 256 MiB. */
export const CSV_MAX_BYTES = 2 ** 28;

export interface ReadCsvOptions extends CsvOptions {
  /** Refuse files (after gunzip) larger than this many bytes (default CSV_MAX_BYTES = 256 MiB). */
  maxBytes?: number;
}

/** Reads a CSV file (gzipped or not, at most maxBytes) with a header and a label column; see parseCsv. */
export function readCsvFile(path: string, options: ReadCsvOptions = {}): CsvTable {
  const op = `readCsvFile(${path})`;
  const { maxBytes: limit, ...csvOptions } = options;
  const maxBytes = checkMaxBytes(op, limit, CSV_MAX_BYTES);
  const compressed = readBytes('readCsvFile', path, gzipSizeBound(maxBytes), `a file of maxBytes = ${maxBytes} can have; raise maxBytes if the file is trusted`);
  const bytes = isGzip(compressed) ? gunzipBounded(compressed, op, { maxBytes }) : compressed;
  if (bytes.length > maxBytes) throw new Error(`${op}: the file has ${bytes.length} bytes, more than maxBytes = ${maxBytes}; raise maxBytes if the file is trusted`);
  let text: string;
  try {
    text = new TextDecoder().decode(bytes);
  } catch (e) {
    // V8's strings stop at 2^29 - 24 characters.
    throw new Error(`${op}: the CSV text (${bytes.length} bytes) is too large for one JavaScript string (${(e as Error).message}); split the file`);
  }
  return parseCsv(text, csvOptions);
}

/** Reads a PNG or JPEG file as a [1, C, H, W] float32 tensor in [0, 1]. */
export function readImage(path: string, options: DecodeImageOptions = {}): Tensor {
  const maxPixels = typeof options?.maxPixels === 'number' ? options.maxPixels : MAX_PIXELS;
  const bytes = readBytes('readImage', path, imageFileBound(maxPixels), `an image of maxPixels = ${maxPixels} needs; raise maxPixels if the file is trusted`);
  try {
    return decodeImage(bytes, options);
  } catch (e) {
    throw new Error(`readImage(${path}): ${(e as Error).message}`);
  }
}

/**
 * The largest file an image of `maxPixels` pixels needs: 16-bit RGBA stored uncompressed is 8
 * bytes a pixel plus a filter byte a row; 10 bytes a pixel, and at least 64 MiB for metadata.
 */
function imageFileBound(maxPixels: number): number {
  return Math.max(64 * 2 ** 20, 10 * maxPixels);
}

/** Writes an image tensor ([C, H, W] or [1, C, H, W], values in [0, 1]) as a PNG file. */
export function writePng(path: string, image: Tensor): void {
  writeFileSync(path, encodePng(image));
}

export interface MnistSplit<Images = Tensor> {
  /** [N, 1, 28, 28] float32, pixel values scaled to [0, 1] (or those bytes, with `{ images: 'uint8' }`). */
  images: Images;
  /** [N] int32 class indices. */
  labels: Tensor;
}

export interface MnistDataset<Images = Tensor> {
  train: MnistSplit<Images>;
  test: MnistSplit<Images>;
  classNames: string[];
}

export interface MnistOptions {
  /**
   * 'float32' (default): images as a float32 tensor in [0, 1]. 'uint8': the file's bytes as
   * ByteImages (a quarter of the memory, as torchvision keeps them), whose batches come out as
   * the same float32 values; train on them with `new ByteImageDataset(images, labels)`.
   */
  images?: 'float32' | 'uint8';
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function loadMnistLayout(op: string, dir: string, classNames: string[], hint: string, options: MnistOptions | undefined): MnistDataset<Tensor | ByteImages> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new Error(`${op}: options must be an object, got ${preview(options)}`);
  const unknown = Object.keys(options ?? {}).filter((k) => k !== 'images');
  if (unknown.length > 0) throw new Error(`${op}: unknown option '${unknown[0]}' (known: images)`);
  const as = options?.images ?? 'float32';
  if (as !== 'float32' && as !== 'uint8') throw new Error(`${op}: options.images must be 'float32' or 'uint8', got ${preview(as)}`);
  const paths: Partial<Record<keyof typeof FILES, string>> = {};
  const missing: string[] = [];
  for (const [key, base] of Object.entries(FILES) as [keyof typeof FILES, string][]) {
    const found = [`${base}.gz`, base].map((name) => join(dir, name)).find((p) => existsSync(p));
    if (found === undefined) missing.push(`${base}.gz`);
    else paths[key] = found;
  }
  if (missing.length > 0) {
    throw new Error(
      `${op}: ${missing.length === 4 ? 'none of the four files' : `missing ${missing.join(', ')}`} in ${dir} ` +
        `(expected ${Object.values(FILES).map((f) => `${f}.gz`).join(', ')}, gzipped or not). ${hint}`,
    );
  }
  const split = (images: string, labels: string): MnistSplit<Tensor | ByteImages> => {
    const img = readIdxFile(images);
    const lab = readIdxFile(labels);
    if (img.type !== 'uint8' || img.shape.length !== 3) {
      throw new Error(`${op}: ${images} should hold uint8 images of shape [N, H, W], got ${img.type} of shape [${img.shape.join(', ')}]`);
    }
    if (lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) {
      throw new Error(`${op}: ${labels} has shape [${lab.shape.join(', ')}] but ${images} holds ${img.shape[0]} images`);
    }
    const [n, h, w] = img.shape as [number, number, number];
    const pixels = as === 'uint8' ? new ByteImages(img.data as Uint8Array, [n, 1, h, w]) : idxToTensor(img, { scale: 255 }).reshape([n, 1, h, w]);
    return { images: pixels, labels: idxToTensor(lab) };
  };
  return {
    train: split(paths.trainImages!, paths.trainLabels!),
    test: split(paths.testImages!, paths.testLabels!),
    classNames,
  };
}

/**
 * Fashion-MNIST from a directory with the four standard IDX files (e.g. /usr/share/datasets/fashion-mnist);
 * `{ images: 'uint8' }` keeps the images as bytes (see MnistOptions).
 */
export function fashionMnist(dir: string, options?: MnistOptions & { images?: 'float32' }): MnistDataset;
export function fashionMnist(dir: string, options: { images: 'uint8' }): MnistDataset<ByteImages>;
export function fashionMnist(dir: string, options?: MnistOptions): MnistDataset<Tensor | ByteImages> {
  return loadMnistLayout(
    'fashionMnist',
    dir,
    FASHION_MNIST_CLASSES,
    'On Debian, `apt-get install dataset-fashion-mnist` puts them in /usr/share/datasets/fashion-mnist.',
    options,
  );
}

/** MNIST handwritten digits from a directory with the four standard IDX files; options as fashionMnist. */
export function mnist(dir: string, options?: MnistOptions & { images?: 'float32' }): MnistDataset;
export function mnist(dir: string, options: { images: 'uint8' }): MnistDataset<ByteImages>;
export function mnist(dir: string, options?: MnistOptions): MnistDataset<Tensor | ByteImages> {
  return loadMnistLayout(
    'mnist',
    dir,
    Array.from({ length: 10 }, (_, i) => String(i)),
    'Download the four files of the MNIST database into that directory.',
    options,
  );
}

export { DataLoader } from './workers.js';
export type { WorkerDataLoaderOptions, TransformModule } from './workers.js';
