/// <reference types="node" />
/**
 * `nabla demo ctc`: speech recognition's CTC on synthetic "speech". Each digit 0-9 is a tone pair
 * (its own two frequencies) lasting 50-110 ms; an utterance is 3-6 digits with random gaps and
 * noise at 8 kHz. Features: log mel spectrogram (nb.audio.melSpectrogram, 10 ms hop, 24 mels). A
 * bidirectional GRU with a per-frame linear layer is trained with F.ctcLoss; the CER of greedy
 * and prefix-beam decoding on held-out utterances is reported.
 */
import * as nb from '../index.js';
import { F, audio, metrics, nn, optim } from '../index.js';
import { checkKnownOptions, numberOption, type ParsedArgs } from './args.js';

const SAMPLE_RATE = 8000;
const BLANK = 0; // digit d is class d + 1

/** The two frequencies (Hz) of digit d: low and high groups, as a touch-tone keypad. */
function toneOf(d: number): [number, number] {
  return [400 + 90 * (d % 5), 1100 + 260 * Math.floor(d / 5) + 40 * (d % 3)];
}

interface Utterance {
  waveform: Float32Array;
  digits: number[];
}

function utterance(gen: nb.Generator, samples: number): Utterance {
  const count = 3 + Math.floor(gen.nextDouble() * 4);
  const digits = Array.from({ length: count }, () => Math.floor(gen.nextDouble() * 10));
  const wave = new Float32Array(samples);
  let at = Math.floor(gen.nextDouble() * 400);
  for (const d of digits) {
    const length = Math.floor((0.05 + 0.06 * gen.nextDouble()) * SAMPLE_RATE);
    const [f1, f2] = toneOf(d);
    const gain = 0.3 + 0.4 * gen.nextDouble();
    for (let i = 0; i < length && at + i < samples; i++) {
      const t = i / SAMPLE_RATE;
      const fade = Math.min(1, i / 40, (length - i) / 40);
      wave[at + i]! += gain * fade * 0.5 * (Math.sin(2 * Math.PI * f1 * t) + Math.sin(2 * Math.PI * f2 * t));
    }
    at += length + 80 + Math.floor(gen.nextDouble() * 480); // a 10-70 ms gap (keeps repeated digits apart)
  }
  for (let i = 0; i < samples; i++) wave[i]! += 0.05 * (gen.nextDouble() * 2 - 1);
  return { waveform: wave, digits };
}

/** Log mel features [B, T, 24] of a batch of utterances. */
function features(batch: readonly Utterance[]): nb.Tensor {
  const waves = nb.tensor(batch.map((u) => Array.from(u.waveform)));
  const mel = audio.melSpectrogram(waves, 256, { sampleRate: SAMPLE_RATE, hopLength: 80, nMels: 24 });
  return nb.log(mel.add(1e-6)).transpose(1, 2).div(10);
}

class Recognizer extends nn.Module {
  gru = new nn.GRU(24, 64, { batchFirst: true, bidirectional: true });
  out = new nn.Linear(128, 11);

  forward(x: nb.Tensor): nb.Tensor {
    const [h] = this.gru.forward(x);
    return F.logSoftmax(this.out.forward(h), -1); // [B, T, 11]
  }
}

export interface CtcDemoResult {
  greedyCer: number;
  beamCer: number;
  trainSeconds: number;
}

export function demoCtc(args: ParsedArgs, log: (line: string) => void): CtcDemoResult {
  checkKnownOptions(args, 'nabla demo ctc', ['steps', 'test', 'seed', 'beam']);
  const seed = numberOption(args, 'seed', 0, { integer: true, min: 0 });
  const steps = numberOption(args, 'steps', 400, { integer: true, min: 1 });
  const testCount = numberOption(args, 'test', 200, { integer: true, min: 1 });
  const beamWidth = numberOption(args, 'beam', 8, { integer: true, min: 1, max: 100 });
  nb.manualSeed(seed);
  const samples = Math.floor(0.9 * SAMPLE_RATE);
  const trainGen = new nb.Generator(seed);
  const testGen = new nb.Generator(seed + 1000);
  log(`CTC: utterances of 3-6 tone digits (0.9 s at 8 kHz, 10 ms frames, 24 log mels); ${steps} steps of 32, ${testCount} held-out utterances.`);
  const model = new Recognizer();
  const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });
  const started = performance.now();
  for (let step = 1; step <= steps; step++) {
    const batch = Array.from({ length: 32 }, () => utterance(trainGen, samples));
    const logProbs = model.forward(features(batch)); // [B, T, C]
    const frames = logProbs.shape[1]!;
    const targets = nb.tensor(batch.map((u) => [...u.digits.map((d) => d + 1), ...new Array<number>(6 - u.digits.length).fill(0)]), { dtype: 'int32' });
    const loss = F.ctcLoss(logProbs.transpose(0, 1), targets, new Array<number>(32).fill(frames), batch.map((u) => u.digits.length), { blank: BLANK });
    optimizer.zeroGrad();
    loss.backward();
    optim.clipGradNorm(model.parameters(), 5);
    optimizer.step();
    if (step % 50 === 0 || step === steps) log(`step ${step}/${steps}: CTC loss ${loss.item().toFixed(4)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const trainSeconds = (performance.now() - started) / 1000;
  model.eval();
  const test = Array.from({ length: testCount }, () => utterance(testGen, samples));
  const text = (tokens: readonly number[]): string => tokens.map((t) => String(t - 1)).join('');
  const refs = test.map((u) => u.digits.join(''));
  const greedy: string[] = [];
  const beam: string[] = [];
  nb.noGrad(() => {
    for (let i = 0; i < testCount; i += 50) {
      const logProbs = model.forward(features(test.slice(i, i + 50)));
      for (const h of audio.ctcGreedyDecode(logProbs)) greedy.push(text(h.tokens));
      for (const nbest of audio.ctcBeamSearch(logProbs, { beamWidth, nBest: 1 })) beam.push(text(nbest[0]!.tokens));
    }
  });
  const result = { greedyCer: metrics.cer(greedy, refs), beamCer: metrics.cer(beam, refs), trainSeconds };
  const exact = (outs: string[]): string => `${((100 * outs.filter((o, i) => o === refs[i]).length) / testCount).toFixed(1)}%`;
  log(`held-out CER: greedy ${(100 * result.greedyCer).toFixed(2)}%, beam ${beamWidth} ${(100 * result.beamCer).toFixed(2)}% (exact: greedy ${exact(greedy)}, beam ${exact(beam)})`);
  for (let i = 0; i < 3; i++) log(`  ${refs[i]} -> greedy ${greedy[i]}, beam ${beam[i]}`);
  log(`training time ${trainSeconds.toFixed(1)} s`);
  return result;
}
