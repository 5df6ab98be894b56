/// <reference types="node" />
/**
 * Node-only callbacks that write files: ModelCheckpoint (atomic safetensors writes), CSVLogger
 * and JSONLogger.
 */
import { bool, checkOptionKeys, oneOf, parseOptions, requireOptions, str } from '../ops/args.js';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { hostname } from 'node:os';
import type { Tensor } from '../tensor/tensor.js';
import { confusionMatrixEvent, fileVersionEvent, hparamsEvent, histogramEvent, imageEvent, scalarEvent, textEvent, type HParams } from './tensorboard.js';
import { stateDictToBytes } from '../io/safetensors.js';
import { isPthPath, writeFileAtomic } from '../io/node.js';
import { savePth } from '../io/pth.js';
import { Callback, monitored, resolveMode, type Logs, type Mode } from './callback.js';
import { History, decodeLogNumber, encodeLogs } from './history.js';

export interface ModelCheckpointOptions {
  /** The quantity that decides the best epoch (default 'val_loss'). */
  monitor?: string;
  mode?: Mode;
  /** Only write when the monitored quantity improves (default false: every epoch). */
  saveBestOnly?: boolean;
}

/** One `{key}` or `{key:format}` in a checkpoint path: Keras's formats 02d (integers) and .4f / .2e (numbers). */
const PLACEHOLDER = /\{([^{}]*)\}/g;
const PLACEHOLDER_BODY = /^(\w+)(?::(0?\d*d|\.\d+[fe]))?$/;

function formatValue(value: number, format: string | undefined): string {
  if (format === undefined) return value.toFixed(4);
  if (format.endsWith('d')) {
    const text = String(Math.round(value));
    return format.startsWith('0') ? text.padStart(Number(format.slice(1, -1)), '0') : text.padStart(Number(format.slice(0, -1) || 0));
  }
  const digits = Number(format.slice(1, -1));
  // Python writes at least two exponent digits (5.0e-02).
  return format.endsWith('f') ? value.toFixed(digits) : value.toExponential(digits).replace(/e([+-])(\d)$/, 'e$10$2');
}

/**
 * Saves the model's state dict as safetensors at the end of epochs (with the epoch and logs as
 * metadata), or as a PyTorch checkpoint when the path ends in .pth/.pt. The path may contain
 * {epoch} (1-based) and {name} for any logged quantity, optionally with Keras's formats
 * ({epoch:02d}, {val_loss:.2f}), e.g. 'out/model-{epoch:02d}-{val_loss:.4f}.safetensors'; a name
 * the logs lack is an error. The directory is created and checked for writing when training
 * begins, before any epoch runs. Each write goes to a temporary file renamed into place, so the
 * file is never half-written.
 */
export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  private readonly saveBestOnly: boolean;
  private readonly isBetter: (a: number, b: number) => boolean;
  private best = NaN;
  /** Paths written so far, in order. */
  readonly saved: string[] = [];

  constructor(private readonly filepath: string, options: ModelCheckpointOptions = {}, ...extra: []) {
    super();
    parseOptions('ModelCheckpoint', options, { monitor: str, mode: oneOf('auto', 'min', 'max'), saveBestOnly: bool }, extra);
    if (typeof filepath !== 'string' || filepath === '') throw new Error(`ModelCheckpoint: the file path must be a non-empty string, got ${String(filepath)}`);
    const stray = filepath.replace(PLACEHOLDER, (whole, body: string) => {
      if (!PLACEHOLDER_BODY.test(body)) {
        throw new Error(`ModelCheckpoint: '${whole}' in '${filepath}' is not a placeholder: use {epoch}, {name} or {name:format} (formats 02d, .4f, .2e)`);
      }
      return '';
    });
    if (/[{}]/.test(stray)) throw new Error(`ModelCheckpoint: '${filepath}' has an unmatched brace`);
    this.monitor = options.monitor ?? 'val_loss';
    this.saveBestOnly = options.saveBestOnly ?? false;
    const mode = resolveMode(options.mode ?? 'auto', this.monitor);
    this.isBetter = mode === 'min' ? (a, b) => a < b : (a, b) => a > b;
  }

  /** Creates the checkpoint directory (the part of the path before any placeholder) and proves it writable. */
  override onTrainBegin(): void {
    this.best = NaN;
    let dir = dirname(this.filepath);
    while (dir.includes('{')) dir = dirname(dir);
    const probe = join(dir, `.nabla-checkpoint-probe.${process.pid}.${Date.now()}.tmp`);
    try {
      mkdirSync(dir, { recursive: true });
      closeSync(openSync(probe, 'wx'));
      rmSync(probe, { force: true });
    } catch (e) {
      throw new Error(`ModelCheckpoint: cannot write checkpoints to ${resolve(dir)} (for '${this.filepath}'): ${(e as Error).message}`);
    }
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (this.saveBestOnly) {
      const value = monitored('ModelCheckpoint', this.monitor, logs);
      if (!(Number.isNaN(this.best) ? Number.isFinite(value) : this.isBetter(value, this.best))) return;
      this.best = value;
    }
    const path = this.filepath.replace(PLACEHOLDER, (whole, body: string) => {
      const [, key, format] = PLACEHOLDER_BODY.exec(body)!;
      const value = key === 'epoch' ? epoch + 1 : logs[key!];
      if (value === undefined) {
        throw new Error(
          `ModelCheckpoint: the path '${this.filepath}' uses ${whole}, but epoch ${epoch + 1} logged no '${key}' ` +
            `(logged: epoch, ${Object.keys(logs).join(', ') || 'nothing else'})`,
        );
      }
      return key === 'epoch' && format === undefined ? String(value) : formatValue(value, format);
    });
    mkdirSync(dirname(path), { recursive: true });
    const metadata = { epoch: String(epoch + 1), ...Object.fromEntries(Object.entries(logs).map(([k, v]) => [k, String(v)])) };
    writeFileAtomic(path, isPthPath(path) ? savePth(this.training.model.stateDict()) : stateDictToBytes(this.training.model, metadata));
    this.saved.push(path);
  }
}

