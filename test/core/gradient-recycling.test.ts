/**
 * The backward pass hands the arrays of dead intermediate gradients (and ops' private saved
 * buffers) back to the backend for reuse (Backend.recycle). A recycled array that a live tensor
 * still reads would be a silently wrong result, so these tests run adversarial graphs on a probe
 * backend (the reference kernels plus a `recycle` that records each array and fills it with NaN)
 * and check that every tensor the user holds is untouched and every gradient equals the one
 * computed with recycling off.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { registerBackend } from '../../src/backend/registry.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { setGradientRecycling } from '../../src/autograd/engine.js';

const { nn, F } = nb;

/** Arrays handed to the probe's recycle, by identity. */
const recycled = new Set<TypedArray>();
let previousBackend = 'cpu';

before(() => {
  previousBackend = nb.getBackend().name;
  registerBackend('recycle-probe', {
    recycle: (data) => {
      assert.ok(!recycled.has(data), 'an array was handed back twice');
      recycled.add(data);
      (data as Float32Array).fill(Number.NaN);
    },
  });
  nb.setBackend('recycle-probe');
});

after(() => {
  nb.setBackend(previousBackend);
  setGradientRecycling(true);
});

/** The values of t now, to compare with later. */
const snapshot = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);

/** t still has its own array, with the values it had when `values` was taken. */
function assertIntact(t: Tensor, values: readonly number[], what: string): void {
  assert.ok(!recycled.has(t.data), `${what}: its array was recycled`);
  assert.deepEqual(snapshot(t), values, `${what}: its values changed`);
}

/**
 * Runs `scenario` with recycling off, then on (same seed), and returns both runs' outputs (the
 * tensors the scenario hands back, compared value by value) and how many arrays were recycled.
 */
function both(scenario: () => Tensor[]): { off: number[][]; on: number[][]; count: number } {
  setGradientRecycling(false);
  nb.manualSeed(0);
  const off = scenario().map(snapshot);
  setGradientRecycling(true);
  recycled.clear();
  nb.manualSeed(0);
  const held = scenario();
  const on = held.map(snapshot);
  held.forEach((t, i) => assert.ok(!recycled.has(t.data), `output ${i}'s array was recycled`));
  return { off, on, count: recycled.size };
}

function assertSame(scenario: () => Tensor[], minRecycled = 1): void {
  const { off, on, count } = both(scenario);
  assert.deepEqual(on, off, 'recycling changed a result');
  assert.ok(count >= minRecycled, `expected at least ${minRecycled} recycled arrays, got ${count}`);
}

