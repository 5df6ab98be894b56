// One time step of the LSTM and GRU cells (PyTorch's gate orders and formulas) with the f32x4
// activations of elementwise.ts: the transcendental functions are most of a cell's cost in JS.
// Operands are contiguous and the hidden size a multiple of 4 (the host checks), so every row's
// gate blocks start on whole vectors.

import { sigmoidv, tanhv } from './elementwise';

/** The pre-activation at byte `at` of a gate row: the x part plus the h part when there is one. */
@inline function preActivation(x: usize, h: usize, at: usize): v128 {
  return h == 0 ? v128.load(x + at) : f32x4.add(v128.load(x + at), v128.load(h + at));
}

/**
 * gates [rows, 4H] (i, f, g, o; plus hiddenGates when it is not 0), c [rows, H] -> state
 * [2, rows, H] (h', c') and, when `activations` is not 0, [rows, 5H] (sigmoid(i), sigmoid(f),
 * tanh(g), sigmoid(o), tanh(c')).
 */
export function lstmCellF32(gates: usize, hiddenGates: usize, c: usize, state: usize, activations: usize, rows: i32, hidden: i32): void {
  const block = <usize>hidden << 2;
  const plane = <usize>rows * block;
  for (let r = 0; r < rows; r++) {
    const g = gates + <usize>r * 4 * block;
    const gh = hiddenGates == 0 ? 0 : hiddenGates + <usize>r * 4 * block;
    const cr = c + <usize>r * block;
    const out = state + <usize>r * block;
    const act = activations + <usize>r * 5 * block;
    for (let at: usize = 0; at < block; at += 16) {
      const i = sigmoidv(preActivation(g, gh, at));
      const f = sigmoidv(preActivation(g, gh, block + at));
      const cell = tanhv(preActivation(g, gh, 2 * block + at));
      const o = sigmoidv(preActivation(g, gh, 3 * block + at));
      const cNext = f32x4.add(f32x4.mul(f, v128.load(cr + at)), f32x4.mul(i, cell));
      const tanhC = tanhv(cNext);
      v128.store(out + at, f32x4.mul(o, tanhC));
      v128.store(out + plane + at, cNext);
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
