/**
 * ONNX import: nb.onnx.load runs models exported by Debian's torch (generated at setup into the
 * gitignored .onnx-cache/ by scripts/export_onnx_models.py; skipped with a printed reason without
 * Python and torch) and Nabla's own exports, gives the exporter's outputs, fine-tunes, and rejects
 * malformed files with clear errors (seeded fuzzing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { onnxType } from '../../src/onnx/proto.js';
import { fuzzCount, fuzzSeed, runFuzz } from '../helpers/fuzz.js';

const root = new URL('../..', import.meta.url).pathname;
const cache = join(root, '.onnx-cache');

function torchModels(): string | null {
  if (['resnet18', 'mobilenet_v2', 'lstm'].every((n) => existsSync(join(cache, `${n}.json`)))) return null;
  const r = spawnSync('/usr/bin/python3', [join(root, 'scripts/export_onnx_models.py'), cache], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OPENBLAS_CORETYPE: 'SkylakeX' },
  });
  if (r.error !== undefined || r.status !== 0) return `torch.onnx.export unavailable (${r.error?.message ?? r.stderr.trim().split('\n').pop()})`;
  return null;
}
const torchSkip = torchModels();
if (torchSkip !== null) console.log(`# ONNX import of torch-exported models skipped: ${torchSkip}`);

interface Record_ {
  inputs: { shape: number[]; data: number[] }[];
  outputs: { shape: number[]; data: number[] }[];
}

function assertClose(got: Tensor, shape: readonly number[], want: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.deepEqual([...got.shape], [...shape], `${what}: shape`);
  const g = got.toTypedArray();
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(g[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  assert.ok(worst <= tol * scale, `${what}: differs by ${worst} (scale ${scale})`);
}

function loadTorch(name: string): { model: nb.onnx.OnnxModel; record: Record_ } {
  const model = nb.onnx.load(new Uint8Array(readFileSync(join(cache, `${name}.onnx`))));
  const record = JSON.parse(readFileSync(join(cache, `${name}.json`), 'utf8')) as Record_;
  return { model, record };
}

const inputsOf = (r: Record_): Tensor[] => r.inputs.map((i) => nb.tensor(i.data).reshape(i.shape));

for (const name of ['resnet18', 'mobilenet_v2', 'lstm']) {
  test(`torch.onnx.export's ${name} loads and gives torch's outputs`, { skip: torchSkip ?? false }, () => {
    const { model, record } = loadTorch(name);
    const out = nb.noGrad(() => model.forward(...inputsOf(record))) as Tensor;
    assertClose(out, record.outputs[0]!.shape, record.outputs[0]!.data, name);
  });
}

test('a torch-exported resnet18 fine-tunes: one SGD step lowers the loss', { skip: torchSkip ?? false }, () => {
  const { model, record } = loadTorch('resnet18');
  const x = inputsOf(record)[0]!;
  const target = nb.tensor([3, 7], { dtype: 'int32' });
  assert.ok([...model.parameters()].length > 20, 'initializers are parameters');
  const opt = new nb.optim.SGD(model.parameters(), { lr: 0.01 });
  const lossOf = (): Tensor => nb.F.crossEntropy(model.forward(x) as Tensor, target);
  const before = lossOf();
  opt.zeroGrad();
  before.backward();
  opt.step();
  const after = nb.noGrad(lossOf).item();
  assert.ok(after < before.item(), `loss ${before.item()} -> ${after}`);
});

class Mixed extends nn.Module {
  conv = new nn.Conv2d(2, 4, 3, { padding: 1, groups: 2 });
  up = new nn.ConvTranspose2d(4, 2, 2, { stride: 2 });
  bn = new nn.BatchNorm2d(2);
  gru = new nn.GRU(2, 5, { bidirectional: true });
  rnn = new nn.RNN(10, 4, { nonlinearity: 'relu' });
  norm = new nn.LayerNorm(4);
  attn = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
  forward(x: Tensor): Tensor {
    const y = this.bn.forward(this.up.forward(nb.F.hardswish(this.conv.forward(x)))); // [N, 2, 8, 8]
    const seq = nb.F.maxPool2d(y, 2).flatten(2).permute([2, 0, 1]); // [16, N, 2]
    const [g] = this.gru.forward(seq);
    const [r] = this.rnn.forward(g);
    return nb.F.logSoftmax(this.attn.forward(this.norm.forward(r)).mean(0), -1);
  }
}

test("Nabla's own exports load back and give the same outputs (opset 17 and 13)", () => {
  nb.manualSeed(7);
  const model = new Mixed();
  model.train();
  nb.noGrad(() => model.forward(nb.randn([2, 2, 4, 4])));
  model.eval();
  const x = nb.randn([2, 2, 4, 4]);
  const want = nb.noGrad(() => model.forward(x));
  for (const opset of [17, 13]) {
    const loaded = nb.onnx.load(nb.onnx.exportModel(model, x, { opset }));
    assertClose(nb.noGrad(() => loaded.forward(x)) as Tensor, want.shape, want.toTypedArray(), `opset ${opset}`);
  }
  const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
  const s = nb.randn([5, 2, 3]);
  const [y, [h, c]] = nb.noGrad(() => lstm.forward(s));
  const outs = nb.onnx.load(nb.onnx.exportModel(lstm, s)).forward(s) as Tensor[];
  [y, h, c].forEach((t, i) => assertClose(outs[i]!, t.shape, t.toTypedArray(), `LSTM output ${i}`));
  // Initializers keep their state-dict names as parameter names.
  const lin = new nn.Sequential(new nn.Linear(3, 2));
  const back = nb.onnx.load(nb.onnx.exportModel(lin, nb.randn([1, 3])));
  assert.deepEqual(Object.keys(back.stateDict()).sort(), ['0.bias', '0.weight']);
});

/** A ModelProto from a plain object (for hand-made broken models). */
function encodeModel(model: object): Uint8Array {
  const M = onnxType('ModelProto');
  return M.encode(M.fromObject(model)).finish();
}

