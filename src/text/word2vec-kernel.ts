/**
 * The word2vec update loop (Mikolov's word2vec.c / gensim's word2vec_inner.pyx) as plain
 * typed-array code: no tensors, no allocation per word. It is the reference of the backends'
 * word2vecTrain kernel (asm/word2vec.ts on wasm, the same loop in f32x4) and runs where a backend
 * has none.
 */
import type { Word2VecTask } from '../backend/types.js';

export const MAX_EXP = 6;
export const EXP_TABLE_SIZE = 1000;

/** sigmoid at EXP_TABLE_SIZE points over [-MAX_EXP, MAX_EXP), as word2vec.c's expTable. */
export function makeSigmoidTable(): Float32Array {
  const table = new Float32Array(EXP_TABLE_SIZE);
  for (let i = 0; i < EXP_TABLE_SIZE; i++) {
    const e = Math.exp(((i / EXP_TABLE_SIZE) * 2 - 1) * MAX_EXP);
    table[i] = e / (e + 1);
  }
  return table;
}

/** xorshift32 state holder: the seeded random stream of one training call. */
function nextRandom(state: Uint32Array): number {
  let x = state[0]!;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state[0] = x;
  return x >>> 0;
}

/** Trains every chunk of the task in turn; returns each chunk's effective (kept) word count. */
export function trainChunksReference(t: Word2VecTask): Int32Array {
  const effective = new Int32Array(t.chunkFrom.length);
  for (let c = 0; c < effective.length; c++) effective[c] = trainChunk(t, t.chunkFrom[c]!, t.chunkTo[c]!, t.chunkAlpha[c]!, t.chunkSeed[c]!);
  return effective;
}

function trainChunk(a: Word2VecTask, from: number, to: number, alpha: number, seed: number): number {
  const size = a.vectorSize;
  const { syn0, syn1, syn1neg, cumTable, sampleInt, codes, points, codeOffset, sigmoid, corpus, sentenceStart } = a;
  const negative = a.negative;
  const hs = a.hs;
  const window = a.window;
  const cumLast = cumTable.length > 0 ? cumTable[cumTable.length - 1]! : 0;
  const vocab = cumTable.length;
  const rng = new Uint32Array([seed]);
  const neu1 = new Float64Array(size);
  const neu1e = new Float64Array(size);
  const kept = new Int32Array(a.maxSentence);
  const scale = EXP_TABLE_SIZE / MAX_EXP / 2;
  let effective = 0;

  // The output-layer updates for input vector l1 predicting `word`; gradients for l1 go to neu1e.
  const outputs = (l1: Float64Array, word: number): void => {
    if (hs) {
      for (let b = codeOffset[word]!, end = codeOffset[word + 1]!; b < end; b++) {
        const row = points[b]! * size;
        let f = 0;
        for (let k = 0; k < size; k++) f += l1[k]! * syn1[row + k]!;
        if (f <= -MAX_EXP || f >= MAX_EXP) continue;
        f = sigmoid[((f + MAX_EXP) * scale) | 0]!;
        const g = (1 - codes[b]! - f) * alpha;
        for (let k = 0; k < size; k++) {
          neu1e[k]! += g * syn1[row + k]!;
          syn1[row + k]! += g * l1[k]!;
        }
      }
    }
    for (let d = 0; negative > 0 && d <= negative; d++) {
      let target = word;
      let label = 1;
      if (d > 0) {
        // gensim: bisect_left(cum_table, random % cum_table[-1])
        const r = (nextRandom(rng) >>> 1) % cumLast;
        let lo = 0;
        let hi = vocab;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cumTable[mid]! < r) lo = mid + 1;
          else hi = mid;
        }
        if (lo === word) continue;
        target = lo;
        label = 0;
      }
      const row = target * size;
      let f = 0;
      for (let k = 0; k < size; k++) f += l1[k]! * syn1neg[row + k]!;
      if (f <= -MAX_EXP || f >= MAX_EXP) continue;
      f = sigmoid[((f + MAX_EXP) * scale) | 0]!;
      const g = (label - f) * alpha;
      for (let k = 0; k < size; k++) {
        neu1e[k]! += g * syn1neg[row + k]!;
        syn1neg[row + k]! += g * l1[k]!;
      }
    }
  };

  for (let s = from; s < to; s++) {
    const start = sentenceStart[s]!;
    const end = sentenceStart[s + 1]!;
    let n = 0;
    for (let i = start; i < end; i++) {
      const w = corpus[i]!;
      // Subsampling: keep w with probability sampleInt / 2^32 (gensim: sample_int < random -> skip).
      if (sampleInt[w]! < nextRandom(rng)) continue;
      kept[n++] = w;
    }
    for (let i = 0; i < n; i++) {
      const b = a.shrinkWindows ? nextRandom(rng) % window : 0;
      const lo = Math.max(0, i - window + b);
      const hi = Math.min(n, i + window + 1 - b);
      const word = kept[i]!;
      if (a.sg) {
        for (let j = lo; j < hi; j++) {
          if (j === i) continue;
          const inputRow = kept[j]! * size;
          for (let k = 0; k < size; k++) neu1[k] = syn0[inputRow + k]!;
          neu1e.fill(0);
          outputs(neu1, word);
          for (let k = 0; k < size; k++) syn0[inputRow + k]! += neu1e[k]!;
        }
      } else {
        neu1.fill(0);
        let count = 0;
        for (let j = lo; j < hi; j++) {
          if (j === i) continue;
          const row = kept[j]! * size;
          for (let k = 0; k < size; k++) neu1[k]! += syn0[row + k]!;
          count++;
        }
        if (count === 0) continue;
        const inv = 1 / count;
        if (a.cbowMean) for (let k = 0; k < size; k++) neu1[k]! *= inv;
        neu1e.fill(0);
        outputs(neu1, word);
        if (!a.cbowMean) for (let k = 0; k < size; k++) neu1e[k]! *= inv;
        for (let j = lo; j < hi; j++) {
          if (j === i) continue;
          const row = kept[j]! * size;
          for (let k = 0; k < size; k++) syn0[row + k]! += neu1e[k]!;
        }
      }
    }
    effective += n;
  }
  return effective;
}
