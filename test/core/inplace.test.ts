/** In-place ops: results, version counter, autograd through them, broadcasting, dtypes and aliasing. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const version = (t: nb.Tensor): number => t.storage.version;

describe('in-place results', () => {
  test('add_ sub_ mul_ div_ with tensors and scalars, returning the same tensor', () => {
    const x = nb.tensor([1.5, 2, -3]);
    assert.equal(x.add_(1), x);
    assert.deepEqual(x.toArray(), [2.5, 3, -2]);
    x.sub_(nb.tensor([0.5, 1, 1]));
    assert.deepEqual(x.toArray(), [2, 2, -3]);
    x.mul_(nb.tensor(2));
    assert.deepEqual(x.toArray(), [4, 4, -6]);
    x.div_(4);
    assert.deepEqual(x.toArray(), [1, 1, -1.5]);
  });

  test('clamp_, maskedFill_, fill_, zero_', () => {
    const x = nb.tensor([[-2, 0.5], [3, 1]]);
    x.clamp_(-1, 2);
    assert.deepEqual(x.toArray(), [[-1, 0.5], [2, 1]]);
    x.clamp_(null, 0.75);
    assert.deepEqual(x.toArray(), [[-1, 0.5], [0.75, 0.75]]);
    x.maskedFill_(nb.tensor([true, false]), 9);
    assert.deepEqual(x.toArray(), [[9, 0.5], [9, 0.75]]);
    x.fill_(-0.25);
    assert.deepEqual(x.toArray(), [[-0.25, -0.25], [-0.25, -0.25]]);
    x.zero_();
    assert.deepEqual(x.toArray(), [[0, 0], [0, 0]]);
    const b = nb.tensor([true, false]);
    b.fill_(1);
    assert.deepEqual(b.toArray(), [true, true]);
  });

  test('uniform_ and normal_ fill from the default generator, deterministically', () => {
    nb.manualSeed(3);
    const a = nb.zeros([4], { dtype: 'float64' }).uniform_(2, 3);
    nb.manualSeed(3);
    const b = nb.zeros([4], { dtype: 'float64' }).uniform_(2, 3);
    assert.deepEqual(a.toArray(), b.toArray());
    assert.ok((a.toArray() as number[]).every((v) => v >= 2 && v < 3));
    const n = nb.zeros([2000], { dtype: 'float64' }).normal_(5, 0.5);
    assert.ok(Math.abs(n.mean().item() - 5) < 0.05);
    assert.throws(() => nb.zeros([2], { dtype: 'int32' }).uniform_(), /uniform_: expects a floating-point tensor, got dtype int32/);
  });

  test('an in-place op whose result does not fit the target, or does not fit its dtype, is refused', () => {
    assert.throws(() => nb.zeros([3]).add_(nb.zeros([2, 3])), /add_: the result of shape \[2, 3\] does not fit the tensor's shape \[3\]/);
    assert.throws(() => nb.zeros([2], { dtype: 'int32' }).add_(1.5), /add_: the result has dtype float32, which cannot be stored in place in a int32 tensor/);
    assert.throws(() => nb.zeros([2], { dtype: 'int32' }).div_(2), /div_: the result has dtype float32/);
    const d = nb.zeros([2], { dtype: 'float32' }).add_(nb.ones([2], { dtype: 'float64' }));
    assert.equal(d.dtype, 'float32', 'float results are stored in a float tensor of another width');
  });
});

describe('copy_', () => {
  test('broadcasts the source and converts its dtype (float to int truncates, nonzero is true)', () => {
    const x = nb.zeros([2, 3], { dtype: 'int32' });
    x.copy_(nb.tensor([1.7, -2.7, 3.2]));
    assert.deepEqual(x.toArray(), [[1, -2, 3], [1, -2, 3]]);
    const b = nb.zeros([3], { dtype: 'bool' });
    b.copy_(nb.tensor([0.5, 0, -1]));
    assert.deepEqual(b.toArray(), [true, false, true]);
    const f = nb.zeros([2], { dtype: 'float64' });
    f.copy_(nb.tensor([true, false]));
    assert.deepEqual(f.toArray(), [1, 0]);
  });

  test('into a strided view writes only the viewed elements of the base', () => {
    const base = nb.zeros([3, 4]);
    base.slice(1, 0, null, 2).copy_(nb.tensor([[1, 2], [3, 4], [5, 6]]));
    assert.deepEqual(base.toArray(), [[1, 0, 2, 0], [3, 0, 4, 0], [5, 0, 6, 0]]);
    base.t().select(0, 3).fill_(7);
    assert.deepEqual(base.toArray(), [[1, 0, 2, 7], [3, 0, 4, 7], [5, 0, 6, 7]]);
  });

  test('with overlapping memory reads the source before writing (x.copy_(x.flip(0)))', () => {
    const x = nb.arange(5, { dtype: 'float32' });
    x.copy_(x.flip(0));
    assert.deepEqual(x.toArray(), [4, 3, 2, 1, 0]);
    const m = nb.arange(6).reshape([2, 3]);
    m.copy_(m.flip(1));
    assert.deepEqual(m.toArray(), [[2, 1, 0], [5, 4, 3]]);
    const y = nb.arange(5);
    y.add_(y.flip(0));
    assert.deepEqual(y.toArray(), [4, 4, 4, 4, 4]);
    // torch refuses partial overlap; Nabla gives the result as if the source were cloned first.
    const s = nb.arange(5);
    s.slice(0, 1).copy_(s.slice(0, 0, -1));
    assert.deepEqual(s.toArray(), [0, 0, 1, 2, 3]);
    const t = nb.arange(6).reshape([2, 3]);
    t.copy_(t.t().reshape([2, 3]));
    assert.deepEqual(t.toArray(), [[0, 3, 1], [4, 2, 5]]);
  });

  test('into an expanded view is refused: several elements share one memory location', () => {
    const x = nb.zeros([3, 1]).expand([3, 4]);
    assert.throws(() => x.copy_(nb.ones([3, 4])), /copy_: more than one element of the written-to tensor \(shape \[3, 4\], strides \[1, 0\]\) refers to the same memory location; clone\(\) the tensor/);
  });
});

describe('version counter', () => {
  test('every in-place op bumps the shared version of the storage; views see the same counter', () => {
    const x = nb.zeros([4]);
    const v = x.narrow(0, 1, 2);
    assert.equal(version(x), 0);
    const ops: ((t: nb.Tensor) => unknown)[] = [
      (t) => t.add_(1), (t) => t.sub_(1), (t) => t.mul_(2), (t) => t.div_(2), (t) => t.clamp_(0, 1),
      (t) => t.maskedFill_(nb.tensor([true, false]), 1), (t) => t.copy_(nb.ones([2])), (t) => t.fill_(3),
      (t) => t.zero_(), (t) => t.uniform_(), (t) => t.normal_(),
    ];
    ops.forEach((op, i) => {
      op(v);
      assert.equal(version(x), i + 1);
      assert.equal(version(v), i + 1);
    });
    x.add(1);
    x.clone().add_(1);
    assert.equal(version(x), ops.length, 'out-of-place ops and copies leave it alone');
  });

  test('changing a tensor an op saved for backward is caught, naming the op and both versions', () => {
    const x = nb.tensor([0.5, -1, 2], { requiresGrad: true });
    const y = x.sigmoid();
    y.mul_(2);
    assert.throws(
      () => y.sum().backward(),
      /backward: a tensor of shape \[3\] that 'sigmoid' saved for its gradient was modified by an in-place operation \(it is at version 1, saved at version 0\)/,
    );
  });

  test('changing a tensor through a view is caught too', () => {
    const x = nb.tensor([0.5, -1, 2], { requiresGrad: true });
    const h = x.mul(1);
    const y = h.exp();
    nb.noGrad(() => y.narrow(0, 0, 1).zero_());
    assert.throws(() => y.sum().backward(), /'exp' saved for its gradient was modified by an in-place operation/);
  });
});

describe('in-place ops and autograd', () => {
  test('in-place on a non-leaf keeps gradients flowing (x * 2, then add_ and mul_)', () => {
    const x = nb.tensor([1.5, 2.5], { requiresGrad: true });
    const y = x.mul(2);
    y.add_(1);
    y.mul_(3);
    assert.deepEqual(y.toArray(), [12, 18]);
    assert.equal(y.requiresGrad, true);
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [6, 6]);
  });

  test('y.mul_(w) keeps the old y for the gradient of w', () => {
    const x = nb.tensor([1.5, 2.5], { requiresGrad: true });
    const w = nb.tensor([3.5, -1.5], { requiresGrad: true });
    const y = x.mul(2);
    y.mul_(w);
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [7, -3]);
    assert.deepEqual(w.grad!.toArray(), [3, 5]);
  });

  test('an in-place op with a tensor that requires grad turns a plain tensor into part of the graph', () => {
    const y = nb.tensor([1.5, 2.5]);
    const w = nb.tensor([2, -1], { requiresGrad: true });
    y.mul_(w);
    assert.equal(y.isLeaf, false);
    y.sum().backward();
    assert.deepEqual(w.grad!.toArray(), [1.5, 2.5]);
  });

  test('copy_ from a tensor that requires grad passes the gradient to the source, cast back to its dtype', () => {
    const src = nb.tensor([1.5, 2.5], { dtype: 'float64', requiresGrad: true });
    const dst = nb.zeros([3, 2]);
    dst.copy_(src);
    dst.mul(nb.tensor([[1, 2], [3, 4], [5, 6]])).sum().backward();
    assert.equal(src.grad!.dtype, 'float64');
    assert.deepEqual(src.grad!.toArray(), [9, 12]);
  });

  test('a view taken before its base changed in place is refused instead of giving a stale gradient', () => {
    const x = nb.tensor([1.5, 2.5], { requiresGrad: true });
    const y = x.mul(2);
    const early = y.narrow(0, 0, 1);
    const usedEarly = early.sum();
    y.mul_(3);
    assert.throws(
      () => early.sum(),
      /^Error: sum: an input of shape \[1\] is a view taken before its base \(shape \[2\]\) was changed in place while gradients were recorded, so the view's autograd history is out of date; take the view again/,
    );
    // The second backward below runs through x.mul(2) again: as in PyTorch, retain it.
    usedEarly.backward({ retainGraph: true });
    assert.deepEqual(x.grad!.toArray(), [2, 0], 'results computed before the in-place op keep their gradient');
    x.grad = null;
    y.narrow(0, 0, 1).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [6, 0], 'a view taken afterwards sees the new history');
    assert.equal(nb.noGrad(() => early.sum()).item(), 9, 'without recording, the stale view still reads the current values');
  });

  test('views of a leaf stay usable after noGrad updates of the leaf (as after an optimizer step)', () => {
    const w = nb.tensor([1.5, 2.5], { requiresGrad: true });
    const column = w.reshape([2, 1]);
    nb.noGrad(() => w.mul_(2));
    column.mul(nb.tensor([[1], [10]])).sum().backward();
    assert.deepEqual(w.grad!.toArray(), [1, 10]);
  });

  test('in-place on a leaf that requires grad is refused while recording, allowed in noGrad', () => {
    const w = nb.tensor([1.5, 2.5], { requiresGrad: true });
    assert.throws(() => w.add_(1), /add_: a leaf tensor that requires grad cannot be changed in place while gradients are recorded; wrap the update in noGrad/);
    assert.throws(() => w.narrow(0, 0, 1).zero_(), /zero_: in-place changes to a view of a tensor that requires grad are not supported while gradients are recorded/);
    nb.noGrad(() => {
      w.sub_(0.5);
      w.narrow(0, 0, 1).zero_();
    });
    assert.deepEqual(w.toArray(), [0, 2]);
    assert.equal(w.isLeaf, true);
    assert.equal(w.requiresGrad, true);
  });
});