const vinfo = (name: string, dims: number[]): object => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } });

test('malformed and unsupported models are clear errors', () => {
  assert.throws(() => nb.onnx.load(new Uint8Array(0)), /onnx.load: the file is empty/);
  assert.throws(() => nb.onnx.load(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])), /onnx.load: not a valid ONNX protobuf/);
  assert.throws(() => nb.onnx.load('model.onnx' as never), /expected the model's bytes as a Uint8Array, got string/);
  const graph = (node: object[], extra: object = {}): object => ({ node, input: [vinfo('x', [2])], output: [vinfo('y', [2])], ...extra });
  const ok = { ir_version: 8, opset_import: [{ domain: '', version: 13 }] };
  assert.throws(() => nb.onnx.load(encodeModel({ ...ok, opset_import: [{ domain: '', version: 9 }], graph: graph([]) })), /opset 9 is not supported \(11 to 17\)/);
  assert.throws(() => nb.onnx.load(encodeModel({ ...ok })), /the model has no graph/);
  assert.throws(() => nb.onnx.load(encodeModel({ ...ok, graph: graph([{ op_type: 'Einsum', input: ['x'], output: ['y'] }]) })), /the op "Einsum" is not supported \(nb.onnx.supportedOps lists the \d+ supported ops\)/);
  assert.throws(() => nb.onnx.load(encodeModel({ ...ok, graph: graph([{ op_type: 'Relu', input: ['z'], output: ['y'] }]) })), /reads "z", which no earlier node/);
  assert.throws(() => nb.onnx.load(encodeModel({ ...ok, graph: graph([{ op_type: 'Relu', input: ['x'], output: ['w'] }]) })), /the graph output "y" is never produced/);
  const badInit = graph([{ op_type: 'Add', input: ['x', 'b'], output: ['y'] }], { initializer: [{ name: 'b', dims: [3], data_type: 1, raw_data: new Uint8Array(8) }] });
  assert.throws(() => nb.onnx.load(encodeModel({ ...ok, graph: badInit })), /initializer "b": raw_data has 8 bytes, but dims \[3\] of data type 1 need 12/);
  const huge = graph([{ op_type: 'Add', input: ['x', 'b'], output: ['y'] }], { initializer: [{ name: 'b', dims: [1e6, 1e6], data_type: 1 }] });
  assert.throws(() => nb.onnx.load(encodeModel({ ...ok, graph: huge })), /more than the limit/);
  const good = nb.onnx.load(encodeModel({ ...ok, graph: graph([{ op_type: 'Relu', input: ['x'], output: ['y'] }]) }));
  assert.throws(() => good.forward(nb.randn([3])), /OnnxModel: input "x" must have shape \[2\], got \[3\]/);
  assert.throws(() => good.forward(), /OnnxModel: expected 1 inputs \("x"\), got 0/);
  const badAttr = graph([{ op_type: 'Softmax', input: ['x'], output: ['y'], attribute: [{ name: 'axis', type: 1, f: 0.5 }] }]);
  assert.throws(() => nb.onnx.load(encodeModel({ ...ok, graph: badAttr })).forward(nb.randn([2])), /"Softmax" node 0: attribute 'axis' must be an int/);
});

test('fuzzed ONNX files are loaded consistently or rejected with an onnx.load error', () => {
  nb.manualSeed(11);
  const tiny = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(8, 3), new nn.Softmax(-1));
  const x = nb.randn([1, 1, 4, 4]);
  const gru = new nn.GRU(2, 3);
  const seeds = [nb.onnx.exportModel(tiny, x), nb.onnx.exportModel(gru, nb.randn([2, 1, 2]))];
  const report = runFuzz(
    {
      format: 'ONNX',
      seeds,
      read: (bytes) => {
        const model = nb.onnx.load(bytes);
        const inputs = model.inputNames.map(() => x);
        try {
          return { model, output: nb.noGrad(() => model.forward(...inputs)) };
        } catch (e) {
          // Running a mutated graph on the seed's input may fail; it must fail with a named error.
          if (!/^(onnx\.load|OnnxModel)/.test((e as Error).message)) throw e;
          return { model, output: null };
        }
      },
      check: ({ model }) => assert.ok(model instanceof nb.onnx.OnnxModel),
      errorPrefix: /^(onnx\.load|OnnxModel)/,
    },
    fuzzCount(3000),
    fuzzSeed(19),
  );
  console.log(`fuzz ONNX: ${report.inputs} inputs (${report.accepted} accepted, ${report.rejected} rejected) in ${(report.totalMs / 1000).toFixed(1)} s; slowest ${report.slowestMs.toFixed(1)} ms`);
  assert.ok(report.accepted > 0 && report.rejected > 0, JSON.stringify(report));
});
