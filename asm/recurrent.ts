// One time step of the LSTM and GRU cells (PyTorch's gate orders and formulas) with the f32x4
// activations of elementwise.ts: the transcendental functions are most of a cell's cost in JS.
// Operands are contiguous and the hidden size a multiple of 4 (the host checks), so every row's
// gate blocks start on whole vectors.

import { sigmoidv, tanhv } from './elementwise';
import { gemmPacked, packWholeB } from './gemm';
import { word } from './task';

/** The pre-activation at byte `at` of a gate row: the x part plus the h part when there is one. */
@inline function preActivation(x: usize, h: usize, at: usize): v128 {
  return h == 0 ? v128.load(x + at) : f32x4.add(v128.load(x + at), v128.load(h + at));
}

/**
 * gates [rows, 4H] (i, f, g, o; plus hiddenGates when it is not 0), c [rows, H] -> h' and c'
 * ([rows, H] each) and, when `activations` is not 0, [rows, 5H] (sigmoid(i), sigmoid(f),
 * tanh(g), sigmoid(o), tanh(c')).
 */
export function lstmCellF32(
  gates: usize, hiddenGates: usize, c: usize, hNext: usize, cNextOut: usize, activations: usize, rows: i32, hidden: i32,
): void {
  const block = <usize>hidden << 2;
  for (let r = 0; r < rows; r++) {
    const g = gates + <usize>r * 4 * block;
    const gh = hiddenGates == 0 ? 0 : hiddenGates + <usize>r * 4 * block;
    const cr = c + <usize>r * block;
    const out = hNext + <usize>r * block;
    const outC = cNextOut + <usize>r * block;
    const act = activations + <usize>r * 5 * block;
    for (let at: usize = 0; at < block; at += 16) {
      const i = sigmoidv(preActivation(g, gh, at));
      const f = sigmoidv(preActivation(g, gh, block + at));
      const cell = tanhv(preActivation(g, gh, 2 * block + at));
      const o = sigmoidv(preActivation(g, gh, 3 * block + at));
      const cNext = f32x4.add(f32x4.mul(f, v128.load(cr + at)), f32x4.mul(i, cell));
      const tanhC = tanhv(cNext);
      v128.store(out + at, f32x4.mul(o, tanhC));
      v128.store(outC + at, cNext);
      if (activations != 0) {
        v128.store(act + at, i);
        v128.store(act + block + at, f);
        v128.store(act + 2 * block + at, cell);
        v128.store(act + 3 * block + at, o);
        v128.store(act + 4 * block + at, tanhC);
      }
    }
  }
}

/**
 * gi, gh [rows, 3H] (r, z, n), h [rows, H] -> next [rows, H] and, when `activations` is not 0,
 * [rows, 3H] (r, z, n): n = tanh(i_n + r h_n), h' = (h - n) z + n.
 */
export function gruCellF32(gi: usize, gh: usize, h: usize, next: usize, activations: usize, rows: i32, hidden: i32): void {
  const block = <usize>hidden << 2;
  for (let r = 0; r < rows; r++) {
    const xi = gi + <usize>r * 3 * block;
    const xh = gh + <usize>r * 3 * block;
    const hr = h + <usize>r * block;
    const out = next + <usize>r * block;
    const act = activations + <usize>r * 3 * block;
    for (let at: usize = 0; at < block; at += 16) {
      const reset = sigmoidv(f32x4.add(v128.load(xi + at), v128.load(xh + at)));
      const update = sigmoidv(f32x4.add(v128.load(xi + block + at), v128.load(xh + block + at)));
      const n = tanhv(f32x4.add(v128.load(xi + 2 * block + at), f32x4.mul(reset, v128.load(xh + 2 * block + at))));
      v128.store(out + at, f32x4.add(f32x4.mul(f32x4.sub(v128.load(hr + at), n), update), n));
      if (activations != 0) {
        v128.store(act + at, reset);
        v128.store(act + block + at, update);
        v128.store(act + 2 * block + at, n);
      }
    }
  }
}

/**
 * The LSTM cell's backward from the gradients of h' and c' ([rows, H] each), the activations
 * lstmCellF32 kept and c [rows, H]: out is [rows, 4H] gate gradients, then [rows, H] for c.
 */
export function lstmCellBackwardF32(gradH: usize, gradC: usize, activations: usize, c: usize, out: usize, rows: i32, hidden: i32): void {
  lstmCellBackwardTo(gradH, gradC, activations, c, out, out + (<usize>(4 * rows * hidden) << 2), rows, hidden);
}

/** lstmCellBackwardF32 with the gate gradients at gradGates and c's at gradCOut (which may be gradC). */
@inline function lstmCellBackwardTo(gradH: usize, gradC: usize, activations: usize, c: usize, gradGates: usize, gradCOut: usize, rows: i32, hidden: i32): void {
  const block = <usize>hidden << 2;
  const one = f32x4.splat(1);
  for (let r = 0; r < rows; r++) {
    const dh = gradH + <usize>r * block;
    const dc = gradC + <usize>r * block;
    const act = activations + <usize>r * 5 * block;
    const cr = c + <usize>r * block;
    const dGates = gradGates + <usize>r * 4 * block;
    const dC = gradCOut + <usize>r * block;
    for (let at: usize = 0; at < block; at += 16) {
      const gh = v128.load(dh + at);
      const i = v128.load(act + at);
      const f = v128.load(act + block + at);
      const g = v128.load(act + 2 * block + at);
      const o = v128.load(act + 3 * block + at);
      const tanhC = v128.load(act + 4 * block + at);
      const dCNext = f32x4.add(v128.load(dc + at), f32x4.mul(f32x4.mul(gh, o), f32x4.sub(one, f32x4.mul(tanhC, tanhC))));
      v128.store(dGates + at, f32x4.mul(f32x4.mul(dCNext, g), f32x4.mul(i, f32x4.sub(one, i))));
      v128.store(dGates + block + at, f32x4.mul(f32x4.mul(dCNext, v128.load(cr + at)), f32x4.mul(f, f32x4.sub(one, f))));
      v128.store(dGates + 2 * block + at, f32x4.mul(f32x4.mul(dCNext, i), f32x4.sub(one, f32x4.mul(g, g))));
      v128.store(dGates + 3 * block + at, f32x4.mul(f32x4.mul(gh, tanhC), f32x4.mul(o, f32x4.sub(one, o))));
      v128.store(dC + at, f32x4.mul(dCNext, f));
    }
  }
}

