// One time step of the LSTM and GRU cells (PyTorch's gate orders and formulas) with the f32x4
// activations of elementwise.ts: the transcendental functions are most of a cell's cost in JS.
// Operands are contiguous and the hidden size a multiple of 4 (the host checks), so every row's
// gate blocks start on whole vectors.

import { sigmoidv, tanhv } from './elementwise';
import { gemmPacked, packWholeB } from './gemm';

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
  const block = <usize>hidden << 2;
  const plane = <usize>rows * block;
  const one = f32x4.splat(1);
  for (let r = 0; r < rows; r++) {
    const dh = gradH + <usize>r * block;
    const dc = gradC + <usize>r * block;
    const act = activations + <usize>r * 5 * block;
    const cr = c + <usize>r * block;
    const dGates = out + <usize>r * 4 * block;
    const dC = out + 4 * plane + <usize>r * block;
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

/**
 * A whole LSTM layer direction, every step in one call, so W_hh is staged and packed once and no
 * step's product or state leaves wasm memory. xg [T, B, 4H] holds x W_ih^T + biases for each
 * step; whh [4H, H] is W_hh row-major; hs and cs [T + 1, B, H] get h and c after each step, with
 * the initial state in hs[0] and cs[0]; activations [T, B, 5H] (when not 0) what the backward
 * reads; hg [B, 4H] is scratch for h W_hh^T and packed room for W_hh^T's panels
 * (packedBytes(H, 4H)). `scratch` is the calling thread's gemm scratch.
 */
export function lstmSequenceF32(
  xg: usize, whh: usize, hs: usize, cs: usize, activations: usize, hg: usize, packed: usize,
  steps: i32, batch: i32, hidden: i32, scratch: usize,
): void {
  const size = <usize>(batch * hidden) << 2;
  const gateSize = 4 * size;
  // h W_hh^T: B is W_hh read transposed through its strides, packed once for every step.
  packWholeB(whh, 1, hidden, hidden, 4 * hidden, packed);
  for (let t = 0; t < steps; t++) {
    const h = hs + <usize>t * size;
    gemmPacked(h, hidden, 1, packed, hg, 4 * hidden, batch, 4 * hidden, hidden, scratch);
    const acts = activations == 0 ? 0 : activations + <usize>t * 5 * size;
    lstmCellF32(xg + <usize>t * gateSize, hg, cs + <usize>t * size, h + size, cs + <usize>(t + 1) * size, acts, batch, hidden);
  }
}

/**
 * The backward of lstmSequenceF32 from the gradients of every step's h (gradHs [T, B, H]) and of
 * the last c (in gradState's c half; its h half must be zeros): writes the gate gradients
 * gradGates [T, B, 4H], and leaves the initial state's gradients (h, c) in gradState [2, B, H].
 * cell [B, 5H] is scratch, packed room for W_hh's panels (packedBytes(4H, H)).
 */
export function lstmSequenceBackwardF32(
  gradHs: usize, gradState: usize, whh: usize, cs: usize, activations: usize, gradGates: usize, cell: usize, packed: usize,
  steps: i32, batch: i32, hidden: i32, scratch: usize,
): void {
  const count = batch * hidden;
  const size = <usize>count << 2;
  const gateSize = 4 * size;
  const dh = gradState;
  const dc = gradState + size;
  packWholeB(whh, hidden, 1, 4 * hidden, hidden, packed);
  for (let t = steps - 1; t >= 0; t--) {
    const gradH = gradHs + <usize>t * size;
    for (let at: usize = 0; at < size; at += 16) v128.store(dh + at, f32x4.add(v128.load(dh + at), v128.load(gradH + at)));
    lstmCellBackwardF32(dh, dc, activations + <usize>t * 5 * size, cs + <usize>t * size, cell, batch, hidden);
    const gates = gradGates + <usize>t * gateSize;
    memory.copy(gates, cell, gateSize);
    memory.copy(dc, cell + gateSize, size);
    // dh_{t-1} = dGates W_hh.
    gemmPacked(gates, 4 * hidden, 1, packed, dh, hidden, batch, hidden, 4 * hidden, scratch);
  }
}
