/** The sequence-reversal task both encoder-decoder tests learn: train, then decode greedily and by beam search. */
import * as nb from '../../src/index.js';
import { seq2seq, F, optim } from '../../src/index.js';

export const BOS = 1;
export const EOS = 0;

interface Seq2SeqModel<S> {
  parameters(): Iterable<nb.Tensor>;
  eval(): unknown;
  step: seq2seq.StepFunction<S>;
  initialState(src: nb.Tensor): S;
}

/**
 * Trains `model` (its teacher-forced logits from `logits`) to reverse 4-token sequences over tokens
 * 2..7 with Adam, then counts how many of 50 new sequences greedy and beam search (width 3) get right.
 */
export function learnReversal<S>(model: Seq2SeqModel<S>, logits: (src: nb.Tensor, tgtIn: nb.Tensor) => nb.Tensor, steps: number, lr: number): { greedyRight: number; beamRight: number } {
  const gen = new nb.Generator(5);
  const opt = new optim.Adam(model.parameters(), { lr });
  const batch = (n: number): { src: nb.Tensor; tgtIn: nb.Tensor; tgtOut: nb.Tensor } => {
    const seqs = Array.from({ length: n }, () => Array.from(nb.randint(2, 8, [4], { dtype: 'int32', generator: gen }).toTypedArray()));
    const rev = seqs.map((s) => [...s].reverse());
    return {
      src: nb.tensor(seqs, { dtype: 'int32' }),
      tgtIn: nb.tensor(rev.map((r) => [BOS, ...r]), { dtype: 'int32' }),
      tgtOut: nb.tensor(rev.map((r) => [...r, EOS]), { dtype: 'int32' }),
    };
  };
  for (let it = 0; it < steps; it++) {
    const { src, tgtIn, tgtOut } = batch(32);
    const loss = F.crossEntropy(logits(src, tgtIn).reshape([-1, 8]), tgtOut.reshape([-1]));
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
  model.eval();
  const { src, tgtOut } = batch(50);
  const want = tgtOut.toArray() as number[][];
  const greedy = seq2seq.greedyDecode(model.step, model.initialState(src), { bos: BOS, eos: EOS, maxLength: 6 });
  const beam = seq2seq.beamSearch(model.step, model.initialState(src), { bos: BOS, eos: EOS, maxLength: 6, beamWidth: 3, nBest: 1 });
  const exact = (outs: number[][]): number => outs.filter((o, i) => o.join() === want[i]!.join()).length;
  return { greedyRight: exact(greedy.map((h) => h.tokens)), beamRight: exact(beam.map((n) => n[0]!.tokens)) };
}
