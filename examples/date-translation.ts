/**
 * Course 5, week 3: neural machine translation with attention, on the course's task: human dates
 * ("tuesday may 3 1979", "05/03/79", ...) to machine dates ("1979-05-03"). A bidirectional LSTM
 * reads the characters; an LSTM decoder writes the answer one character at a time, each step
 * attending over the encoder's states (additive attention: alpha<t, t'> = softmax over t' of
 * v . tanh(W s<t-1> + U a<t'>)). Decoding: greedy (the likeliest character at each step) and beam
 * search (keep the 3 likeliest partial answers).
 *
 * Full run: 600 steps of 32 pairs (3 passes over 6,400 pairs), 500 held-out dates.
 *
 *   npx tsx examples/date-translation.ts      (NABLA_EXAMPLE_SHORT=1: 16 steps, 64 test dates)
 *
 * Expected output (full run, about a minute):
 *   "8 september 2038" -> 2038-09-08
 *   "2 april 1953" -> 1953-04-02
 *   "2011-03-26" -> 2011-03-26
 *   model: 61053 parameters
 *   step   1: loss 2.559
 *   step 150: loss 0.138
 *   step 300: loss 0.015
 *   step 450: loss 0.003
 *   step 600: loss 0.002
 *   held-out exact: greedy 100.0%, beam 100.0%; characters right: greedy 100.0%, beam 100.0%
 *   "3 may, 1979" -> 1979-05-03; attention: 1<-9 9<-␣ 7<-7 9<-9 -<-m 0<-y 5<-y -<-m 0<-y 3<-3
 * Short mode (the test runs it): step  16: loss 1.744, characters right: greedy 22.0%
 */
import * as nb from '../src/index.js';
const { seq2seq, F } = nb;

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const steps = short ? 16 : 600;
nb.manualSeed(0);

// Data: seeded pairs of real calendar dates in 18 formats; the test dates never occur in training.
const trainSet = seq2seq.humanDates(short ? 512 : 6400, { seed: 0 });
const testSet = seq2seq.humanDates(short ? 64 : 500, { seed: 1, exclude: new Set(trainSet.map((p) => p.machine)) });
for (const p of trainSet.slice(0, 3)) console.log(`"${p.human}" -> ${p.machine}`);

// Characters to ids. Source: 0 padding, then its characters. Target: 0 end, 1 start, then digits and '-'.
const SRC = ' ,-./0123456789abcdefghijklmnopqrstuvwxyz';
const TGT = '0123456789-';
const [PAD, EOS, BOS] = [0, 0, 1];
function sources(texts: string[]): { src: nb.Tensor; srcLengths: number[] } {
  const width = Math.max(...texts.map((t) => t.length));
  const ids = texts.map((t) => Array.from(t.padEnd(width, '\0'), (ch) => (ch === '\0' ? PAD : SRC.indexOf(ch) + 1)));
  return { src: nb.tensor(ids, { dtype: 'int32' }), srcLengths: texts.map((t) => t.length) };
}
const targetIds = (machine: string) => Array.from(machine, (ch) => TGT.indexOf(ch) + 2);
const decode = (tokens: number[]) => tokens.filter((t) => t >= 2).map((t) => TGT[t - 2]).join('');

// The course's model: Bi-LSTM with 32 units per direction, a 64-unit LSTM decoder, additive attention.
const model = new seq2seq.EncoderDecoder({
  srcVocab: SRC.length + 1, tgtVocab: TGT.length + 2, embedDim: 16, encoderHidden: 32, decoderHidden: 64, attentionDim: 32,
  cell: 'lstm', bidirectional: true, attention: 'additive', srcPaddingIdx: PAD,
});
console.log(`model: ${model.numParameters()} parameters`);

// Training with teacher forcing: the decoder reads the true previous character ("<start> 1 9 7 ...")
// and learns to predict the next ("1 9 7 ... <end>"). Adam, gradients clipped to norm 1.
const optimizer = new nb.optim.Adam(model.parameters(), { lr: 5e-3 });
for (let step = 1; step <= steps; step++) {
  const start = ((step - 1) * 32) % trainSet.length; // batches of 32, in order, epoch after epoch
  const pairs = trainSet.slice(start, start + 32);
  const { src, srcLengths } = sources(pairs.map((p) => p.human));
  const targets = pairs.map((p) => targetIds(p.machine));
  const tgtIn = nb.tensor(targets.map((t) => [BOS, ...t]), { dtype: 'int32' });
  const tgtOut = nb.tensor(targets.map((t) => [...t, EOS]), { dtype: 'int32' });
  const { logits } = model.forward(src, tgtIn, { srcLengths });
  const loss = F.crossEntropy(logits.reshape([-1, TGT.length + 2]), tgtOut.reshape([-1]));
  optimizer.zeroGrad();
  loss.backward();
  nb.optim.clipGradNorm(model.parameters(), 1);
  optimizer.step();
  if (step === 1 || step % (steps / 4) === 0) console.log(`step ${String(step).padStart(3)}: loss ${loss.item().toFixed(3)}`);
}

// Held-out dates: exact answers and characters in the right place, greedy and beam search.
model.eval();
const { src, srcLengths } = sources(testSet.map((p) => p.human));
const greedy = seq2seq.greedyDecode(model.step, model.initialState(src, { srcLengths }), { bos: BOS, eos: EOS, maxLength: 11 }).map((h) => decode(h.tokens));
const beam = seq2seq.beamSearch(model.step, model.initialState(src, { srcLengths }), { bos: BOS, eos: EOS, maxLength: 11, beamWidth: 3, nBest: 1 }).map((n) => decode(n[0]!.tokens));
const exact = (outs: string[]) => `${(100 * outs.filter((o, i) => o === testSet[i]!.machine).length / outs.length).toFixed(1)}%`;
const chars = (outs: string[]) => `${(100 * outs.reduce((n, o, i) => n + [...testSet[i]!.machine].filter((ch, k) => o[k] === ch).length, 0) / (10 * outs.length)).toFixed(1)}%`;
console.log(`held-out exact: greedy ${exact(greedy)}, beam ${exact(beam)}; characters right: greedy ${chars(greedy)}, beam ${chars(beam)}`);

// Where the model looks: for each output character, the source character with the most attention.
const human = '3 may, 1979';
const one = sources([human]);
const [best] = seq2seq.beamSearch(model.step, model.initialState(one.src), { bos: BOS, eos: EOS, maxLength: 11, beamWidth: 3, nBest: 1 });
const tokens = best![0]!.tokens;
const { attention } = nb.noGrad(() => model.forward(one.src, nb.tensor([[BOS, ...tokens.slice(0, -1)]], { dtype: 'int32' })));
const focus = (attention!.select(0, 0).argmax(1).toArray() as number[]).slice(0, -1).map((k, t) => `${decode([tokens[t]!])}<-${human[k] === ' ' ? '␣' : human[k]}`);
console.log(`"${human}" -> ${decode(tokens)}; attention: ${focus.join(' ')}`);
