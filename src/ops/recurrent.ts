/**
 * The LSTM and GRU cell updates as primitives: one kernel pass for a time step's gate math
 * instead of about twenty small ops, and one for its backward, reading the activations the
 * forward kept. As in PyTorch's fused cells (_thnn_fused_lstm_cell / _thnn_fused_gru_cell), the
 * backward runs the fused kernel when it is not recorded, and otherwise (createGraph) the same
 * formulas in tensor ops on the saved inputs, so that gradients of gradients work.
 */
import { apply, type OpDef } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { fused, kernels } from '../backend/registry.js';
import type { LstmSequenceResult } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { allocate, isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { checkTensor, fromKernel, scalarTensor } from './util.js';
import { add, mul, sigmoid, sub, tanh } from './elementwise.js';
import { flip, narrow, reshape, select, transpose } from './movement.js';
import { linear, matmul } from './linalg.js';
import { sum } from './reduce.js';
import { stack, unbind } from './join.js';
import { entry, f, sample, type OpEntry } from './table.js';

interface CellAttrs {
  /** Keep the activations for the backward (only when the call is recorded). */
  keepActivations: boolean;
}

/** The `count` equal gate blocks along the last dim of a [N, count * H] tensor. */
function gateBlocks(t: Tensor, count: number): Tensor[] {
  const rows = t.shape[0]!;
  return unbind(reshape(t, [rows, count, t.shape[1]! / count]), 1);
}

/** Consecutive pieces of a flat kernel result, each reshaped to [rows, width]. */
function rowsOf(flat: Tensor, rows: number, widths: readonly number[]): Tensor[] {
  let start = 0;
  return widths.map((w) => {
    const piece = reshape(narrow(flat, 0, start, rows * w), [rows, w]);
    start += rows * w;
    return piece;
  });
}

/**
 * What a two-output primitive (an LSTM cell or sequence call) shares with its outputs: the two
 * outputs, and a slot for each one's gradient (filled by the outputs' backward, read by the
 * primitive's).
 */
interface TwoOutputs extends CellAttrs {
  outputs: [Tensor | null, Tensor | null];
  grads: [Tensor | null, Tensor | null];
}

/** Output `index` of a two-output primitive, hanging from its 0-dim token (as unbind's pieces do). */
function tokenOutput(name: string): OpDef<{ shared: TwoOutputs; index: 0 | 1 }> {
  return {
    name,
    forward(_token, { shared, index }) {
      return shared.outputs[index]!;
    },
    backward(g, { attrs }) {
      attrs.shared.grads[attrs.index] = g;
      return [scalarTensor(0, g.dtype)];
    },
  };
}

/** A two-output call's outputs: hanging from its token when recorded, the plain results otherwise. */
function outputsOf(output: OpDef<{ shared: TwoOutputs; index: 0 | 1 }>, token: Tensor, shared: TwoOutputs): [Tensor, Tensor] {
  if (!shared.keepActivations) return [shared.outputs[0]!, shared.outputs[1]!];
  return [apply(output, [token], { shared, index: 0 }), apply(output, [token], { shared, index: 1 })];
}

/**
 * The cell: gates [N, 4H], optionally hiddenGates [N, 4H] (added to gates in the same pass) and
 * c [N, H]. It returns a 0-dim token and leaves h' and c' in the shared record; the two outputs
 * hang from the token (as unbind's pieces do), so the backward gets both gradients as they are,
 * with no stacked copy.
 */
const LSTM_CELL: OpDef<TwoOutputs> = {
  name: 'lstmCell',
  forward(inputs, shared, save) {
    const gates = inputs[0]!;
    const hiddenGates = inputs.length === 3 ? inputs[1]! : null;
    const c = inputs[inputs.length - 1]!;
    const [rows, hidden] = c.shape as [number, number];
    const { state, activations } = kernels().lstmCell(gates, hiddenGates, c, shared.keepActivations);
    if (activations !== null) save(...inputs, fromKernel(activations, [rows, 5 * hidden], c.dtype));
    const both = fromKernel(state, [2, rows, hidden], c.dtype);
    shared.outputs = [select(both, 0, 0), select(both, 0, 1)];
    return scalarTensor(0, c.dtype);
  },
  backward(_token, ctx) {
    const shared = ctx.attrs;
    const saved = ctx.saved;
    const summed = saved.length === 4;
    const c = saved[saved.length - 2]!;
    const [rows, hidden] = c.shape as [number, number];
    const zeros = (): Tensor => fromKernel(allocate(c.dtype, rows * hidden), [rows, hidden], c.dtype);
    const dh = shared.grads[0] ?? zeros();
    const dc = shared.grads[1] ?? zeros();
    shared.grads = [null, null];
    let dGates: Tensor;
    let dC: Tensor;
    if (!isGradEnabled()) {
      const flat = fromKernel(kernels().lstmCellBackward(dh, dc, saved[saved.length - 1]!, c), [5 * rows * hidden], c.dtype);
      [dGates, dC] = rowsOf(flat, rows, [4 * hidden, hidden]) as [Tensor, Tensor];
    } else {
      [dGates, dC] = lstmCellGradients(summed ? add(saved[0]!, saved[1]!) : saved[0]!, c, dh, dc);
    }
    return summed ? [dGates, dGates, dC] : [dGates, dC];
  },
};

/**
 * The LSTM cell's backward in tensor ops (differentiable again): from the gate pre-activations
 * [rows, 4H], c [rows, H] and the gradients of h' and c', the gradients of the gates and of c.
 */
function lstmCellGradients(gates: Tensor, c: Tensor, dh: Tensor, dc: Tensor): [Tensor, Tensor] {
  const [rows, hidden] = c.shape as [number, number];
  const [i, f, g, o] = gateBlocks(gates, 4).map((a, k) => (k === 2 ? tanh(a) : sigmoid(a))) as [Tensor, Tensor, Tensor, Tensor];
  const tanhC = tanh(add(mul(f, c), mul(i, g)));
  const dCNext = add(dc, mul(mul(dh, o), sub(1, mul(tanhC, tanhC))));
  const blocks = [
    mul(mul(dCNext, g), mul(i, sub(1, i))),
    mul(mul(dCNext, c), mul(f, sub(1, f))),
    mul(mul(dCNext, i), sub(1, mul(g, g))),
    mul(mul(dh, tanhC), mul(o, sub(1, o))),
  ];
  return [reshape(stack(blocks, 1), [rows, 4 * hidden]), mul(dCNext, f)];
}

interface SequenceAttrs extends TwoOutputs {
  /** The kernel's result, computed before the op is recorded (so that the kernel may decline). */
  result: LstmSequenceResult | null;
  /** The steps run from the last (x stays in time order). */
  reverse: boolean;
}

/**
 * Every step of one LSTM layer direction in one kernel call, its input projection included:
 * x [T, B, I], W_ih [4H, I], W_hh [4H, H], h0, c0 [B, H] and optionally the bias [4H] (b_ih +
 * b_hh). Leaves hs [T, B, H] (processing order) and the last c in the shared record; like the
 * cell, the outputs hang from a token. The projection and the gate gradients never leave the
 * kernels' memory: the backward's products that read them (W_hh's, W_ih's, x's, the bias sum)
 * run in the same call.
 */
const LSTM_SEQUENCE: OpDef<SequenceAttrs> = {
  name: 'lstmSequence',
  privateGradients: true,
  // The gate activations, saved last (hs and cs are viewed by the outputs).
  privateSaved: [-1],
  forward(inputs, shared, save) {
    const [x, , weightHh] = inputs as [Tensor, Tensor, Tensor];
    const [steps, batch, hidden] = [x.shape[0]!, x.shape[1]!, weightHh.shape[1]!];
    const result = shared.result!;
    shared.result = null;
    const hs = fromKernel(result.hs, [steps + 1, batch, hidden], x.dtype);
    const cs = fromKernel(result.cs, [steps + 1, batch, hidden], x.dtype);
    if (result.activations !== null) save(...inputs, hs, cs, fromKernel(result.activations, [steps, batch, 5 * hidden], x.dtype));
    shared.outputs = [narrow(hs, 0, 1, steps), select(cs, 0, steps)];
    return scalarTensor(0, x.dtype);
  },
  backward(_token, ctx) {
    const shared = ctx.attrs;
    const saved = ctx.saved;
    const [x, weightIh, weightHh, h0, c0] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
    const bias = saved.length === 9 ? saved[5]! : null;
    const [hsSaved, csSaved, activations] = saved.slice(-3) as [Tensor, Tensor, Tensor];
    const [steps, batch, inputs] = x.shape as [number, number, number];
    const hidden = weightHh.shape[1]!;
    const zeros = (shape: number[]): Tensor => fromKernel(allocate(x.dtype, shape.reduce((a, b) => a * b, 1)), shape, x.dtype);
    const dhs = shared.grads[0] ?? zeros([steps, batch, hidden]);
    const dc = shared.grads[1] ?? zeros([batch, hidden]);
    shared.grads = [null, null];
    const needs = ctx.needsGrad;
    if (!isGradEnabled()) {
      const wanted = { x: needs[0] === true, weightIh: needs[1] === true, weightHh: needs[2] === true, bias: bias !== null && needs[5] === true };
      const grads = fused('lstmSequenceBackward')!(dhs, dc, { x, weightIh, weightHh, hs: hsSaved, cs: csSaved, activations, reverse: shared.reverse }, wanted);
      const dState = fromKernel(grads.state, [2, batch, hidden], x.dtype);
      const maybe = (data: ArrayLike<number> | null, shape: number[]): Tensor | null => (data === null ? null : fromKernel(data as Float32Array, shape, x.dtype));
      const result = [
        maybe(grads.x, [steps, batch, inputs]), maybe(grads.weightIh, [4 * hidden, inputs]), maybe(grads.weightHh, [4 * hidden, hidden]),
        select(dState, 0, 0), select(dState, 0, 1),
      ];
      return bias === null ? result : [...result, maybe(grads.bias, [4 * hidden])];
    }
    // Recorded (createGraph): the forward again in tensor ops from the inputs, then the steps' backward.
    const projected = reshape(linear(reshape(x, [steps * batch, inputs]), weightIh, bias), [steps, batch, 4 * hidden]);
    const xg = shared.reverse ? flip(projected, [0]) : projected;
    const weightT = transpose(weightHh, 0, 1);
    const hs = [h0];
    const cs = [c0];
    const gates: Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      gates.push(add(select(xg, 0, t), matmul(hs[t]!, weightT)));
      const [h, c] = lstmCellFused(gates[t]!, cs[t]!);
      hs.push(h);
      cs.push(c);
    }
    const dGates = new Array<Tensor>(steps);
    let dh = zeros([batch, hidden]);
    let dcNext = dc;
    for (let t = steps - 1; t >= 0; t--) {
      dh = add(dh, select(dhs, 0, t));
      [dGates[t], dcNext] = lstmCellGradients(gates[t]!, cs[t]!, dh, dcNext);
      dh = matmul(dGates[t]!, weightHh);
    }
    const stacked = stack(dGates, 0);
    const dWeightHh = matmul(transpose(reshape(stacked, [steps * batch, 4 * hidden]), 0, 1), reshape(stack(hs.slice(0, steps), 0), [steps * batch, hidden]));
    const dProjected = reshape(shared.reverse ? flip(stacked, [0]) : stacked, [steps * batch, 4 * hidden]);
    const result = [
      reshape(matmul(dProjected, weightIh), [steps, batch, inputs]),
      matmul(transpose(dProjected, 0, 1), reshape(x, [steps * batch, inputs])),
      dWeightHh, dh, dcNext,
    ];
    return bias === null ? result : [...result, sum(dProjected, [0])];
  },
};

