/**
 * PyTorch's graph lifetime: a backward (or autogradGrad) without retainGraph frees the tensors
 * each node saved, so they can be garbage-collected during a training loop, and a second
 * backward through a freed node raises PyTorch's error naming the node; retainGraph (default:
 * createGraph) keeps them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as nb from '../../src/index.js';

const f64 = (values: number[]): nb.Tensor => nb.tensor(values, { dtype: 'float64', requiresGrad: true });
const SECOND_TIME = /mulBackward: Trying to backward through the graph a second time \(or directly access saved tensors after they have already been freed\)\. Saved intermediate values of the graph are freed when you call \.backward\(\) or autogradGrad\(\)\. Specify retainGraph: true if you need to backward through the graph a second time/;

describe('retainGraph', () => {
  test('a second backward through a freed graph raises PyTorch\'s error naming the node', () => {
    const x = f64([1, 2, 3]);
    const loss = x.mul(x).sum();
    loss.backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
    assert.throws(() => loss.backward(), SECOND_TIME);
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6], 'the failed backward added nothing');
    const again = x.mul(x).sum();
    again.backward({ retainGraph: false, createGraph: false });
    assert.throws(() => again.backward(), SECOND_TIME);
  });

  test('retainGraph: true keeps the graph for as many backwards as wanted; the last one may free it', () => {
    const x = f64([1, 2, 3]);
    const loss = x.mul(x).sum();
    loss.backward({ retainGraph: true });
    loss.backward(undefined, { retainGraph: true });
    loss.backward();
    assert.deepEqual(x.grad!.toArray(), [6, 12, 18]);
    assert.throws(() => loss.backward(), SECOND_TIME);
  });

  test('createGraph retains by default (retain_graph defaults to create_graph); retainGraph: false overrides it', () => {
    const x = f64([1, 2]);
    const y = x.mul(x).mul(x).sum();
    const [g] = nb.autogradGrad(y, x, { createGraph: true });
    // g's graph runs through y's own forward nodes (x * x), so this backward must keep them too, as in PyTorch.
    g!.sum().backward({ retainGraph: true });
    assert.deepEqual(x.grad!.toArray(), [6, 12]);
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [9, 24]);
    const y2 = x.mul(x).mul(x).sum();
    nb.autogradGrad(y2, x, { createGraph: true })[0]!.sum().backward();
    assert.throws(() => y2.backward(), SECOND_TIME);
    const z = x.mul(x).sum();
    z.backward({ createGraph: true, retainGraph: false });
    assert.throws(() => z.backward(), SECOND_TIME);
  });

  test('autogradGrad frees the graph it ran through, unless retainGraph; the graph below its inputs is untouched', () => {
    const x = f64([1, 2]);
    const y = x.mul(x).sum();
    assert.deepEqual(nb.autogradGrad(y, x, { retainGraph: true })[0]!.toArray(), [2, 4]);
    assert.deepEqual(nb.autogradGrad(y, x)[0]!.toArray(), [2, 4]);
    assert.throws(() => nb.autogradGrad(y, x), SECOND_TIME);
    // As torch.autograd.grad: only the nodes between outputs and inputs run (and are freed).
    const h = x.mul(x);
    const out = h.exp().sum();
    nb.autogradGrad(out, h);
    h.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4]);
  });

  test('nodes that saved nothing can be run again, as in PyTorch', () => {
    const x = f64([1, 2]);
    const loss = x.add(1).sum();
    loss.backward();
    loss.backward();
    assert.deepEqual(x.grad!.toArray(), [2, 2]);
  });

  test('the saved tensors can be garbage-collected after the backward while the loss is still held', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const x = nb.randn([1000], { requiresGrad: true });
    const refs: WeakRef<nb.Tensor>[] = [];
    const make = (): nb.Tensor => {
      const a = x.mul(2);
      const b = x.mul(3);
      refs.push(new WeakRef(a), new WeakRef(b));
      return a.mul(b).sum();
    };
    const kept = make();
    const freed = make();
    kept.backward({ retainGraph: true });
    freed.backward();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.ok(refs[0]!.deref() !== undefined && refs[1]!.deref() !== undefined, 'retainGraph keeps the saved tensors');
    assert.ok(refs[2]!.deref() === undefined && refs[3]!.deref() === undefined, 'a backward without retainGraph lets them go');
    assert.ok(kept.requiresGrad && freed.requiresGrad);
  });
});
