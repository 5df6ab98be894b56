/**
 * TensorBoard event files, browser-safe: TFRecord framing (length, masked CRC-32C of the length,
 * data, masked CRC-32C of the data) around Event protobufs (tensorboard-proto.ts, encoded by
 * protobufjs). The Node callback that writes them during fit() is TensorBoardLogger (train/node.ts).
 */
import protobuf from 'protobufjs';
import type { Tensor } from '../tensor/tensor.js';
import { encodePng } from '../data/image.js';
import { maskedCrc32c } from '../util/crc32c.js';
import { TENSORBOARD_PROTO } from './tensorboard-proto.js';

let root: protobuf.Root | null = null;
function eventType(name = 'Event'): protobuf.Type {
  root ??= protobuf.parse(TENSORBOARD_PROTO, { keepCase: true }).root;
  return root.lookupType(`tensorboard.${name}`);
}

/** One TFRecord: [length u64][masked crc of length u32][data][masked crc of data u32], little-endian. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** The records of a TFRecord file, each checked against both CRCs; a torn last record (a file being written) is left out. */
export function readTfRecords(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) break;
    const length = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8))) throw new Error(`TFRecord: the length CRC of the record at byte ${at} does not match`);
    if (at + 16 + length > bytes.length) break;
    const data = bytes.subarray(at + 12, at + 12 + length);
    if (view.getUint32(at + 12 + length, true) !== maskedCrc32c(data)) throw new Error(`TFRecord: the data CRC of the record at byte ${at} does not match`);
    out.push(data);
    at += 16 + length;
  }
  return out;
}

export interface HistogramValue {
  min: number;
  max: number;
  num: number;
  sum: number;
  sum_squares: number;
  bucket_limit: number[];
  bucket: number[];
}

/** A decoded Summary.Value (fields as in the schema; the oneof value is one of the optional fields). */
export interface SummaryValue {
  tag: string;
  metadata?: { plugin_data?: { plugin_name?: string; content?: Uint8Array } };
  simple_value?: number;
  image?: { height: number; width: number; colorspace: number; encoded_image_string: Uint8Array };
  histo?: HistogramValue;
  tensor?: { dtype?: number; float_val?: number[]; string_val?: Uint8Array[]; tensor_shape?: { dim?: { size?: number }[] } };
}

export interface TensorBoardEvent {
  wall_time: number;
  step: number;
  file_version?: string;
  summary?: { value: SummaryValue[] };
}

function encodeEvent(event: object): Uint8Array {
  const E = eventType();
  return tfRecord(E.encode(E.fromObject(event)).finish());
}

/** Reads every event of an event file (CRC-checked framing, then the Event protobufs). */
export function readEvents(bytes: Uint8Array): TensorBoardEvent[] {
  const E = eventType();
  return readTfRecords(bytes).map((record, i) => {
    try {
      return E.toObject(E.decode(record), { longs: Number, bytes: Uint8Array, arrays: true, defaults: true, oneofs: false }) as TensorBoardEvent;
    } catch (e) {
      throw new Error(`TensorBoard event ${i}: not a valid Event protobuf (${(e as Error).message})`);
    }
  });
}

const nowSeconds = (): number => Date.now() / 1000;

function checkTag(op: string, tag: string): void {
  if (typeof tag !== 'string' || tag === '') throw new Error(`${op}: tag must be a non-empty string, got ${JSON.stringify(tag)}`);
}
function checkStep(op: string, step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`${op}: step must be a non-negative integer, got ${String(step)}`);
}

/** The first record of every event file: its version, 'brain.Event:2'. */
export function fileVersionEvent(wallTime = nowSeconds()): Uint8Array {
  return encodeEvent({ wall_time: wallTime, step: 0, file_version: 'brain.Event:2' });
}

export function scalarEvent(tag: string, value: number, step: number, wallTime = nowSeconds()): Uint8Array {
  checkTag('scalarEvent', tag);
  checkStep('scalarEvent', step);
  if (typeof value !== 'number') throw new Error(`scalarEvent: value must be a number, got ${typeof value}`);
  return encodeEvent({ wall_time: wallTime, step, summary: { value: [{ tag, simple_value: value }] } });
}

/** TensorBoard's histogram of a tensor's finite values: `bins` equal buckets from min to max. */
export function histogram(values: ArrayLike<number>, bins = 30): HistogramValue {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`histogram: bins must be a positive integer, got ${String(bins)}`);
  let min = Infinity;
  let max = -Infinity;
  let num = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    num++;
    sum += v;
    sumSquares += v * v;
  }
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sum_squares: 0, bucket_limit: [], bucket: [] };
  const width = max > min ? (max - min) / bins : 1;
  const counts = new Array<number>(max > min ? bins : 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    counts[Math.min(counts.length - 1, Math.floor((v - min) / width))]!++;
  }
  const limits = counts.map((_, k) => (max > min ? min + (k + 1) * width : max));
  return { min, max, num, sum, sum_squares: sumSquares, bucket_limit: limits, bucket: counts };
}

export function histogramEvent(tag: string, values: Tensor, step: number, wallTime = nowSeconds()): Uint8Array {
  checkTag('histogramEvent', tag);
  checkStep('histogramEvent', step);
  return encodeEvent({ wall_time: wallTime, step, summary: { value: [{ tag, histo: histogram(values.detach().contiguous().toTypedArray()) }] } });
}

