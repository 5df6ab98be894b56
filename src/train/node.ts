/// <reference types="node" />
/**
 * Node-only callbacks that write files: ModelCheckpoint (atomic safetensors writes), CSVLogger
 * and JSONLogger.
 */
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

  constructor(private readonly filepath: string, options: ModelCheckpointOptions = {}) {
    super();
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
  ) {
    super();
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
  ) {
    super();
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
