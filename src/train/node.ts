/// <reference types="node" />
/**
 * Node-only callbacks that write files: ModelCheckpoint (atomic safetensors writes), CSVLogger
 * and JSONLogger.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
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

/**
 * Saves the model's state dict as safetensors at the end of epochs (with the epoch and logs as
 * metadata), or as a PyTorch checkpoint when the path ends in .pth/.pt. The path may contain
 * {epoch} (1-based) and {name} for any logged quantity, e.g. 'out/model-{epoch}-{val_loss}.safetensors'.
 * Each write goes to a temporary file renamed into place, so the file is never half-written.
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
    this.monitor = options.monitor ?? 'val_loss';
    this.saveBestOnly = options.saveBestOnly ?? false;
    const mode = resolveMode(options.mode ?? 'auto', this.monitor);
    this.isBetter = mode === 'min' ? (a, b) => a < b : (a, b) => a > b;
  }

  override onTrainBegin(): void {
    this.best = NaN;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (this.saveBestOnly) {
      const value = monitored('ModelCheckpoint', this.monitor, logs);
      if (!(Number.isNaN(this.best) ? Number.isFinite(value) : this.isBetter(value, this.best))) return;
      this.best = value;
    }
    const path = this.filepath.replace(/\{(\w+)\}/g, (whole, key: string) => {
      if (key === 'epoch') return String(epoch + 1);
      const value = logs[key];
      return value === undefined ? whole : value.toFixed(4);
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