const LSTM_SEQUENCE_OUTPUT = tokenOutput('lstmSequence');

/**
 * Every step of one LSTM direction at once, input projection included, where the backend has a
 * sequence kernel for these operands: x [T, B, I] in time order, W_ih [4H, I], the bias [4H]
 * (b_ih + b_hh) or null, W_hh [4H, H], h0 and c0 [B, H]; `reverse` runs the steps from the
 * last. Returns [hs [T, B, H] in processing order, last c], or null where the backend cannot
 * (the caller then projects x and runs the steps one by one).
 */
export function lstmSequence(
  x: Tensor, weightIh: Tensor, bias: Tensor | null, weightHh: Tensor, h0: Tensor, c0: Tensor, reverse: boolean,
): [Tensor, Tensor] | null {
  const inputs = [x, weightIh, weightHh, h0, c0, ...(bias === null ? [] : [bias])];
  const [steps, batch, features] = x.shape;
  const [gates, hidden] = weightHh.shape;
  const fits = x.dim() === 3 && weightHh.dim() === 2 && gates === 4 * hidden!
    && weightIh.dim() === 2 && weightIh.shape[0] === gates && weightIh.shape[1] === features
    && (bias === null || (bias.dim() === 1 && bias.shape[0] === gates))
    && [h0, c0].every((t) => t.dim() === 2 && t.shape[0] === batch && t.shape[1] === hidden);
  if (!fits) {
    throw new Error(
      `lstmSequence: expected x [T, B, I], W_ih [4H, I], W_hh [4H, H], bias [4H] or null, h0 and c0 [B, H], got x [${x.shape}], ` +
        `W_ih [${weightIh.shape}], W_hh [${weightHh.shape}], bias ${bias === null ? 'null' : `[${bias.shape}]`}, h0 [${h0.shape}], c0 [${c0.shape}]`,
    );
  }
  const kernel = fused('lstmSequence');
  if (kernel === undefined || fused('lstmSequenceBackward') === undefined || steps === 0) return null;
  const keepActivations = recorded(inputs);
  const result = kernel(x, weightIh, bias, weightHh, h0, c0, reverse, keepActivations);
  if (result === null) return null;
  const shared: SequenceAttrs = { keepActivations, outputs: [null, null], grads: [null, null], result, reverse };
  return outputsOf(LSTM_SEQUENCE_OUTPUT, apply(LSTM_SEQUENCE, inputs, shared), shared);
}