describe('gradient recycling', () => {
  test('a small network: the same gradients over several steps, with arrays recycled', () => {
    assertSame(() => {
      const model = new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Linear(8, 5), new nn.Tanh(), new nn.Linear(5, 3));
      const opt = new nb.optim.SGD(model.parameters(), { lr: 0.1 });
      const x = nb.randn([4, 6]);
      const y = nb.tensor([0, 2, 1, 2], { dtype: 'int32' });
      const grads: Tensor[] = [];
      for (let step = 0; step < 3; step++) {
        opt.zeroGrad();
        F.crossEntropy(model.forward(x), y).backward();
        // Gradients held across steps (zeroGrad drops them from the parameters, not from here).
        grads.push(...[...model.parameters()].map((p) => p.grad!));
        opt.step();
      }
      return [...grads, ...model.parameters()];
    }, 6);
  });

  test('held forward outputs and view chains (reshape, transpose, expand, slices) are never recycled', () => {
    assertSame(() => {
      const x = nb.randn([2, 3, 4], { requiresGrad: true });
      const a = x.mul(2);
      const b = a.reshape([6, 4]).transpose(0, 1); // a view of a
      const c = b.reshape([4, 6]).narrow(1, 1, 4).mul(b.narrow(1, 0, 4)); // views of views, used twice
      const d = c.sum(0, true).expand([3, 4]).add(c.mean()); // a stride-0 gradient arrives at the sum
      const e = d.reshape([12]).tanh();
      const held = [a, b, c, d, e].map((t) => [t, snapshot(t)] as const);
      e.sum().backward();
      for (const [t, values] of held) assertIntact(t, values, `forward output of shape [${t.shape}]`);
      return [x.grad!, a, b, c, d, e];
    });
  });

  test('a shared subexpression: gradients accumulate at the node that feeds several consumers', () => {
    assertSame(() => {
      const x = nb.randn([5, 7], { requiresGrad: true });
      const w = nb.randn([7, 7], { requiresGrad: true });
      const h = x.matmul(w).relu();
      const out = h.mul(h).add(h.matmul(w)).add(h).sum(1).add(h.sum(1)).sum();
      out.backward();
      return [x.grad!, w.grad!];
    });
  });

  test('retainGrad: each retained .grad (also one that is a view of another gradient) stays its own', () => {
    assertSame(() => {
      const x = nb.randn([3, 4], { requiresGrad: true });
      const a = x.mul(3).retainGrad();
      const b = a.reshape([12]).retainGrad(); // its gradient's view reaches a
      const c = b.sigmoid().retainGrad();
      const d = c.reshape([2, 6]).retainGrad();
      d.mul(d).sum().backward();
      const grads = [a.grad!, b.grad!, c.grad!, d.grad!, x.grad!];
      const values = grads.map(snapshot);
      // More passes, whose recycled arrays the retained gradients must not be among.
      for (let i = 0; i < 3; i++) x.mul(2).reshape([12]).exp().sum().backward();
      grads.forEach((g, i) => assertIntact(g, values[i]!, `retained grad ${i}`));
      return grads;
    });
  });

  test('full backward hooks keep gradInput and gradOutput across later steps', () => {
    assertSame(() => {
      const model = new nn.Sequential(new nn.Linear(4, 6), new nn.ReLU(), new nn.Linear(6, 3));
      const seen: [Tensor, number[]][] = [];
      const handles = [0, 1, 2].map((k) =>
        model.at(k).registerFullBackwardHook((_m, gradInput, gradOutput) => {
          for (const g of [...gradInput, ...gradOutput]) if (g !== null) seen.push([g, snapshot(g)]);
        }),
      );
      const x = nb.randn([5, 4], { requiresGrad: true });
      for (let step = 0; step < 3; step++) model.forward(x).pow(2).sum().backward();
      handles.forEach((h) => h.remove());
      for (let step = 0; step < 2; step++) model.forward(x).pow(2).sum().backward();
      seen.forEach(([g, values], i) => assertIntact(g, values, `hook gradient ${i}`));
      return [x.grad!, ...seen.map(([g]) => g)];
    });
  });

  test("a full backward hook that replaces gradInput: the replaced and the replacement gradients stay the user's", () => {
    assertSame(() => {
      const model = new nn.Sequential(new nn.Linear(4, 6), new nn.ReLU(), new nn.Linear(6, 5), new nn.Tanh(), new nn.Linear(5, 3));
      const seen: [Tensor, number[]][] = [];
      // The middle layer's input gradient flows on into ReLU's backward and the first layer's.
      model.at(2).registerFullBackwardHook((_m, gradInput) => {
        const replacement = gradInput[0]!.mul(0.5);
        seen.push([gradInput[0]!, snapshot(gradInput[0]!)], [replacement, snapshot(replacement)]);
        return [replacement];
      });
      const x = nb.randn([5, 4], { requiresGrad: true });
      for (let step = 0; step < 3; step++) model.forward(x).pow(2).sum().backward();
      seen.forEach(([g, values], i) => assertIntact(g, values, `hook gradient ${i}`));
      return [x.grad!, ...seen.map(([g]) => g)];
    });
  });

  test('autogradGrad results held across steps, of intermediate tensors and of leaves', () => {
    assertSame(() => {
      const w = nb.randn([6, 6], { requiresGrad: true });
      const x = nb.randn([3, 6]);
      const kept: [Tensor, number[]][] = [];
      for (let step = 0; step < 4; step++) {
        const h = x.matmul(w).tanh();
        const h2 = h.reshape([18]).mul(h.reshape([18]));
        const [gh, gw] = nb.autogradGrad(h2.sum(), [h, w]);
        kept.push([gh!, snapshot(gh!)], [gw!, snapshot(gw!)]);
      }
      kept.forEach(([g, values], i) => assertIntact(g, values, `autogradGrad result ${i}`));
      return kept.map(([g]) => g);
    });
  });

  test('double backward: createGraph gradients (and the graph they record) are not recycled', () => {
    assertSame(() => {
      const x = nb.randn([4, 3], { requiresGrad: true });
      const w = nb.randn([3, 3], { requiresGrad: true });
      const y = x.matmul(w).tanh().mul(x.matmul(w)).sum();
      const [gx] = nb.autogradGrad(y, [x], { createGraph: true });
      const gxValues = snapshot(gx!);
      const penalty = gx!.mul(gx!).sum();
      penalty.backward();
      assertIntact(gx!, gxValues, 'the createGraph gradient');
      const out = [gx!, x.grad!, w.grad!];
      // And a plain backward through a fresh graph afterwards.
      x.grad = null;
      x.matmul(w).sigmoid().sum().backward();
      out.push(x.grad!);
      assertIntact(gx!, gxValues, 'the createGraph gradient after another pass');
      return out;
    });
  });

  test('retainGraph: repeated backwards through the same graph give the same gradients', () => {
    assertSame(() => {
      const x = nb.randn([4, 5], { requiresGrad: true });
      const loss = x.mul(2).relu().reshape([20]).mul(x.reshape([20])).sum();
      loss.backward({ retainGraph: true });
      const first = x.grad!.clone();
      loss.backward({ retainGraph: true });
      loss.backward();
      return [first, x.grad!];
    });
  });

  test("the caller's root gradient and tensors made before the pass are never recycled", () => {
    assertSame(() => {
      const x = nb.randn([3, 4], { requiresGrad: true });
      const y = x.mul(x).reshape([12]);
      const root = nb.randn([12]);
      const rootValues = snapshot(root);
      y.backward(root);
      assertIntact(root, rootValues, 'the root gradient');
      // An identity-like graph: the root gradient flows unchanged into the leaf.
      const z = nb.randn([12], { requiresGrad: true });
      const zRoot = nb.randn([12]);
      z.reshape([3, 4]).reshape([12]).backward(zRoot);
      assertIntact(zRoot, snapshot(zRoot), 'a root gradient passed through views');
      return [x.grad!, root, z.grad!, zRoot];
    });
  });

  test("dropout's private mask is recycled after the backward; the output and the gradient stay", () => {
    recycled.clear();
    nb.manualSeed(0);
    const x = nb.randn([8, 300], { requiresGrad: true });
    const y = F.dropout(x, 0.5, true);
    const yValues = snapshot(y);
    y.sum().backward();
    assertIntact(y, yValues, 'the dropout output');
    // No gradient of this pass has 2400 elements but the leaf's own (kept): the one recycled is the mask.
    assert.equal([...recycled].filter((a) => a.length === 2400).length, 1);
    // The gradient is the mask: 2 where dropout kept x, 0 where it dropped it.
    snapshot(x.grad!).forEach((g, i) => assert.equal(g, yValues[i] === 0 ? 0 : 2));
  });

  test("a gradient penalty through dropout: the mask a createGraph backward recorded is not recycled by the next pass", () => {
    assertSame(() => {
      const w = nb.randn([6, 6], { requiresGrad: true });
      const z = nb.randn([200, 6], { requiresGrad: true });
      const x = nb.randn([200, 6], { requiresGrad: true });
      const out: Tensor[] = [];
      for (const penaltyFirst of [false, true]) {
        const y = F.dropout(x.matmul(w), 0.5, true);
        const loss = y.mul(z).sum();
        // The recorded backward multiplies z by the dropout mask: its mul node saves the mask, and
        // nothing orders it before or after dropout's own node in the next pass.
        const [gx] = nb.autogradGrad(loss, [x], { createGraph: true });
        const penalty = gx!.square().sum();
        (penaltyFirst ? penalty.add(loss) : loss.add(penalty)).backward();
        out.push(w.grad!, x.grad!, z.grad!);
        for (const t of [w, x, z]) t.grad = null;
      }
      return out;
    });
  });

  test('setGradientRecycling(false) hands nothing back', () => {
    setGradientRecycling(false);
    recycled.clear();
    const x = nb.randn([3, 4], { requiresGrad: true });
    x.mul(2).tanh().reshape([12]).sum().backward();
    assert.equal(recycled.size, 0);
    setGradientRecycling(true);
  });
});
