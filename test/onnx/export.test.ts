/**
 * ONNX export: models traced by nb.onnx.exportModel run in onnxruntime-web (wasm, in Node) and
 * give Nabla's outputs within float32 tolerance; onnx.checker.check_model passes where Debian's
 * python3-onnx is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import * as nb from '../../src/index.js';
import { onnx as onnxNode } from '../../src/node.js';
import { nn, type Tensor } from '../../src/index.js';

ort.env.wasm.numThreads = 1;

const hasOnnx = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
if (!hasOnnx) console.log('# onnx.checker checks skipped: python3 with the onnx package (Debian python3-onnx) is not available');
const dir = mkdtempSync(join(tmpdir(), 'nabla-onnx-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function checkModel(bytes: Uint8Array, name: string): void {
  if (!hasOnnx) return;
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, bytes);
  const r = spawnSync('/usr/bin/python3', ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `onnx.checker rejected ${name}: ${r.stderr}`);
}

function ortTensor(t: Tensor): ort.Tensor {
  const data = t.contiguous().toTypedArray();
  return t.dtype === 'int32' ? new ort.Tensor('int32', data as Int32Array, [...t.shape]) : new ort.Tensor('float32', data as Float32Array, [...t.shape]);
}

/** Exports, runs in ONNX Runtime, and compares every output with the model's own (eval mode). */
async function roundTrip(name: string, model: nn.Module, inputs: Tensor[], options: nb.onnx.ExportOptions = {}, tol = 1e-4, feeds?: Tensor[]): Promise<void> {
  nb.manualSeed(1);
  const bytes = nb.onnx.exportModel(model, inputs, options);
  checkModel(bytes, name);
  const session = await ort.InferenceSession.create(bytes);
  const runInputs = feeds ?? inputs;
  const feed: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((n, i) => (feed[n] = ortTensor(runInputs[i]!)));
  const result = await session.run(feed);
  model.eval();
  const expected = nb.noGrad(() => (model.forward as (...xs: Tensor[]) => unknown)(...runInputs));
  const flat = (r: unknown): Tensor[] => (Array.isArray(r) ? r.flatMap(flat) : [r as Tensor]);
  const want = flat(expected);
  assert.equal(session.outputNames.length, want.length, `${name}: output count`);
  session.outputNames.forEach((n, i) => {
    const got = result[n]!;
    const ref = want[i]!;
    assert.deepEqual([...got.dims], [...ref.shape], `${name}: output ${n} shape`);
    const g = got.data as Float32Array;
    const r = ref.toTypedArray();
    let worst = 0;
    let scale = 1e-6;
    for (let k = 0; k < r.length; k++) {
      worst = Math.max(worst, Math.abs(g[k]! - r[k]!));
      scale = Math.max(scale, Math.abs(r[k]!));
    }
    assert.ok(worst <= tol * scale, `${name}: output ${n} differs from Nabla's by ${worst} (scale ${scale})`);
  });
}

test('zoo models export and match onnxruntime-web', async () => {
  nb.manualSeed(0);
  const lenet = nb.vision.models.lenet5();
  await roundTrip('lenet5', lenet, [nb.randn([2, 1, 32, 32])]);
  // The Node helper writes the same bytes to a path.
  const path = join(dir, 'lenet-file.onnx');
  const x = nb.randn([2, 1, 32, 32]);
  onnxNode.exportModelToFile(lenet, x, path);
  assert.deepEqual(new Uint8Array(readFileSync(path)), nb.onnx.exportModel(lenet, x));
  // The bytes own their buffer (not a view into Node's Buffer pool).
  const bytes = nb.onnx.exportModel(lenet, x);
  assert.equal(bytes.byteOffset, 0);
  assert.equal(bytes.buffer.byteLength, bytes.length);
  await roundTrip('resnet18', nb.vision.models.resnet18({ numClasses: 10 }), [nb.randn([1, 3, 64, 64])]);
  await roundTrip('mobilenetV2', nb.vision.models.mobilenetV2({ numClasses: 10 }), [nb.randn([1, 3, 64, 64])]);
  await roundTrip('mobilenetV3Small', nb.vision.models.mobilenetV3Small({ numClasses: 10 }), [nb.randn([1, 3, 64, 64])]);
  await roundTrip('googlenet', nb.vision.models.googlenet({ numClasses: 10 }), [nb.randn([1, 3, 64, 64])]);
});

test('heavy zoo models (NABLA_TEST_HEAVY=1)', { skip: process.env.NABLA_TEST_HEAVY === undefined ? 'set NABLA_TEST_HEAVY=1 to export AlexNet and VGG-11' : false }, async () => {
  await roundTrip('alexnet', nb.vision.models.alexnet({ numClasses: 10 }), [nb.randn([1, 3, 224, 224])]);
  await roundTrip('vgg11', nb.vision.models.vgg11({ numClasses: 10 }), [nb.randn([1, 3, 64, 64])]);
});

test('dynamic batch axis: exported at batch 2, run at batch 5', async () => {
  nb.manualSeed(2);
  const model = nb.vision.models.resnet18({ numClasses: 4 });
  await roundTrip('resnet-dynamic', model, [nb.randn([2, 3, 32, 32])], { inputNames: ['images'], outputNames: ['logits'], dynamicAxes: { images: { 0: 'batch' }, logits: { 0: 'batch' } } }, 1e-4, [nb.randn([5, 3, 32, 32])]);
});