const LSTM_CELL_OUTPUT = tokenOutput('lstmCell');

/** gi, gh [N, 3H], h [N, H] -> h' [N, H]. */
const GRU_CELL: OpDef<CellAttrs> = {
  name: 'gruCell',
  forward([gi, gh, h], { keepActivations }, save) {
    const [rows, hidden] = h!.shape as [number, number];
    const { h: next, activations } = kernels().gruCell(gi!, gh!, h!, keepActivations);
    if (activations !== null) save(gi!, gh!, h!, fromKernel(activations, [rows, 3 * hidden], h!.dtype));
    return fromKernel(next, [rows, hidden], h!.dtype);
  },
  backward(grad, ctx) {
    const [gi, gh, h, activations] = ctx.saved;
    const [rows, hidden] = h!.shape as [number, number];
    if (!isGradEnabled()) {
      const flat = fromKernel(kernels().gruCellBackward(grad, activations!, gh!, h!), [7 * rows * hidden], h!.dtype);
      return rowsOf(flat, rows, [3 * hidden, 3 * hidden, hidden]);
    }
    const [ir, iz, inew] = gateBlocks(gi!, 3) as [Tensor, Tensor, Tensor];
    const [hr, hz, hnew] = gateBlocks(gh!, 3) as [Tensor, Tensor, Tensor];
    const r = sigmoid(add(ir, hr));
    const z = sigmoid(add(iz, hz));
    const n = tanh(add(inew, mul(r, hnew)));
    const dNew = mul(mul(grad, sub(1, z)), sub(1, mul(n, n)));
    const dReset = mul(mul(dNew, hnew), mul(r, sub(1, r)));
    const dUpdate = mul(mul(grad, sub(h!, n)), mul(z, sub(1, z)));
    return [
      reshape(stack([dReset, dUpdate, dNew], 1), [rows, 3 * hidden]),
      reshape(stack([dReset, dUpdate, mul(dNew, r)], 1), [rows, 3 * hidden]),
      mul(grad, z),
    ];
  },
};

