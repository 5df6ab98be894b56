/**
 * matmul and linear with a batch of left operands and one shared right matrix: run as one product
 * over all rows (the batch folded into M) where the left operand's batch dims allow it, and as a
 * batch of products otherwise; either way the values and gradients are the entries' own products.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { strideProbe } from '../helpers/gradients.js';
import type { Tensor } from '../../src/index.js';
import { kernels } from '../../src/backend/registry.js';

function assertClose(got: Tensor, want: Tensor, what: string): void {
  assert.deepEqual([...got.shape], [...want.shape], `${what}: shape`);
  const diff = got.sub(want).abs().max().item();
  assert.ok(diff <= 1e-4 * Math.max(1, want.abs().max().item()), `${what}: differs by ${diff}`);
}

/** a [..., M, K] @ b [K, N] one batch entry at a time (2-D products), stacked back. */
function perEntry(a: Tensor, b: Tensor): Tensor {
  const flat = a.reshape([-1, a.shape[a.ndim - 2]!, a.shape[a.ndim - 1]!]);
  const rows = [...Array(flat.shape[0]).keys()].map((i) => nb.matmul(flat.select(0, i), b));
  return nb.stack(rows).reshape([...a.shape.slice(0, -1), b.shape[1]!]);
}

const layouts: [string, (t: Tensor) => Tensor, number[]][] = [
  ['contiguous [T, B, K]', (t) => t, [5, 3, 8]],
  ['batch dims transposed (not foldable)', (t) => t.transpose(0, 1), [3, 5, 8]],
  ['a size-1 batch dim and one row per entry', (t) => t, [4, 1, 1, 8]],
  ['rows with a stride (a narrowed last dim)', (t) => t.narrow(-1, 1, 8), [2, 3, 4, 10]],
];

for (const backend of ['wasm', 'cpu'] as const) {
  for (const [name, layout, shape] of layouts) {
    test(`${backend}: matmul of ${name} by a shared matrix, values and gradients`, () => {
      const previous = nb.getBackend().name;
      nb.setBackend(backend);
      try {
        nb.manualSeed(4);
        const a0 = nb.randn(shape);
        const b0 = nb.randn([8, 6]);
        const run = (product: (a: Tensor, b: Tensor) => Tensor): Tensor[] => {
          const a = a0.clone().requiresGrad_();
          const b = b0.clone().requiresGrad_();
          const out = product(layout(a), b);
          out.mul(nb.arange(out.numel()).reshape(out.shape).cos()).sum().backward();
          return [out, a.grad!, b.grad!];
        };
        const got = run(nb.matmul);
        const want = run(perEntry);
        ['output', 'a gradient', 'b gradient'].forEach((what, i) => assertClose(got[i]!, want[i]!, `${name}: ${what}`));
      } finally {
        nb.setBackend(previous);
      }
    });
  }
}

test('linear on [T, B, D] (a batch folded into rows) with bias, against 2-D linear per entry', () => {
  nb.manualSeed(6);
  const layer = new nb.nn.Linear(8, 5);
  const x = nb.randn([7, 3, 8]);
  const want = nb.stack([...Array(7).keys()].map((t) => layer.forward(x.select(0, t))));
  assertClose(layer.forward(x), want, 'linear');
  assertClose(layer.forward(x.transpose(0, 1)), want.transpose(0, 1), 'linear on a transposed input');
});

test('a shared right matrix reaches the matmul kernel as one 2-D product, forward and backward', () => {
  const table = kernels() as unknown as Record<string, unknown>;
  const original = table.matmul as (...args: unknown[]) => unknown;
  const shapes: string[] = [];
  table.matmul = (...args: unknown[]) => {
    shapes.push(args.slice(0, 2).map((v) => `[${(v as { shape: number[] }).shape.join(', ')}]`).join(' @ '));
    return original(...args);
  };
  try {
    const a = nb.randn([5, 3, 8]).requiresGrad_();
    const b = nb.randn([8, 6]).requiresGrad_();
    nb.matmul(a, b).sum().backward();
    const layer = new nb.nn.Linear(8, 4);
    layer.forward(nb.randn([5, 3, 8]));
  } finally {
    table.matmul = original;
  }
  // Forward; a's gradient g @ b^T; b's gradient a^T @ g over all 15 rows; the linear layer.
  assert.deepEqual(shapes, ['[15, 8] @ [8, 6]', '[15, 6] @ [6, 8]', '[8, 15] @ [15, 6]', '[15, 8] @ [8, 4]']);
});

test("matmul's gradient of a transposed operand is laid out as the operand (attention's k^T), bit for bit the plain product", () => {
  for (const threads of [1, 2]) {
    nb.setNumThreads(threads);
    nb.manualSeed(3);
    const a = nb.randn([2, 7, 13], { requiresGrad: true });
    const k = nb.randn([2, 11, 13], { requiresGrad: true });
    const seenK: { strides?: readonly number[] } = {};
    const kT = strideProbe(k.transpose(-1, -2), seenK); // [2, 13, 11], column-major in its last two dims
    const g = nb.randn([2, 7, 11]);
    nb.matmul(a, kT).mul(g).sum().backward();
    assert.deepEqual(seenK.strides, kT.strides);
    assert.deepEqual(k.grad!.toTypedArray(), nb.matmul(a.detach().transpose(-1, -2), g).transpose(-1, -2).contiguous().toTypedArray());
    // And a transposed left operand.
    const w = nb.randn([13, 7], { requiresGrad: true });
    const seenW: { strides?: readonly number[] } = {};
    const wT = strideProbe(w.transpose(0, 1), seenW);
    const h = nb.randn([7, 5]);
    const b = nb.randn([13, 5]);
    nb.matmul(wT, b).mul(h).sum().backward();
    assert.deepEqual(seenW.strides, wT.strides);
    assert.deepEqual(w.grad!.toTypedArray(), nb.matmul(h, b.transpose(0, 1)).transpose(0, 1).contiguous().toTypedArray());
  }
  nb.setNumThreads(1);
});
