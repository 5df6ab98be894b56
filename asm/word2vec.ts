// word2vec training (word2vec.c / gensim's word2vec_inner.pyx) over chunks of sentences, f32x4.
// Threads run chunks at once on the same vectors without locks (Hogwild, as gensim's workers).
// The host (src/backend/wasm/word2vec.ts) writes the task descriptor and the chunk tables;
// src/text/word2vec-kernel.ts is the same loop in JS (the reference where wasm is absent).

import { word } from './task';
import { fma } from './simd';

// Task descriptor words (word 0 is the task kind).
const W_SIZE = 1;
const W_FLAGS = 2;
const W_NEGATIVE = 3;
const W_WINDOW = 4;
const W_VOCAB = 5;
const W_SYN0 = 6;
const W_SYN1 = 7;
const W_SYN1NEG = 8;
const W_CUM = 9;
const W_SAMPLE = 10;
const W_CODES = 11;
const W_POINTS = 12;
const W_CODE_OFFSET = 13;
const W_SIGMOID = 14;
const W_CORPUS = 15;
const W_SENTENCES = 16;
const W_CHUNK_FROM = 17;
const W_CHUNK_TO = 18;
const W_CHUNK_ALPHA = 19;
const W_CHUNK_SEED = 20;
const W_CHUNK_EFFECTIVE = 21;

const SG = 1;
const HS = 2;
const CBOW_MEAN = 4;
const SHRINK = 8;

const MAX_EXP: f32 = 6;
const EXP_TABLE_SIZE: f32 = 1000;

@inline function ptr(task: usize, index: i32): usize {
  return <usize>word(task, index);
}

@inline function xorshift(state: u32): u32 {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

function dot(a: usize, b: usize, size: i32): f32 {
  // Two accumulators: two multiply-add chains in flight instead of one.
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let k = 0;
  for (; k + 8 <= size; k += 8) {
    const at = <usize>k << 2;
    acc0 = fma(v128.load(a + at), v128.load(b + at), acc0);
    acc1 = fma(v128.load(a + at + 16), v128.load(b + at + 16), acc1);
  }
  for (; k + 4 <= size; k += 4) acc0 = fma(v128.load(a + (<usize>k << 2)), v128.load(b + (<usize>k << 2)), acc0);
  const acc = f32x4.add(acc0, acc1);
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; k < size; k++) s += load<f32>(a + (<usize>k << 2)) * load<f32>(b + (<usize>k << 2));
  return s;
}

/** neu1e += g * out; out += g * l1 (one output row's update). */
function update(out: usize, l1: usize, neu1e: usize, g: f32, size: i32): void {
  const vg = f32x4.splat(g);
  let k = 0;
  for (; k + 4 <= size; k += 4) {
    const at = <usize>k << 2;
    const o = v128.load(out + at);
    v128.store(neu1e + at, fma(vg, o, v128.load(neu1e + at)));
    v128.store(out + at, fma(vg, v128.load(l1 + at), o));
  }
  for (; k < size; k++) {
    const at = <usize>k << 2;
    const o = load<f32>(out + at);
    store<f32>(neu1e + at, load<f32>(neu1e + at) + g * o);
    store<f32>(out + at, o + g * load<f32>(l1 + at));
  }
}

/** dst += scale * src. */
function axpy(dst: usize, src: usize, scale: f32, size: i32): void {
  const vs = f32x4.splat(scale);
  let k = 0;
  for (; k + 4 <= size; k += 4) {
    const at = <usize>k << 2;
    v128.store(dst + at, fma(vs, v128.load(src + at), v128.load(dst + at)));
  }
  for (; k < size; k++) store<f32>(dst + (<usize>k << 2), load<f32>(dst + (<usize>k << 2)) + scale * load<f32>(src + (<usize>k << 2)));
}

@inline function zero(dst: usize, size: i32): void {
  memory.fill(dst, 0, <usize>size << 2);
}

/**
 * Output-layer updates for input l1 predicting `target`: hierarchical softmax along its Huffman
 * path, then negative sampling; l1's gradient accumulates in neu1e. Returns the random state.
 */
