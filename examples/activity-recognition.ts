/**
 * The seeds' Keras activity-recognition model (a CNN-LSTM: TimeDistributed Conv1D blocks over
 * sub-windows of an accelerometer recording, an LSTM over them, a softmax) in Nabla.
 * Data: no activity data set is at hand, so the windows are synthesised (seeded), shaped like
 * UCI HAR's: 3-axis acceleration at 50 Hz, 128 samples (2.56 s) per window, 6 activities. Walking,
 * walking upstairs and downstairs are periodic (step frequency about 1.8-2.2 Hz with its harmonic;
 * the stairs differ in rhythm, vertical swing and a drift), sitting, standing and lying are still
 * (gravity along a posture-dependent axis, a little sway); each window gets its own frequency,
 * amplitude, phase, sensor tilt and noise, so the classes overlap somewhat.
 *
 *   npx tsx examples/activity-recognition.ts      (NABLA_EXAMPLE_SHORT=1: 600 windows, 3 epochs)
 *
 * Expected output (full run, about 15 seconds):
 *   epoch 1: loss 0.7355
 *   ...
 *   epoch 8: loss 0.1715
 *   test accuracy: 95.4%
 *   per activity: walking 96%, upstairs 97%, downstairs 97%, sitting 95%, standing 88%, lying 100%
 * Short mode (the test runs it): epoch 3: loss 0.9053, test accuracy: 70.7%
 */
import * as nb from '../src/index.js';

const { nn } = nb;
const short = process.env.NABLA_EXAMPLE_SHORT === '1';
nb.manualSeed(0);
const activities = ['walking', 'upstairs', 'downstairs', 'sitting', 'standing', 'lying'];

// Per activity: step frequency (Hz), swing amplitude per axis (g), harmonic weight, drift (g/s),
// and the gravity direction of the posture.
const classes = nb.tensor([
  /* walking    */ [2.0, 0.30, 0.15, 0.45, 0.30, 0.0, 0.0, 1.0, 0.0],
  /* upstairs   */ [1.7, 0.20, 0.10, 0.35, 0.55, 0.04, 0.0, 1.0, 0.1],
  /* downstairs */ [2.2, 0.35, 0.20, 0.55, 0.15, -0.04, 0.0, 1.0, -0.1],
  /* sitting    */ [0.3, 0.02, 0.02, 0.02, 0.0, 0.0, 0.5, 0.85, 0.0],
  /* standing   */ [0.3, 0.02, 0.02, 0.02, 0.0, 0.0, 0.2, 0.98, 0.0],
  /* lying      */ [0.2, 0.01, 0.01, 0.01, 0.0, 0.0, 0.95, 0.1, 0.3],
]);

/** `n` windows [n, 3, 128] and their activity labels. */
function synthesise(n: number): [nb.Tensor, nb.Tensor] {
  const labels = nb.randint(0, activities.length, [n]);
  const p = classes.indexSelect(0, labels); // [n, 9]
  const column = (i: number) => p.narrow(1, i, 1).unsqueeze(2); // [n, 1, 1]
  const jitter = (scale: number, shape = [n, 1, 1]) => nb.randn(shape).mul(scale).add(1);
  const t = nb.arange(128).div(50).reshape([1, 1, 128]);
  const phase = nb.rand([n, 1, 1]).mul(2 * Math.PI);
  const angle = t.mul(column(0).mul(jitter(0.08)).mul(2 * Math.PI)).add(phase);
  const swing = p.narrow(1, 1, 3).unsqueeze(2).mul(jitter(0.2, [n, 3, 1])); // per axis
  const motion = swing.mul(angle.sin().add(angle.mul(2).sin().mul(column(4))));
  const gravity = p.narrow(1, 6, 3).unsqueeze(2).add(nb.randn([n, 3, 1]).mul(0.12)); // posture + tilt
  const drift = column(5).mul(t);
  return [gravity.add(motion).add(drift).add(nb.randn([n, 3, 128]).mul(0.05)), labels];
}

const [xTrain, yTrain] = synthesise(short ? 600 : 4000);
const [xTest, yTest] = synthesise(short ? 400 : 1000);
// Keras's input for TimeDistributed: 4 sub-windows of 32 samples, [N, 4, 3, 32].
const subWindows = (x: nb.Tensor) => x.reshape([-1, 3, 4, 32]).permute([0, 2, 1, 3]);
const train = new nb.data.DataLoader(new nb.data.TensorDataset(subWindows(xTrain), yTrain), { batchSize: 32, shuffle: true, seed: 0 });

// Keras: TimeDistributed(Conv1D(16, 3)) -> TimeDistributed(MaxPooling1D) -> TimeDistributed(Flatten)
// -> LSTM(32) -> Dense(6, softmax). The per-step block ends in a LazyLinear so the LSTM's input
// size is ours to choose (32) rather than computed from the pooled length.
const model = new nn.Sequential(
  new nn.TimeDistributed(new nn.Sequential(new nn.LazyConv1d(16, 3), new nn.ReLU(), new nn.MaxPool1d(2), new nn.Flatten(), new nn.LazyLinear(32), new nn.ReLU())),
  new nn.LSTM(32, 32, { batchFirst: true }),
  new nn.RecurrentOutput({ batchFirst: true }), // return_sequences=False
  new nn.LazyLinear(activities.length),
);

const history = await nb.train.fit(model, {
  train,
  loss: nb.F.crossEntropy,
  optimizer: new nb.optim.Adam(model.parameters(), { lr: 3e-3 }),
  epochs: short ? 3 : 8,
  verbose: 0,
});
history.get('loss').forEach((loss, epoch) => console.log(`epoch ${epoch + 1}: loss ${loss.toFixed(4)}`));

model.eval();
const predicted = nb.noGrad(() => model.forward(subWindows(xTest)).argmax(1));
const right = predicted.eq(yTest).float();
console.log(`test accuracy: ${(100 * right.mean().item()).toFixed(1)}%`);
const perClass = activities.map((name, c) => {
  const ofClass = yTest.eq(c).float();
  return `${name} ${((100 * right.mul(ofClass).sum().item()) / ofClass.sum().item()).toFixed(0)}%`;
});
console.log(`per activity: ${perClass.join(', ')}`);
