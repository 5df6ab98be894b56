/**
 * word2vec training on the wasm threads (asm/word2vec.ts): the model and corpus are copied into
 * the call area, every chunk of sentences runs on the pool (threads share the vectors without
 * locks, as gensim's workers do), and the vectors are copied back.
 */
import type { Backend, Word2VecTask } from '../types.js';
import type { WasmRuntime } from './runtime.js';

const TASK_WORD2VEC = 11;
const SG = 1;
const HS = 2;
const CBOW_MEAN = 4;
const SHRINK = 8;

export function makeWord2VecTrain(runtime: WasmRuntime): NonNullable<Backend['word2vecTrain']> {
  return function word2vecTrain(t: Word2VecTask) {
    const size = t.vectorSize;
    // Per-thread scratch: neu1, neu1e and the subsampled sentence.
    if ((2 * size + t.maxSentence) * 4 > runtime.scratchLayout.stride) return null;
    const chunks = t.chunkFrom.length;
    runtime.beginCall('word2vecTrain');
    const task = runtime.alloc(32 * 4);
    const place = (array: Float32Array | Int32Array | Uint32Array | Uint8Array): number => {
      const at = runtime.alloc(Math.max(array.byteLength, 4));
      new Uint8Array(runtime.memory.buffer, at, array.byteLength).set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      return at;
    };
    const addresses = [
      place(t.syn0), place(t.syn1), place(t.syn1neg), place(t.cumTable), place(t.sampleInt), place(t.codes), place(t.points),
      place(t.codeOffset), place(t.sigmoid), place(t.corpus), place(t.sentenceStart), place(t.chunkFrom), place(t.chunkTo),
      place(t.chunkAlpha), place(t.chunkSeed), runtime.alloc(chunks * 4),
    ];
    const flags = (t.sg ? SG : 0) | (t.hs ? HS : 0) | (t.cbowMean ? CBOW_MEAN : 0) | (t.shrinkWindows ? SHRINK : 0);
    // alloc may have grown (and so replaced) the memory's views: read runtime.i32 only now.
    runtime.i32.set([TASK_WORD2VEC, size, flags, t.negative, t.window, t.cumTable.length, ...addresses], task >> 2);
    runtime.run(task, chunks, true);
    const buffer = runtime.memory.buffer;
    const [syn0At, syn1At, syn1negAt] = addresses as [number, number, number];
    t.syn0.set(new Float32Array(buffer, syn0At, t.syn0.length));
    t.syn1.set(new Float32Array(buffer, syn1At, t.syn1.length));
    t.syn1neg.set(new Float32Array(buffer, syn1negAt, t.syn1neg.length));
    return new Int32Array(buffer, addresses[15]!, chunks).slice();
  };
}
