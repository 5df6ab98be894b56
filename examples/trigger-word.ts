/**
 * Course 5, week 3: trigger-word detection. The course synthesises its training set: short
 * recordings of the trigger word ("activate") and of other words, overlaid at random places on
 * background noise, labelled y<t> = 1 for a few output steps right after each trigger ends. No
 * recordings are bundled, so the words here are synthesised sounds too: the trigger is a rising
 * chirp, the other words a falling chirp and a steady tone. Model as the course's: a strided Conv1d
 * over the spectrogram, batch norm, ReLU, a GRU and a per-step sigmoid. Clips are built with
 * audio.mix (offsets and gains in dB) and turned into log mel spectrograms by audio.melSpectrogram.
 *
 * Full run: 200 steps of 16 fresh clips, 200 held-out clips.
 *
 *   npx tsx examples/trigger-word.ts      (NABLA_EXAMPLE_SHORT=1: 8 steps, 50 test clips)
 *
 * Expected output (full run, about 20 seconds):
 *   step   1: loss 0.987
 *   step  50: loss 0.026
 *   step 100: loss 0.020
 *   step 150: loss 0.010
 *   step 200: loss 0.004
 *   held-out per-step F1: 1.00
 *   clips with the right verdict (trigger heard or not): 200/200 (121 hold a trigger)
 * Short mode (the test runs it): step   8: loss 0.323, clips with the right verdict (trigger heard or not): 48/50
 */
import * as nb from '../src/index.js';
const { audio, nn, F } = nb;

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const steps = short ? 8 : 200;
nb.manualSeed(0);
const rate = 8000; // samples per second; a clip is 2 s in 4 slots of 0.5 s, each holding one word or none
const [hop, kernel, stride, labelSteps] = [80, 15, 4, 6]; // 10 ms frames; the conv's output steps are 40 ms

// The words, 0.3 s each: phase(t) = 2 pi (f0 t + (f1 - f0) t^2 / (2 d)) sweeps f0 -> f1 Hz.
const t = nb.arange(0, 0.3 * rate).div(rate);
const sweep = (f0: number, f1: number) => t.mul(f0).add(t.square().mul((f1 - f0) / 0.6)).mul(2 * Math.PI).sin();
const words = [sweep(700, 1800), sweep(1800, 700), sweep(1000, 1000)]; // trigger, negative, negative

function makeClip(g: nb.Generator): { wave: nb.Tensor; triggerEnds: number[] } {
  const parts = [nb.randn([2 * rate], { generator: g }).mul(0.05)]; // background noise
  const [offsets, gains, triggerEnds] = [[0], [0], [] as number[]];
  for (let slot = 0; slot < 4; slot++) {
    const word = Math.floor(g.nextDouble() * 5) - 2; // -2, -1: nothing; 0: trigger; 1, 2: other words
    if (word < 0) continue;
    const start = slot * 0.5 * rate + Math.floor(g.nextDouble() * 0.2 * rate);
    parts.push(words[word]!);
    offsets.push(start);
    gains.push(-10 + 8 * g.nextDouble()); // -10 to -2 dB
    if (word === 0) triggerEnds.push(Math.floor((start + 0.3 * rate) / hop));
  }
  return { wave: audio.mix(parts, { offsets, gainsDb: gains, length: 2 * rate }), triggerEnds };
}

// y<t> = 1 for the labelSteps output steps after a trigger ends (the first whose window reaches its end).
function labels(triggerEnds: number[], outSteps: number): number[] {
  const y = new Array<number>(outSteps).fill(0);
  for (const end of triggerEnds) {
    const first = Math.max(0, Math.ceil((end - kernel + 1) / stride));
    for (let s = first; s < Math.min(outSteps, first + labelSteps); s++) y[s] = 1;
  }
  return y;
}

// Features: log mel spectrogram, 24 bands, [B, 24, 201 frames].
const features = (waves: nb.Tensor[]) => audio.melSpectrogram(nb.stack(waves), 256, { sampleRate: rate, hopLength: hop, nMels: 24 }).add(1e-6).log().div(10);

class TriggerModel extends nn.Module {
  conv = new nn.Conv1d(24, 32, kernel, { stride });
  bn = new nn.BatchNorm1d(32);
  gru = new nn.GRU(32, 32, { batchFirst: true });
  out = new nn.Linear(32, 1);
  forward(x: nb.Tensor): nb.Tensor {
    const h = F.relu(this.bn.forward(this.conv.forward(x))).transpose(1, 2); // [B, steps, 32]
    return this.out.forward(this.gru.forward(h)[0]).squeeze(-1); // a logit per output step
  }
}
const model = new TriggerModel();
const optimizer = new nb.optim.Adam(model.parameters(), { lr: 5e-3 });

// Training on fresh clips every step; positives are rare, so they weigh 5 times more in the loss.
const g = new nb.Generator(1);
for (let step = 1; step <= steps; step++) {
  const clips = Array.from({ length: 16 }, () => makeClip(g));
  const logits = model.forward(features(clips.map((c) => c.wave)));
  const y = nb.tensor(clips.map((c) => labels(c.triggerEnds, logits.shape[1]!)), { dtype: 'float32' });
  const loss = F.binaryCrossEntropyWithLogits(logits, y, { posWeight: nb.tensor([5], { dtype: 'float32' }) });
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  if (step === 1 || step % (steps / 4) === 0) console.log(`step ${String(step).padStart(3)}: loss ${loss.item().toFixed(3)}`);
}

// Held-out clips: per-step F1, and clips whose "trigger heard" verdict (any step above 0.5) is right.
model.eval();
const testGen = new nb.Generator(2);
const test = Array.from({ length: short ? 50 : 200 }, () => makeClip(testGen));
const probs = nb.noGrad(() => nb.sigmoid(model.forward(features(test.map((c) => c.wave))))).toArray() as number[][];
const truth = test.map((c) => labels(c.triggerEnds, probs[0]!.length));
const predicted = probs.map((row) => row.map((p) => (p > 0.5 ? 1 : 0)));
console.log(`held-out per-step F1: ${nb.metrics.f1Score(predicted.flat(), truth.flat()).toFixed(2)}`);
// (A trigger that ends in the clip's last 50 ms has no labelled step: it counts as none.)
const verdicts = predicted.filter((p, i) => p.includes(1) === truth[i]!.includes(1)).length;
console.log(`clips with the right verdict (trigger heard or not): ${verdicts}/${test.length} (${truth.filter((y) => y.includes(1)).length} hold a trigger)`);
