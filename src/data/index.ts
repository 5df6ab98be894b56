/** Data pipeline: datasets, loaders, splits, scaling, labels, file-format parsers and bundled datasets (browser-safe). */
export { TensorDataset, Subset, ConcatDataset, randomSplit } from './dataset.js';
export type { Dataset, AsyncDataset, Collated, SeedOptions } from './dataset.js';
export { DataLoader, defaultCollate, toTensors } from './dataloader.js';
export type { DataLoaderOptions } from './dataloader.js';
export { trainDevTestSplit, splitIndices } from './split.js';
export type { SplitOptions, SplitIndices, Splits } from './split.js';
export { StandardScaler, MinMaxScaler, LabelEncoder, oneHot } from './preprocessing.js';
export type { ScalerOptions, MinMaxScalerOptions, Label, OneHotOptions } from './preprocessing.js';
export { parseIdx, idxToTensor, encodeIdx, isGzip, maybeGunzip, IDX_MAX_BYTES } from './idx.js';
export type { IdxArray, IdxType, IdxTensorOptions, ParseIdxOptions } from './idx.js';
export { parseCsv, parseCsvRows } from './csv.js';
export type { CsvOptions, CsvTable } from './csv.js';
export { decodeImage, decodePng, decodeJpeg, encodePng, isJpeg, MAX_PIXELS } from './image.js';
export type { DecodeImageOptions } from './image.js';
export { loadDigits, loadIris } from './bundled.js';
export type { BundledDataset, DigitsDataset } from './bundled.js';
export * as transforms from './transforms.js';
