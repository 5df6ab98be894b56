/**
 * Small datasets that ship with the package (scikit-learn's copies, BSD-3-Clause; see
 * src/data/bundled/README.md): 8x8 handwritten digits and Iris. They load offline, anywhere.
 */
import { gunzipSync } from 'fflate';
import { Tensor } from '../tensor/tensor.js';
import { DIGITS_CSV_GZ_BASE64 } from './bundled/digits-data.js';
import { IRIS_CSV } from './bundled/iris-data.js';
import { parseCsvRows } from './csv.js';

export interface BundledDataset {
  /** [N, F] float32 features, as scikit-learn's `data`. */
  features: Tensor;
  /** [N] int32 class indices, as scikit-learn's `target`. */
  labels: Tensor;
  featureNames: string[];
  classNames: string[];
}

export interface DigitsDataset extends BundledDataset {
  /** The same pixels as [N, 1, 8, 8] (NCHW), values 0..16: divide by 16 for [0, 1]. */
  images: Tensor;
}

function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function numericTable(rows: string[][], what: string): { features: Float32Array; labels: Int32Array; width: number } {
  const width = rows[0]!.length - 1;
  const features = new Float32Array(rows.length * width);
  const labels = new Int32Array(rows.length);
  rows.forEach((row, r) => {
    for (let c = 0; c < width; c++) features[r * width + c] = Number(row[c]);
    labels[r] = Number(row[width]);
  });
  if (features.some(Number.isNaN)) throw new Error(`${what}: the bundled data is damaged (non-numeric value)`);
  return { features, labels, width };
}

let digitsRows: string[][] | null = null;

/**
 * The 1,797 8x8 handwritten digits (sklearn.datasets.load_digits): features [1797, 64] and
 * images [1797, 1, 8, 8] with pixel values 0..16, labels 0..9.
 */
export function loadDigits(): DigitsDataset {
  digitsRows ??= parseCsvRows(new TextDecoder().decode(gunzipSync(base64ToBytes(DIGITS_CSV_GZ_BASE64))));
  const { features, labels, width } = numericTable(digitsRows, 'loadDigits');
  const n = labels.length;
  const flat = Tensor.fromData(features, [n, width], 'float32');
  return {
    features: flat,
    images: flat.reshape([n, 1, 8, 8]),
    labels: Tensor.fromData(labels, [n], 'int32'),
    featureNames: Array.from({ length: 64 }, (_, i) => `pixel_${Math.floor(i / 8)}_${i % 8}`),
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
  };
}

/** Fisher's Iris (sklearn.datasets.load_iris): features [150, 4] in cm, labels 0..2. */
export function loadIris(): BundledDataset {
  const [counts, ...rows] = parseCsvRows(IRIS_CSV);
  const { features, labels, width } = numericTable(rows, 'loadIris');
  return {
    features: Tensor.fromData(features, [labels.length, width], 'float32'),
    labels: Tensor.fromData(labels, [labels.length], 'int32'),
    featureNames: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'],
    classNames: counts!.slice(2),
  };
}