// ---- whole sequences ------------------------------------------------------------------------
//
// A layer direction's steps in one task, so W_hh is staged and packed once and no step's product
// or state leaves wasm memory. A batch row's recurrence never reads another row, so the task's
// chunks are blocks of batch rows, each running every step for its rows, threads sharing the
// packed W_hh: no thread waits for another between steps. A product's rows are computed alike
// whatever the rows around them, so the results do not depend on how the batch is cut.

// Task words (written by src/backend/wasm/recurrent.ts).
const L_STEPS = 1;
const L_BATCH = 2;
const L_HIDDEN = 3;
/** Batch rows per chunk. */
const L_CHUNK_ROWS = 4;
/** W_hh packed whole by lstmPackWeights, for this direction of the task. */
const L_PACKED = 5;
/** c before and after every step [T + 1, B, H]. */
const L_CS = 6;
/** [T, B, 5H]: what the forward keeps for the backward (0: nothing). */
const L_ACTIVATIONS = 7;
/** Forward: xg [T, B, 4H] (x W_ih^T + biases, in time order); h before and after every step [T + 1, B, H]; room for h W_hh^T [B, 4H]. */
const L_XG = 8;
const L_HS = 9;
const L_HG = 10;
/** Backward: the gradients of every step's h [T, B, H]; the state's (h, c) [2, B, H]; the gates' [T, B, 4H]. */
const L_GRAD_HS = 8;
const L_GRAD_STATE = 9;
const L_GRAD_GATES = 10;
/** Forward: nonzero to run the steps from the last (xg stays in time order). */
const L_REVERSE = 11;

/**
 * Packs W_hh [4H, H] (row-major) once for a sequence task: transposed [H, 4H] for the forward's
 * h W_hh^T, as it is [4H, H] for the backward's dGates W_hh. `packed` holds packedBytes of either.
 */
export function lstmPackWeights(whh: usize, hidden: i32, packed: usize, backward: bool): void {
  if (backward) packWholeB(whh, hidden, 1, 4 * hidden, hidden, packed);
  else packWholeB(whh, 1, hidden, hidden, 4 * hidden, packed);
}

/** One chunk of a sequence task: every step, forward or backward through time, for a block of batch rows. */
export function lstmSequenceChunk(task: usize, chunk: i32, scratch: usize, backward: bool): void {
  const steps = word(task, L_STEPS);
  const hidden = word(task, L_HIDDEN);
  const chunkRows = word(task, L_CHUNK_ROWS);
  const r0 = chunk * chunkRows;
  const rows = min(chunkRows, word(task, L_BATCH) - r0);
  const block = <usize>hidden << 2;
  const size = <usize>word(task, L_BATCH) * block;
  const first = <usize>r0 * block;
  const packed = <usize>word(task, L_PACKED);
  const cs = <usize>word(task, L_CS) + first;
  const activations = <usize>word(task, L_ACTIVATIONS);
  if (!backward) {
    const xg = <usize>word(task, L_XG) + 4 * first;
    const hs = <usize>word(task, L_HS) + first;
    const hg = <usize>word(task, L_HG) + 4 * first;
    const reverse = word(task, L_REVERSE) != 0;
    for (let t = 0; t < steps; t++) {
      const h = hs + <usize>t * size;
      gemmPacked(h, hidden, 1, packed, hg, 4 * hidden, rows, 4 * hidden, hidden, scratch);
      const acts = activations == 0 ? 0 : activations + <usize>t * 5 * size + 5 * first;
      lstmCellF32(xg + <usize>(reverse ? steps - 1 - t : t) * 4 * size, hg, cs + <usize>t * size, h + size, cs + <usize>(t + 1) * size, acts, rows, hidden);
    }
    return;
  }
  const gradHs = <usize>word(task, L_GRAD_HS) + first;
  const dh = <usize>word(task, L_GRAD_STATE) + first;
  const dc = dh + size;
  const gradGates = <usize>word(task, L_GRAD_GATES) + 4 * first;
  const count = <usize>rows * block;
  for (let t = steps - 1; t >= 0; t--) {
    const gradH = gradHs + <usize>t * size;
    for (let at: usize = 0; at < count; at += 16) v128.store(dh + at, f32x4.add(v128.load(dh + at), v128.load(gradH + at)));
    const gates = gradGates + <usize>t * 4 * size;
    lstmCellBackwardTo(dh, dc, activations + <usize>t * 5 * size + 5 * first, cs + <usize>t * size, gates, dc, rows, hidden);
    // dh_{t-1} = dGates_t W_hh.
    gemmPacked(gates, 4 * hidden, 1, packed, dh, hidden, rows, hidden, 4 * hidden, scratch);
  }
}