/** A cell's state [..., H]: a floating-point tensor with at least one dim. */
function checkState(op: string, t: unknown, what: string): asserts t is Tensor {
  checkTensor(op, t, what);
  if (!isFloat(t.dtype) || t.ndim === 0) {
    throw new Error(`${op}: ${what} must be a floating-point tensor [..., H], got dtype ${t.dtype} with shape ${shapeStr(t.shape)}`);
  }
}

/** A gate operand: the state's dtype and leading dims, `width` in the last. */
function checkGates(op: string, t: unknown, what: string, state: Tensor, width: number): asserts t is Tensor {
  checkTensor(op, t, what);
  const expected = [...state.shape.slice(0, -1), width];
  if (t.dtype !== state.dtype) throw new Error(`${op}: ${what} has dtype ${t.dtype}, expected ${state.dtype} like the state`);
  if (t.ndim !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${op}: expected ${what} of shape ${shapeStr(expected)} for a state of shape ${shapeStr(state.shape)}, got ${shapeStr(t.shape)}`);
  }
}

/** Whether a call on these inputs is recorded, so the forward must keep what the backward reads. */
function recorded(inputs: readonly Tensor[]): boolean {
  return isGradEnabled() && inputs.some((t) => t.requiresGrad);
}

/**
 * One LSTM step from the gate pre-activations gates [..., 4H] (x W_ih^T + b_ih + h W_hh^T + b_hh,
 * gates i, f, g, o; or its x part, with the h part in hiddenGates, summed in the same pass) and
 * the cell state c [..., H]: c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c').
 * Returns [h', c'].
 */
export function lstmCellFused(gates: Tensor, c: Tensor, hiddenGates?: Tensor | null): [Tensor, Tensor] {
  const op = 'lstmCellFused';
  checkState(op, c, 'the cell state c');
  const hidden = c.shape[c.ndim - 1]!;
  checkGates(op, gates, 'gates', c, 4 * hidden);
  const rows = c.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const inputs = [reshape(gates, [rows, 4 * hidden])];
  if (hiddenGates !== undefined && hiddenGates !== null) {
    checkGates(op, hiddenGates, 'hiddenGates', c, 4 * hidden);
    inputs.push(reshape(hiddenGates, [rows, 4 * hidden]));
  }
  inputs.push(reshape(c, [rows, hidden]));
  const keepActivations = recorded(inputs);
  const shared: TwoOutputs = { keepActivations, outputs: [null, null], grads: [null, null] };
  const [h, cNext] = outputsOf(LSTM_CELL_OUTPUT, apply(LSTM_CELL, inputs, shared), shared);
  return c.ndim === 2 ? [h, cNext] : [reshape(h, c.shape), reshape(cNext, c.shape)];
}

/**
 * One GRU step from gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh (both [..., 3H], gates r, z, n)
 * and h [..., H], as PyTorch: r = sigmoid(i_r + h_r), z = sigmoid(i_z + h_z),
 * n = tanh(i_n + r h_n), h' = (h - n) z + n.
 */
export function gruCellFused(gi: Tensor, gh: Tensor, h: Tensor): Tensor {
  const op = 'gruCellFused';
  checkState(op, h, 'the hidden state h');
  const hidden = h.shape[h.ndim - 1]!;
  checkGates(op, gi, 'gi (the input projection)', h, 3 * hidden);
  checkGates(op, gh, 'gh (the hidden projection)', h, 3 * hidden);
  const rows = h.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const inputs = [reshape(gi, [rows, 3 * hidden]), reshape(gh, [rows, 3 * hidden]), reshape(h, [rows, hidden])];
  const next = apply(GRU_CELL, inputs, { keepActivations: recorded(inputs) });
  return h.ndim === 2 ? next : reshape(next, h.shape);
}

// ---- op table ------------------------------------------------------------------------------

const TORCH_LSTM_CELL =
  '(lambda i, f, g, o: (lambda c: (torch.sigmoid(o) * torch.tanh(c), c))(torch.sigmoid(f) * x1 + torch.sigmoid(i) * torch.tanh(g)))' +
  '(*(x0 + x2 if "x2" in globals() else x0).chunk(4, -1))';

const TORCH_GRU_CELL =
  '(lambda ir, iz, inew, hr, hz, hnew: (lambda r, z: (lambda n: (x2 - n) * z + n)(torch.tanh(inew + r * hnew)))' +
  '(torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)))(*x0.chunk(3, -1), *x1.chunk(3, -1))';

export const table: OpEntry<object>[] = [
  entry({
    name: 'lstmCellFused',
    run: ([gates, c, hiddenGates]) => lstmCellFused(gates!, c!, hiddenGates),
    torch: TORCH_LSTM_CELL,
    samples: [
      sample([f([3, 8], [-3, 3]), f([3, 2])]),
      sample([f([4, 12], [-3, 3], 'transposed'), f([4, 3], undefined, 'strided')]),
      sample([f([2, 2, 4], [-3, 3]), f([2, 2, 1])]),
      sample([f([8], [-3, 3]), f([2])]),
      sample([f([3, 8], [-2, 2]), f([3, 2]), f([3, 8], [-2, 2], 'transposed')]),
    ],
  }),
  entry({
    name: 'gruCellFused',
    run: ([gi, gh, h]) => gruCellFused(gi!, gh!, h!),
    torch: TORCH_GRU_CELL,
    samples: [
      sample([f([3, 6], [-3, 3]), f([3, 6], [-3, 3]), f([3, 2])]),
      sample([f([4, 9], [-3, 3], 'transposed'), f([4, 9], [-3, 3], 'strided'), f([4, 3], undefined, 'transposed')]),
      sample([f([6], [-3, 3]), f([6], [-3, 3]), f([2])]),
    ],
  }),
];
