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
import { checkMaxBytes, idxToTensor, parseIdx, type IdxArray, type ParseIdxOptions } from './idx.js';
import { decodeImage, encodePng, type DecodeImageOptions } from './image.js';

/** The file's bytes, refusing files over maxBytes before reading them. */
function readBytes(op: string, path: string, maxBytes = Infinity): Uint8Array {
  try {
    const size = statSync(path).size;
    if (size > maxBytes) throw new Error(`the file has ${size} bytes, more than maxBytes = ${maxBytes}; raise maxBytes if the file is trusted`);
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new Error(`${op}: cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * Reads an IDX file (gzipped or not) with parseIdx, the same code as in browsers: a gzipped
 * file is inflated only as far as its header allows (options.maxBytes, default 2 GiB).
 */
export function readIdxFile(path: string, options: ParseIdxOptions = {}): IdxArray {
  return parseIdx(readBytes('readIdxFile', path), path, options);
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
  // Stored (level 0) gzip is the largest a gzip of maxBytes can be: 5 bytes per 64 KiB block more.
  const compressed = readBytes('readCsvFile', path, maxBytes + Math.ceil(maxBytes / 65535) * 5 + 1024);
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
  try {
    return decodeImage(readBytes('readImage', path), options);
  } catch (e) {
    throw new Error(`readImage(${path}): ${(e as Error).message}`);
  }
}

/** Writes an image tensor ([C, H, W] or [1, C, H, W], values in [0, 1]) as a PNG file. */
export function writePng(path: string, image: Tensor): void {
  writeFileSync(path, encodePng(image));
}

export interface MnistSplit {
  /** [N, 1, 28, 28] float32, pixel values scaled to [0, 1]. */
  images: Tensor;
  /** [N] int32 class indices. */
  labels: Tensor;
}

export interface MnistDataset {
  train: MnistSplit;
  test: MnistSplit;
  classNames: string[];
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function loadMnistLayout(op: string, dir: string, classNames: string[], hint: string): MnistDataset {
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
  const split = (images: string, labels: string): MnistSplit => {
    const img = readIdxFile(images);
    const lab = readIdxFile(labels);
    if (img.type !== 'uint8' || img.shape.length !== 3) {
      throw new Error(`${op}: ${images} should hold uint8 images of shape [N, H, W], got ${img.type} of shape [${img.shape.join(', ')}]`);
    }
    if (lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) {
      throw new Error(`${op}: ${labels} has shape [${lab.shape.join(', ')}] but ${images} holds ${img.shape[0]} images`);
    }
    const [n, h, w] = img.shape as [number, number, number];
    return { images: idxToTensor(img, { scale: 255 }).reshape([n, 1, h, w]), labels: idxToTensor(lab) };
  };
  return {
    train: split(paths.trainImages!, paths.trainLabels!),
    test: split(paths.testImages!, paths.testLabels!),
    classNames,
  };
}

/** Fashion-MNIST from a directory with the four standard IDX files (e.g. /usr/share/datasets/fashion-mnist). */
export function fashionMnist(dir: string): MnistDataset {
  return loadMnistLayout(
    'fashionMnist',
    dir,
    FASHION_MNIST_CLASSES,
    'On Debian, `apt-get install dataset-fashion-mnist` puts them in /usr/share/datasets/fashion-mnist.',
  );
}

/** MNIST handwritten digits from a directory with the four standard IDX files. */
export function mnist(dir: string): MnistDataset {
  return loadMnistLayout(
    'mnist',
    dir,
    Array.from({ length: 10 }, (_, i) => String(i)),
    'Download the four files of the MNIST database into that directory.',
  );
}
