/// <reference types="node" />
/**
 * `nabla demo trigger`: trigger-word detection as the course builds it, on synthesised audio.
 * Words are generated sounds: the trigger ("activate") is a rising chirp 700 -> 1800 Hz; negative
 * words are falling chirps, steady tones and warbles at other pitches; backgrounds are low-passed
 * noise. A 2 s clip (8 kHz) gets 0-2 triggers and 0-3 negatives at random non-overlapping places;
 * the label y<t> is 1 for the 6 output steps after each trigger ends (the course's 50 of 1375,
 * scaled). Model as the course's: Conv1d over the log mel spectrogram (stride 4) + BatchNorm +
 * ReLU, a GRU, a time-distributed Linear + sigmoid. Reports per-step F1 and detection accuracy
 * (a clip is right when its predicted trigger events match its true ones one to one) on held-out clips.
 */
import * as nb from '../index.js';
import { F, audio, metrics, nn, optim } from '../index.js';
import { checkKnownOptions, numberOption, type ParsedArgs } from './args.js';

const SAMPLE_RATE = 8000;
const CLIP = 2 * SAMPLE_RATE;
const HOP = 80; // 10 ms frames: 201 spectrogram steps
const STRIDE = 4;
const KERNEL = 15;
const LABEL_STEPS = 6;

type Word = (t: number, duration: number) => number;

const trigger: Word = (t, d) => Math.sin(2 * Math.PI * (700 * t + (1100 / (2 * d)) * t * t)); // 700 -> 1800 Hz
const negatives: Word[] = [
  (t, d) => Math.sin(2 * Math.PI * (1800 * t - (1100 / (2 * d)) * t * t)), // falling chirp
  (t) => Math.sin(2 * Math.PI * 1000 * t), // steady tone
  (t) => Math.sin(2 * Math.PI * (1300 * t + 15 * Math.sin(2 * Math.PI * 8 * t))), // warble
  (t, d) => Math.sin(2 * Math.PI * (500 * t + (400 / (2 * d)) * t * t)) * 0.8, // low rising chirp
];

interface Clip {
  waveform: Float32Array;
  /** Spectrogram frames where each trigger ends. */
  triggerEnds: number[];
}

function synthesise(gen: nb.Generator): Clip {
  const wave = new Float32Array(CLIP);
  // Background: low-passed noise of a random level.
  const level = 0.02 + 0.08 * gen.nextDouble();
  let smooth = 0;
  for (let i = 0; i < CLIP; i++) {
    smooth = 0.8 * smooth + 0.2 * (gen.nextDouble() * 2 - 1);
    wave[i] = level * smooth * 3;
  }
  const taken: [number, number][] = [];
  const place = (length: number): number | null => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const start = Math.floor(gen.nextDouble() * (CLIP - length));
      if (taken.every(([a, b]) => start + length <= a || start >= b)) {
        taken.push([start, start + length]);
        return start;
      }
    }
    return null;
  };
  const insert = (word: Word): number | null => {
    const length = Math.floor((0.25 + 0.15 * gen.nextDouble()) * SAMPLE_RATE);
    const start = place(length);
    if (start === null) return null;
    const gain = 0.3 + 0.5 * gen.nextDouble();
    const d = length / SAMPLE_RATE;
    for (let i = 0; i < length; i++) {
      const fade = Math.min(1, i / 80, (length - i) / 80);
      wave[start + i]! += gain * fade * word(i / SAMPLE_RATE, d);
    }
    return start + length;
  };
  const triggerEnds: number[] = [];
  const triggers = Math.floor(gen.nextDouble() * 3);
  for (let k = 0; k < triggers; k++) {
    const end = insert(trigger);
    if (end !== null) triggerEnds.push(Math.floor(end / HOP));
  }
  const others = Math.floor(gen.nextDouble() * 4);
  for (let k = 0; k < others; k++) insert(negatives[Math.floor(gen.nextDouble() * negatives.length)]!);
  return { waveform: wave, triggerEnds };
}

/** y<t> = 1 for the LABEL_STEPS output steps after each trigger ends. */
function labels(clip: Clip, steps: number): number[] {
  const y = new Array<number>(steps).fill(0);
  for (const end of clip.triggerEnds) {
    const first = Math.max(0, Math.ceil((end - KERNEL + 1) / STRIDE)); // the first output step whose window reaches the end
    for (let s = first; s < Math.min(steps, first + LABEL_STEPS); s++) y[s] = 1;
  }
  return y;
}