function csvField(value: string, separator: string): string {
  return value.includes(separator) || value.includes('"') || value.includes('\n') ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Appends one CSV row per epoch (epoch, then the logged quantities) to a file (keras.callbacks.CSVLogger). */
export class CSVLogger extends Callback {
  private columns: string[] | null = null;

  constructor(
    private readonly path: string,
    private readonly options: { separator?: string; append?: boolean } = {},
    ...extra: []
  ) {
    super();
    parseOptions('CSVLogger', options, { separator: str, append: bool }, extra);
  }

  override onTrainBegin(): void {
    this.columns = null;
    mkdirSync(dirname(this.path), { recursive: true });
    if (this.options.append !== true) writeFileSync(this.path, '');
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const sep = this.options.separator ?? ',';
    if (this.columns === null) {
      this.columns = Object.keys(logs);
      appendFileSync(this.path, ['epoch', ...this.columns].map((c) => csvField(c, sep)).join(sep) + '\n');
    }
    const row = [String(epoch), ...this.columns.map((c) => (logs[c] === undefined ? '' : String(logs[c])))];
    appendFileSync(this.path, row.join(sep) + '\n');
  }
}

/** Appends one JSON object per epoch ({"epoch": 0, "loss": ...}) as a line to a file. */
export class JSONLogger extends Callback {
  constructor(
    private readonly path: string,
    private readonly options: { append?: boolean } = {},
    ...extra: []
  ) {
    super();
    parseOptions('JSONLogger', options, { append: bool }, extra);
  }

  override onTrainBegin(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    if (this.options.append !== true) writeFileSync(this.path, '');
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    // Non-finite values as "Infinity"/"NaN" strings (JSON would write null), as History.toJSON does.
    appendFileSync(this.path, JSON.stringify({ epoch, ...encodeLogs(logs) }) + '\n');
  }
}

/**
 * Reads a History back from a file: a history.json (History.toJSON, as `nabla` writes it) or a
 * JSONLogger file (one {"epoch", ...logs} object per line). "Infinity", "-Infinity" and "NaN"
 * strings become numbers again.
 */
export function readHistory(path: string): History {
  const text = readFileSync(path, 'utf8');
  const where = `readHistory(${path})`;
  let whole: unknown = null;
  try {
    whole = JSON.parse(text);
  } catch {
    // Not one JSON value: JSON lines, read below.
  }
  if (typeof whole === 'object' && whole !== null && 'epochs' in whole) return History.fromJSON(whole);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parse = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: line ${n} is not JSON: ${(e as Error).message}`);
    }
  };
  const history = new History(false);
  lines.forEach((line, i) => {
    const row = parse(line, i + 1);
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new Error(`${where}: line ${i + 1} is not an object`);
    const { epoch, ...values } = row as Record<string, unknown>;
    if (!Number.isSafeInteger(epoch)) throw new Error(`${where}: line ${i + 1} has no integer "epoch"`);
    const logs: Logs = {};
    for (const [k, v] of Object.entries(values)) logs[k] = decodeLogNumber(v, `${where}: line ${i + 1}, ${k}`);
    history.addEpoch(epoch as number, logs);
  });
  return history;
}

export interface TensorBoardLoggerOptions {
  /** The run's folder; the event file is written inside it (created if missing). */
  logDir: string;
  /** Histograms of weights and gradients every this many epochs (default 1; 0 turns them off). */
  histogramFreq?: number;
  /** Scalars per 'epoch' (default), per 'batch', or every N batches. */
  updateFreq?: 'epoch' | 'batch' | number;
  /** Hyperparameters recorded once for the run (TensorBoard's HPARAMS tab). */
  hparams?: HParams;
}

const TENSORBOARD_KEYS = new Set(['logDir', 'histogramFreq', 'updateFreq', 'hparams']);
let eventFileCounter = 0;

/**
 * Writes TensorBoard event files during fit() (Keras's TensorBoard callback): scalars 'epoch/<log>'
 * per epoch (and 'batch/<log>' per batch with updateFreq), the learning rate 'epoch/lr', histograms
 * 'weights/<param>' and 'gradients/<param>', and the hyperparameters. logScalar, logHistogram,
 * logImage and logText add more, also outside fit(). Records are appended as they happen, so a
 * running TensorBoard (or `nabla dashboard`) shows them live.
 */
export class TensorBoardLogger extends Callback {
  readonly logDir: string;
  readonly histogramFreq: number;
  readonly updateFreq: 'epoch' | 'batch' | number;
  readonly hparams: HParams | null;
  #path: string | null = null;
  #batchStep = 0;

  constructor(options: TensorBoardLoggerOptions) {
    super();
    requireOptions('TensorBoardLogger', options, ['logDir', '...']);
    checkOptionKeys('TensorBoardLogger', options, [...TENSORBOARD_KEYS]);
    if (typeof options.logDir !== 'string' || options.logDir === '') throw new Error(`TensorBoardLogger: logDir must be a non-empty string, got ${JSON.stringify(options.logDir)}`);
    const freq = options.histogramFreq ?? 1;
    if (!Number.isInteger(freq) || freq < 0) throw new Error(`TensorBoardLogger: histogramFreq must be a non-negative integer, got ${String(freq)}`);
    const update = options.updateFreq ?? 'epoch';
    if (update !== 'epoch' && update !== 'batch' && !(Number.isInteger(update) && update > 0)) {
      throw new Error(`TensorBoardLogger: updateFreq must be 'epoch', 'batch' or a positive integer, got ${JSON.stringify(update)}`);
    }
    this.logDir = options.logDir;
    this.histogramFreq = freq;
    this.updateFreq = update;
    this.hparams = options.hparams ?? null;
  }

  /** The event file being written (created on first use). */
  get path(): string {
    if (this.#path === null) {
      mkdirSync(this.logDir, { recursive: true });
      const name = `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}.${process.pid}.${eventFileCounter++}`;
      this.#path = join(this.logDir, name);
      writeFileSync(this.#path, fileVersionEvent());
      if (this.hparams !== null) appendFileSync(this.#path, hparamsEvent(this.hparams));
    }
    return this.#path;
  }

  #write(record: Uint8Array): void {
    appendFileSync(this.path, record);
  }

  logScalar(tag: string, value: number, step: number): void {
    this.#write(scalarEvent(tag, value, step));
  }

  logHistogram(tag: string, values: Tensor, step: number): void {
    this.#write(histogramEvent(tag, values, step));
  }

  /** An image [C, H, W] or [1, C, H, W] with values in [0, 1], stored as PNG. */
  logImage(tag: string, image: Tensor, step: number): void {
    this.#write(imageEvent(tag, image, step));
  }

  logText(tag: string, text: string, step: number): void {
    this.#write(textEvent(tag, text, step));
  }

  /** A confusion matrix [C, C] (rows: true class), shown by `nabla dashboard`. */
  logConfusionMatrix(tag: string, matrix: Tensor | readonly (readonly number[])[], step: number, classNames: readonly string[] = []): void {
    this.#write(confusionMatrixEvent(tag, matrix, step, classNames));
  }

  override onTrainBegin(): void {
    this.#batchStep = 0;
    void this.path;
  }

  override onBatchEnd(_batch: number, logs: Logs): void {
    const step = this.#batchStep++;
    if (this.updateFreq === 'epoch') return;
    const every = this.updateFreq === 'batch' ? 1 : this.updateFreq;
    if (step % every !== 0) return;
    for (const [key, value] of Object.entries(logs)) if (typeof value === 'number') this.logScalar(`batch/${key}`, value, step);
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    for (const [key, value] of Object.entries(logs)) if (typeof value === 'number') this.logScalar(`epoch/${key}`, value, epoch);
    const lr = this.context?.optimizer?.paramGroups[0]?.lr;
    if (typeof lr === 'number' && logs.lr === undefined) this.logScalar('epoch/lr', lr, epoch);
    const model = this.context?.model;
    if (model === undefined || this.histogramFreq === 0 || (epoch + 1) % this.histogramFreq !== 0) return;
    for (const [name, p] of model.namedParameters()) {
      this.logHistogram(`weights/${name}`, p, epoch);
      if (p.grad !== null) this.logHistogram(`gradients/${name}`, p.grad, epoch);
    }
  }
}