function outputs(task: usize, l1: usize, neu1e: usize, target: i32, alpha: f32, rng: u32): u32 {
  const size = word(task, W_SIZE);
  const rowBytes = <usize>size << 2;
  const sigmoid = ptr(task, W_SIGMOID);
  const scale: f32 = EXP_TABLE_SIZE / MAX_EXP / 2;
  if ((word(task, W_FLAGS) & HS) != 0) {
    const syn1 = ptr(task, W_SYN1);
    const codes = ptr(task, W_CODES);
    const points = ptr(task, W_POINTS);
    const offsets = ptr(task, W_CODE_OFFSET);
    const end = load<i32>(offsets + (<usize>(target + 1) << 2));
    for (let b = load<i32>(offsets + (<usize>target << 2)); b < end; b++) {
      const row = syn1 + <usize>load<i32>(points + (<usize>b << 2)) * rowBytes;
      let f = dot(l1, row, size);
      if (f <= -MAX_EXP || f >= MAX_EXP) continue;
      f = load<f32>(sigmoid + (<usize>(<i32>((f + MAX_EXP) * scale)) << 2));
      const g = (<f32>1 - <f32>load<u8>(codes + <usize>b) - f) * alpha;
      update(row, l1, neu1e, g, size);
    }
  }
  const negative = word(task, W_NEGATIVE);
  if (negative > 0) {
    const syn1neg = ptr(task, W_SYN1NEG);
    const cum = ptr(task, W_CUM);
    const vocab = word(task, W_VOCAB);
    const cumLast = load<u32>(cum + (<usize>(vocab - 1) << 2));
    for (let d = 0; d <= negative; d++) {
      let out = target;
      let label: f32 = 1;
      if (d > 0) {
        rng = xorshift(rng);
        const r = (rng >> 1) % cumLast;
        let lo = 0;
        let hi = vocab;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (load<u32>(cum + (<usize>mid << 2)) < r) lo = mid + 1;
          else hi = mid;
        }
        if (lo == target) continue;
        out = lo;
        label = 0;
      }
      const row = syn1neg + <usize>out * rowBytes;
      let f = dot(l1, row, size);
      if (f <= -MAX_EXP || f >= MAX_EXP) continue;
      f = load<f32>(sigmoid + (<usize>(<i32>((f + MAX_EXP) * scale)) << 2));
      update(row, l1, neu1e, (label - f) * alpha, size);
    }
  }
  return rng;
}

/** Trains sentences chunkFrom[chunk] .. chunkTo[chunk] at the chunk's alpha; writes its effective word count. */
export function word2vecChunk(task: usize, chunk: i32, scratch: usize): void {
  const size = word(task, W_SIZE);
  const flags = word(task, W_FLAGS);
  const window = word(task, W_WINDOW);
  const rowBytes = <usize>size << 2;
  const syn0 = ptr(task, W_SYN0);
  const sample = ptr(task, W_SAMPLE);
  const corpus = ptr(task, W_CORPUS);
  const sentences = ptr(task, W_SENTENCES);
  const at = <usize>chunk << 2;
  const from = load<i32>(ptr(task, W_CHUNK_FROM) + at);
  const to = load<i32>(ptr(task, W_CHUNK_TO) + at);
  const alpha = load<f32>(ptr(task, W_CHUNK_ALPHA) + at);
  let rng = load<u32>(ptr(task, W_CHUNK_SEED) + at);
  const neu1 = scratch;
  const neu1e = scratch + rowBytes;
  const kept = scratch + 2 * rowBytes;
  const sg = (flags & SG) != 0;
  let effective = 0;
  for (let s = from; s < to; s++) {
    const start = load<i32>(sentences + (<usize>s << 2));
    const end = load<i32>(sentences + (<usize>(s + 1) << 2));
    let n = 0;
    for (let i = start; i < end; i++) {
      const w = load<i32>(corpus + (<usize>i << 2));
      rng = xorshift(rng);
      if (load<u32>(sample + (<usize>w << 2)) < rng) continue;
      store<i32>(kept + (<usize>n << 2), w);
      n++;
    }
    for (let i = 0; i < n; i++) {
      let b = 0;
      if ((flags & SHRINK) != 0) {
        rng = xorshift(rng);
        b = <i32>(rng % <u32>window);
      }
      const lo = max(0, i - window + b);
      const hi = min(n, i + window + 1 - b);
      const target = load<i32>(kept + (<usize>i << 2));
      if (sg) {
        for (let j = lo; j < hi; j++) {
          if (j == i) continue;
          const input = syn0 + <usize>load<i32>(kept + (<usize>j << 2)) * rowBytes;
          zero(neu1e, size);
          rng = outputs(task, input, neu1e, target, alpha, rng);
          axpy(input, neu1e, 1, size);
        }
      } else {
        zero(neu1, size);
        let count = 0;
        for (let j = lo; j < hi; j++) {
          if (j == i) continue;
          axpy(neu1, syn0 + <usize>load<i32>(kept + (<usize>j << 2)) * rowBytes, 1, size);
          count++;
        }
        if (count == 0) continue;
        const inv: f32 = <f32>1 / <f32>count;
        const mean = (flags & CBOW_MEAN) != 0;
        if (mean) {
          zero(neu1e, size);
          axpy(neu1e, neu1, inv, size);
          memory.copy(neu1, neu1e, rowBytes);
        }
        zero(neu1e, size);
        rng = outputs(task, neu1, neu1e, target, alpha, rng);
        const spread: f32 = mean ? 1 : inv;
        for (let j = lo; j < hi; j++) {
          if (j == i) continue;
          axpy(syn0 + <usize>load<i32>(kept + (<usize>j << 2)) * rowBytes, neu1e, spread, size);
        }
      }
    }
    effective += n;
  }
  store<i32>(ptr(task, W_CHUNK_EFFECTIVE) + at, effective);
}