class SequenceClassifier extends nn.Module {
  embedding = new nn.Embedding(20, 8);
  lstm = new nn.LSTM(8, 12, { numLayers: 2, batchFirst: true });
  gru = new nn.GRU(12, 6, { bidirectional: true, batchFirst: true });
  rnn = new nn.RNN(12, 5, { nonlinearity: 'relu', batchFirst: true });
  head = new nn.Linear(12 + 5, 3);
  forward(ids: Tensor): [Tensor, Tensor] {
    const [h] = this.lstm.forward(this.embedding.forward(ids));
    const [g, gN] = this.gru.forward(h);
    const [r] = this.rnn.forward(h);
    const last = nb.cat([g.select(1, -1), r.select(1, -1)], 1);
    return [nb.F.logSoftmax(this.head.forward(last), -1), gN];
  }
}

test('LSTM / GRU / RNN classifier exports as ONNX recurrent nodes with PyTorch gate order', async () => {
  nb.manualSeed(3);
  const ids = nb.randint(0, 20, [4, 7], { dtype: 'int32' });
  await roundTrip('rnn-classifier', new SequenceClassifier(), [ids]);
  // Initial states are sliced per layer; hN and cN stack every layer's final state.
  class WithState extends nn.Module {
    lstm = new nn.LSTM(5, 4, { numLayers: 2, bidirectional: true });
    forward(x: Tensor, h0: Tensor, c0: Tensor): Tensor[] {
      const [y, [h, c]] = this.lstm.forward(x, [h0, c0]);
      return [y, h, c];
    }
  }
  await roundTrip('lstm-state', new WithState(), [nb.randn([3, 2, 5]), nb.randn([4, 2, 4]), nb.randn([4, 2, 4])]);
});

class Encoder extends nn.Module {
  encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, activation: 'gelu', batchFirst: true }), 2);
  head = new nn.Linear(16, 5);
  forward(x: Tensor): Tensor {
    return nb.F.softmax(this.head.forward(this.encoder.forward(x)), -1);
  }
}

test('Transformer encoder exports (attention decomposed, LayerNormalization at opset 17, decomposed at 16)', async () => {
  nb.manualSeed(4);
  const model = new Encoder();
  await roundTrip('transformer', model, [nb.randn([2, 6, 16])]);
  await roundTrip('transformer-opset16', model, [nb.randn([2, 6, 16])], { opset: 16 });
});

class ConvZoo extends nn.Module {
  a = new nn.Conv2d(4, 8, 3, { groups: 2, dilation: 2, padding: 1, stride: 2 });
  b = new nn.ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 1 });
  c = new nn.ConvTranspose2d(4, 4, 2, { dilation: 2, bias: false });
  pool = new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
  avg = new nn.AvgPool2d(2, { stride: 1, padding: 1 });
  bn = new nn.BatchNorm2d(4);
  adaptive = new nn.AdaptiveAvgPool2d([2, 2]);
  forward(x: Tensor): Tensor {
    let y = this.b.forward(nb.F.hardswish(this.a.forward(x)));
    y = this.bn.forward(this.c.forward(nb.F.leakyRelu(y, 0.1)));
    y = this.avg.forward(this.pool.forward(nb.F.elu(y)));
    y = nb.F.hardsigmoid(this.adaptive.forward(y)).flatten(1);
    return nb.F.softplus(y.transpose(0, 1).narrow(0, 1, 5)).sigmoid().mul(nb.F.relu6(y.sum(0)).reshape([-1, 1]).narrow(0, 0, 5));
  }
}

test('conv, transposed conv (groups, dilation), pooling and activations', async () => {
  nb.manualSeed(5);
  const model = new ConvZoo();
  // Non-trivial running statistics.
  model.train();
  nb.noGrad(() => model.forward(nb.randn([3, 4, 16, 16])));
  await roundTrip('conv-zoo', model, [nb.randn([2, 4, 16, 16])]);
});

test('an op without an ONNX mapping is an error naming it; options are checked', () => {
  class Cumulative extends nn.Module {
    forward(x: Tensor): Tensor {
      return x.cumsum(1);
    }
  }
  assert.throws(() => nb.onnx.exportModel(new Cumulative(), nb.randn([2, 3])), /the op 'cumsum' \(inputs \[2, 3\]\) has no ONNX mapping/);
  const lin = new nn.Linear(3, 2);
  assert.throws(() => nb.onnx.exportModel(lin, nb.randn([2, 3]), { opset: 9 }), /opset must be an integer from 13 to 17, got 9/);
  assert.throws(() => nb.onnx.exportModel(lin, nb.randn([2, 3]), { opsets: 17 } as never), /unknown option 'opsets'/);
  assert.throws(() => nb.onnx.exportModel(lin, nb.randn([2, 3]), { inputNames: ['a', 'b'] }), /inputNames must be 1 non-empty strings/);
  assert.throws(() => nb.onnx.exportModel(lin, nb.randn([2, 3]), { dynamicAxes: { x: { 0: 'batch' } } }), /dynamicAxes names 'x'/);
  assert.throws(() => nb.onnx.exportModel(lin, [] as Tensor[]), /sampleInputs must be a Tensor or a non-empty array/);
  assert.throws(() => nb.onnx.exportModel({} as nn.Module, nb.randn([2, 3])), /model must be an nn.Module/);
  // The model is back in training mode afterwards.
  assert.equal(lin.training, true);
});
