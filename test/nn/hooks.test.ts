import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { nn } = nb;

function close(a: nb.Tensor, b: nb.Tensor): void {
  assert.deepEqual(a.shape, b.shape);
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i]! - y[i]!) < 1e-6, `element ${i}: ${x[i]} vs ${y[i]}`);
}

describe('forward hooks', () => {
  test('pre-hooks, forward and forward hooks run in registration order, inside Sequential and on direct calls', () => {
    const log: string[] = [];
    const inner = new nn.Linear(2, 2);
    const model = new nn.Sequential(inner, new nn.ReLU());
    inner.registerForwardPreHook(() => void log.push('pre1'));
    inner.registerForwardHook((_m, _i, out) => void log.push(`post1 ${(out as nb.Tensor).shape.join('x')}`));
    inner.registerForwardPreHook(() => void log.push('pre2'));
    inner.registerForwardHook(() => void log.push('post2'));
    model.registerForwardHook(() => void log.push('outer'));
    model.forward(nb.ones([3, 2]));
    assert.deepEqual(log, ['pre1', 'pre2', 'post1 3x2', 'post2', 'outer']);
    log.length = 0;
    inner.forward(nb.ones([1, 2]));
    inner.call(nb.ones([1, 2]));
    assert.deepEqual(log, ['pre1', 'pre2', 'post1 1x2', 'post2', 'pre1', 'pre2', 'post1 1x2', 'post2']);
  });

  test('the hook sees the module and the inputs after pre-hooks; pre-hooks replace inputs, forward hooks the output', () => {
    const layer = new nn.Identity();
    let seen: unknown[] = [];
    layer.registerForwardPreHook((_m, [x]) => (x as nb.Tensor).mul(2));
    layer.registerForwardPreHook((_m, inputs) => [(inputs[0] as nb.Tensor).add(1)]);
    layer.registerForwardHook((m, inputs, out) => {
      assert.equal(m, layer);
      seen = inputs;
      return (out as nb.Tensor).neg();
    });
    const out = layer.forward(nb.tensor([1, 2]));
    assert.deepEqual(out.toArray(), [-3, -5]);
    assert.deepEqual((seen[0] as nb.Tensor).toArray(), [3, 5]);
  });

  test('remove() unregisters (twice is harmless) and the class forward comes back when the last hook goes', () => {
    const layer = new nn.ReLU();
    let calls = 0;
    const a = layer.registerForwardHook(() => void calls++);
    const b = layer.registerForwardPreHook(() => void calls++);
    layer.forward(nb.ones([1]));
    assert.equal(calls, 2);
    a.remove();
    a.remove();
    layer.forward(nb.ones([1]));
    assert.equal(calls, 3);
    b.remove();
    layer.forward(nb.ones([1]));
    assert.equal(calls, 3);
    assert.equal(Object.prototype.hasOwnProperty.call(layer, 'forward'), false);
    assert.notEqual(a.id, b.id);
  });

  test('a hook may remove itself while running; hooks survive summary()', () => {
    const layer = new nn.Linear(3, 1);
    let calls = 0;
    const handle = layer.registerForwardHook(() => {
      calls++;
      handle.remove();
    });
    const model = new nn.Sequential(layer);
    let seen = 0;
    layer.registerForwardHook(() => void seen++);
    model.summary([2, 3]);
    model.forward(nb.ones([2, 3]));
    assert.equal(calls, 1);
    assert.equal(seen, 2);
  });

  test('hooks are not in the state dict or the module tree; a non-function is an error', () => {
    const layer = new nn.Linear(2, 2);
    layer.registerForwardHook(() => undefined);
    assert.deepEqual(Object.keys(layer.stateDict()), ['weight', 'bias']);
    assert.throws(() => layer.registerForwardHook(3 as never), /Linear.registerForwardHook: expected a function, got number/);
  });
});