function features(clips: readonly Clip[]): nb.Tensor {
  const mel = audio.melSpectrogram(nb.tensor(clips.map((c) => Array.from(c.waveform))), 256, { sampleRate: SAMPLE_RATE, hopLength: HOP, nMels: 24 });
  return nb.log(mel.add(1e-6)).div(10); // [B, 24, frames]
}

class TriggerModel extends nn.Module {
  conv = new nn.Conv1d(24, 64, KERNEL, { stride: STRIDE });
  bn = new nn.BatchNorm1d(64);
  gru = new nn.GRU(64, 64, { batchFirst: true });
  out = new nn.Linear(64, 1);

  /** Logits [B, steps] (a sigmoid gives the per-step probability). */
  forward(x: nb.Tensor): nb.Tensor {
    const h = F.relu(this.bn.forward(this.conv.forward(x))).transpose(1, 2);
    const [seq] = this.gru.forward(h);
    return this.out.forward(seq).squeeze(-1);
  }
}

/** Runs of 1s in a 0/1 sequence, as [start, end) pairs. */
function runs(y: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  y.forEach((v, i) => {
    if (v === 1 && start < 0) start = i;
    if (v !== 1 && start >= 0) {
      out.push([start, i]);
      start = -1;
    }
  });
  if (start >= 0) out.push([start, y.length]);
  return out;
}

export interface TriggerResult {
  f1: number;
  detectionAccuracy: number;
  trainSeconds: number;
}

export function demoTrigger(args: ParsedArgs, log: (line: string) => void): TriggerResult {
  checkKnownOptions(args, 'nabla demo trigger', ['steps', 'test', 'seed']);
  const seed = numberOption(args, 'seed', 0, { integer: true, min: 0 });
  const steps = numberOption(args, 'steps', 150, { integer: true, min: 1 });
  const testCount = numberOption(args, 'test', 200, { integer: true, min: 1 });
  nb.manualSeed(seed);
  const trainGen = new nb.Generator(seed);
  const testGen = new nb.Generator(seed + 1000);
  const model = new TriggerModel();
  const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });
  log(`Trigger word: 2 s clips at 8 kHz with 0-2 triggers (rising chirps) and 0-3 negative words on noise; ${steps} steps of 32, ${testCount} held-out clips.`);
  const started = performance.now();
  for (let step = 1; step <= steps; step++) {
    const clips = Array.from({ length: 32 }, () => synthesise(trainGen));
    const logits = model.forward(features(clips));
    const target = nb.tensor(clips.map((c) => labels(c, logits.shape[1]!)), { dtype: 'float32' });
    // Positive steps are rare (about 5%): weight them up, as a detector trained on imbalanced labels needs.
    const loss = F.binaryCrossEntropyWithLogits(logits, target, { posWeight: nb.tensor([5], { dtype: 'float32' }) });
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    if (step % 50 === 0 || step === steps) log(`step ${step}/${steps}: loss ${loss.item().toFixed(4)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const trainSeconds = (performance.now() - started) / 1000;
  model.eval();
  const test = Array.from({ length: testCount }, () => synthesise(testGen));
  const predicted: number[][] = [];
  const truth: number[][] = [];
  nb.noGrad(() => {
    for (let i = 0; i < testCount; i += 50) {
      const batch = test.slice(i, i + 50);
      const probs = nb.sigmoid(model.forward(features(batch))).toArray() as number[][];
      probs.forEach((row, k) => {
        predicted.push(row.map((p) => (p > 0.5 ? 1 : 0)));
        truth.push(labels(batch[k]!, row.length));
      });
    }
  });
  const f1 = metrics.f1Score(predicted.flat(), truth.flat());
  // A clip is detected right when every true trigger run overlaps exactly one predicted run and no predicted run is spurious.
  const right = predicted.filter((p, i) => {
    const want = runs(truth[i]!);
    const got = runs(p);
    return got.length === want.length && want.every(([a, b]) => got.filter(([c, d]) => c < b && a < d).length === 1);
  }).length;
  const result = { f1, detectionAccuracy: right / testCount, trainSeconds };
  log(`held-out per-step F1 ${f1.toFixed(4)}, detection accuracy ${(100 * result.detectionAccuracy).toFixed(1)}% (${right}/${testCount} clips)`);
  log(`training time ${trainSeconds.toFixed(1)} s`);
  return result;
}