/** An image summary: `image` [C, H, W] or [1, C, H, W] with values in [0, 1] (C = 1, 2, 3 or 4), stored as PNG. */
export function imageEvent(tag: string, image: Tensor, step: number, wallTime = nowSeconds()): Uint8Array {
  checkTag('imageEvent', tag);
  checkStep('imageEvent', step);
  const png = encodePng(image);
  const shape = image.ndim === 4 ? image.shape.slice(1) : image.shape;
  return encodeEvent({
    wall_time: wallTime,
    step,
    summary: { value: [{ tag, image: { height: shape[1], width: shape[2], colorspace: shape[0], encoded_image_string: png } }] },
  });
}

const pluginMeta = (name: string, content: Uint8Array = new Uint8Array(0)): object => ({ plugin_data: { plugin_name: name, content } });

/** A text summary (TensorBoard's text plugin: a string tensor; Markdown is rendered). */
export function textEvent(tag: string, text: string, step: number, wallTime = nowSeconds()): Uint8Array {
  checkTag('textEvent', tag);
  checkStep('textEvent', step);
  if (typeof text !== 'string') throw new Error(`textEvent: text must be a string, got ${typeof text}`);
  return encodeEvent({
    wall_time: wallTime,
    step,
    summary: { value: [{ tag, metadata: pluginMeta('text'), tensor: { dtype: 7, tensor_shape: { dim: [] }, string_val: [new TextEncoder().encode(text)] } }] },
  });
}

/** Plugin name of the confusion-matrix records (a float [C, C] tensor; content: the class names as JSON). */
export const CONFUSION_PLUGIN = 'nabla_confusion_matrix';

/** A confusion matrix (rows: true class, columns: predicted) as a [C, C] tensor summary, for `nabla dashboard`. */
export function confusionMatrixEvent(tag: string, matrix: Tensor | readonly (readonly number[])[], step: number, classNames: readonly string[] = [], wallTime = nowSeconds()): Uint8Array {
  checkTag('confusionMatrixEvent', tag);
  checkStep('confusionMatrixEvent', step);
  const shape = Array.isArray(matrix) ? [matrix.length, ...(matrix.every((r) => Array.isArray(r) && r.length === matrix.length) ? [matrix.length] : [-1])] : (matrix as Tensor).shape;
  const [rows, cols] = shape;
  if (shape.length !== 2 || rows !== cols) throw new Error(`confusionMatrixEvent: the matrix must be square [C, C], got [${shape.join(', ')}]`);
  const values = Array.isArray(matrix) ? matrix.flat() : Array.from((matrix as Tensor).toTypedArray(), Number);
  if (values.some((v) => typeof v !== 'number')) throw new Error('confusionMatrixEvent: the matrix must hold numbers');
  if (classNames.length !== 0 && classNames.length !== rows) throw new Error(`confusionMatrixEvent: ${classNames.length} class names for ${rows} classes`);
  const content = new TextEncoder().encode(JSON.stringify(classNames));
  return encodeEvent({
    wall_time: wallTime,
    step,
    summary: {
      value: [{ tag, metadata: pluginMeta(CONFUSION_PLUGIN, content), tensor: { dtype: 1, tensor_shape: { dim: [{ size: rows }, { size: cols }] }, float_val: values } }],
    },
  });
}

export type HParams = Record<string, number | string | boolean>;

/** The hyperparameters of a run (TensorBoard's hparams plugin, a session-start record). */
export function hparamsEvent(hparams: HParams, wallTime = nowSeconds()): Uint8Array {
  if (typeof hparams !== 'object' || hparams === null || Array.isArray(hparams)) throw new Error('hparamsEvent: hparams must be an object of numbers, strings and booleans');
  const values: Record<string, object> = {};
  for (const [key, v] of Object.entries(hparams)) {
    if (typeof v === 'number') values[key] = { number_value: v };
    else if (typeof v === 'string') values[key] = { string_value: v };
    else if (typeof v === 'boolean') values[key] = { bool_value: v };
    else throw new Error(`hparamsEvent: hyperparameter '${key}' must be a number, string or boolean, got ${v === null ? 'null' : typeof v}`);
  }
  const P = eventType('HParamsPluginData');
  const content = P.encode(P.fromObject({ version: 0, session_start_info: { hparams: values, start_time_secs: wallTime } })).finish();
  return encodeEvent({
    wall_time: wallTime,
    step: 0,
    summary: { value: [{ tag: '_hparams_/session_start_info', metadata: pluginMeta('hparams', new Uint8Array(content)), tensor: { dtype: 1, tensor_shape: { dim: [] }, float_val: [0] } }] },
  });
}

/** Decodes the hyperparameters of an hparams event's plugin content. */
export function decodeHparams(content: Uint8Array): HParams {
  const P = eventType('HParamsPluginData');
  const msg = P.toObject(P.decode(content), { oneofs: false }) as { session_start_info?: { hparams?: Record<string, { number_value?: number; string_value?: string; bool_value?: boolean }> } };
  const out: HParams = {};
  for (const [k, v] of Object.entries(msg.session_start_info?.hparams ?? {})) out[k] = v.number_value ?? v.string_value ?? v.bool_value ?? '';
  return out;
}