describe('full backward hooks', () => {
  test('gradInput and gradOutput are the gradients at the module input and output (as PyTorch)', () => {
    nb.manualSeed(0);
    const layer = new nn.Linear(3, 2);
    const x = nb.randn([4, 3]).requiresGrad_();
    const weights = nb.randn([4, 2]);
    const seen: { gradInput: (nb.Tensor | null)[]; gradOutput: (nb.Tensor | null)[] }[] = [];
    layer.registerFullBackwardHook((m, gradInput, gradOutput) => {
      assert.equal(m, layer);
      seen.push({ gradInput, gradOutput });
    });
    layer.forward(x).mul(weights).sum().backward();
    assert.equal(seen.length, 1);
    close(seen[0]!.gradOutput[0]!, weights);
    close(seen[0]!.gradInput[0]!, weights.matmul(layer.weight.detach()));
    close(seen[0]!.gradInput[0]!, x.grad!);
  });

  test('returning gradInput replaces the gradient passed on to the input', () => {
    const layer = new nn.Linear(2, 2);
    const x = nb.ones([1, 2]).requiresGrad_();
    layer.registerFullBackwardHook((_m, [g]) => [g!.mul(0).add(7)]);
    layer.forward(x).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [[7, 7]]);
  });

  test('an input that does not require grad gives null, and the hook fires at the output gradient', () => {
    const layer = new nn.Linear(2, 1);
    let gradInput: (nb.Tensor | null)[] = [];
    let gradOutput: (nb.Tensor | null)[] = [];
    layer.registerFullBackwardHook((_m, gi, go) => {
      gradInput = gi;
      gradOutput = go;
    });
    layer.forward(nb.ones([3, 2])).sum().backward();
    assert.deepEqual(gradInput, [null]);
    assert.deepEqual(gradOutput[0]!.toArray(), [[1], [1], [1]]);
    assert.ok(layer.weight.grad !== null);
  });

  test('works inside Sequential and per module in backward order; removed hooks do not fire; nothing fires under noGrad', () => {
    const a = new nn.Linear(2, 2);
    const b = new nn.Linear(2, 2);
    const model = new nn.Sequential(a, new nn.ReLU(), b);
    const order: string[] = [];
    const ha = a.registerFullBackwardHook(() => void order.push('a'));
    b.registerFullBackwardHook(() => void order.push('b'));
    const x = nb.ones([1, 2]).requiresGrad_();
    model.forward(x).sum().backward();
    assert.deepEqual(order, ['b', 'a']);
    ha.remove();
    model.forward(x).sum().backward();
    assert.deepEqual(order, ['b', 'a', 'b']);
    nb.noGrad(() => model.forward(x));
    assert.deepEqual(order, ['b', 'a', 'b']);
  });

  test('errors: a replacement of the wrong length, a non-tensor output, replacing with two differentiable inputs', () => {
    const layer = new nn.Linear(2, 2);
    layer.registerFullBackwardHook(() => [null, null]);
    const x = nb.ones([1, 2]).requiresGrad_();
    assert.throws(() => layer.forward(x).sum().backward(), /Linear \(full backward hook\): a full backward hook must return undefined or an array of 1 tensors or nulls/);

    class Pair extends nn.Module {
      forward(a: nb.Tensor, b: nb.Tensor): nb.Tensor[] {
        return [a, b];
      }
    }
    const pair = new Pair();
    pair.registerFullBackwardHook(() => undefined);
    assert.throws(() => pair.forward(x, x), /Pair \(full backward hook\): full backward hooks need a forward that returns one Tensor, got object/);

    class Add extends nn.Module {
      forward(a: nb.Tensor, b: nb.Tensor): nb.Tensor {
        return a.add(b);
      }
    }
    const add = new Add();
    let gradInput: (nb.Tensor | null)[] = [];
    const handle = add.registerFullBackwardHook((_m, gi) => void (gradInput = gi));
    const y = nb.ones([2]).requiresGrad_();
    add.forward(x.reshape([2]), y).sum().backward();
    assert.equal(gradInput.length, 2);
    assert.deepEqual(gradInput.map((g) => g!.toArray()), [[1, 1], [1, 1]]);
    // A retained graph walked twice fires the hook once per pass, with both gradients each time.
    let calls = 0;
    const counting = add.registerFullBackwardHook((_m, gi) => {
      calls++;
      assert.ok(gi.every((g) => g !== null));
    });
    const sum = add.forward(x.reshape([2]), y).sum();
    sum.backward(undefined, { retainGraph: true });
    sum.backward();
    assert.equal(calls, 2);
    counting.remove();
    handle.remove();
    add.registerFullBackwardHook((_m, gi) => gi);
    assert.throws(() => add.forward(x.reshape([2]), y).sum().backward(), /can replace gradInput only for modules with one input that requires grad \(this call had 2/);
  });
});
