/**
 * ProgressBar: on a terminal, a live line per epoch with step, bar, ETA, loss and metrics; when
 * not on a terminal (CI, pipes, browsers) one summary line per epoch.
 */
import { Callback, type Logs } from './callback.js';
import { check, int, parseOptions, unchecked } from '../ops/args.js';
import { ExponentialAverage } from '../util/ewma.js';

export interface ProgressOutput {
  write(text: string): void;
  /** Whether the output is a terminal that can redraw a line. */
  isTTY: boolean;
}

interface NodeLikeStdout {
  write(text: string): unknown;
  isTTY?: boolean;
}

function defaultOutput(): ProgressOutput {
  const stdout = (globalThis as { process?: { stdout?: NodeLikeStdout; env?: Record<string, string | undefined> } }).process;
  if (stdout?.stdout !== undefined) {
    const out = stdout.stdout;
    return { write: (t) => void out.write(t), isTTY: out.isTTY === true && stdout.env?.CI === undefined };
  }
  let line = '';
  return {
    write: (t) => {
      line += t;
      const lines = line.split('\n');
      line = lines.pop()!;
      for (const l of lines) console.log(l);
    },
    isTTY: false,
  };
}

export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .filter(([k]) => k !== 'batchLoss')
    .map(([k, v]) => `${k}: ${formatNumber(v)}`)
    .join(' - ');
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - 60 * m).toString().padStart(2, '0')}s`;
}

export class ProgressBar extends Callback {
  private readonly out: ProgressOutput;
  private readonly width: number;
  private epochStart = 0;
  private lastDraw = 0;
  private readonly smoothing: number;
  private lossAverage: ExponentialAverage | null = null;

  /**
   * `smoothing` (beta in [0, 1), default 0: off) shows, on a terminal's live line, the bias-corrected
   * exponentially weighted average of the batch losses instead of the epoch's running mean: it follows
   * the recent batches (about the last 1 / (1 - beta)), where the mean still carries the epoch's start.
   */
  constructor(options: { output?: ProgressOutput; width?: number; smoothing?: number } = {}, ...extra: []) {
    super();
    parseOptions('ProgressBar', options, { output: unchecked, width: int, smoothing: check<number>('a number in [0, 1)', (v) => typeof v === 'number' && v >= 0 && v < 1) }, extra);
    this.out = options.output ?? defaultOutput();
    this.width = options.width ?? 30;
    this.smoothing = options.smoothing ?? 0;
  }

  private header(epoch: number): string {
    return `Epoch ${epoch + 1}/${this.training.epochs}`;
  }

  override onEpochBegin(epoch: number): void {
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.lossAverage = this.smoothing > 0 ? new ExponentialAverage(this.smoothing, true) : null;
    if (this.out.isTTY) this.out.write(`${this.header(epoch)}\n`);
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    if (!this.out.isTTY) return;
    // Every batch updates the average, drawn or not.
    const smoothedLoss = logs.batchLoss === undefined ? undefined : this.lossAverage?.update(logs.batchLoss);
    const now = performance.now();
    const steps = this.training.steps;
    if (now - this.lastDraw < 50 && batch + 1 !== steps) return;
    this.lastDraw = now;
    const done = batch + 1;
    const elapsed = (now - this.epochStart) / 1000;
    let bar = '';
    let eta = '';
    if (steps !== null && steps > 0) {
      const filled = Math.min(this.width, Math.floor((done / steps) * this.width));
      bar = ` [${'='.repeat(Math.max(filled - 1, 0))}${filled < this.width ? '>' : '='}${'.'.repeat(this.width - filled)}]`;
      eta = done < steps ? ` - ETA ${formatSeconds((elapsed / done) * (steps - done))}` : '';
    }
    const count = steps === null ? `${done}` : `${String(done).padStart(String(steps).length)}/${steps}`;
    const shown = smoothedLoss === undefined ? logs : { ...logs, loss: smoothedLoss };
    this.out.write(`\r${count}${bar}${eta} - ${formatLogs(shown)}\x1b[K`);
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const elapsed = formatSeconds((performance.now() - this.epochStart) / 1000);
    if (this.out.isTTY) this.out.write(`\r${elapsed} - ${formatLogs(logs)}\x1b[K\n`);
    else this.out.write(`${this.header(epoch)} - ${elapsed} - ${formatLogs(logs)}\n`);
  }
}
