/**
 * Course 4, week 1: a convolutional network the Keras way: layers stacked in nn.Sequential, a
 * summary, then train.fit with a loss, an optimizer and an accuracy metric (model.compile +
 * model.fit in Keras). The course's SIGNS task (hand signs for the numbers 0 to 5) is played by
 * the bundled 8x8 digits 0 to 5: CONV2D -> RELU -> MAXPOOL -> CONV2D -> RELU -> MAXPOOL -> FLATTEN
 * -> DENSE (the softmax lives in the cross-entropy loss).
 *
 *   npx tsx examples/keras-cnn.ts      (NABLA_EXAMPLE_SHORT=1: 2 epochs)
 *
 * Expected output (full run, about 4 seconds):
 *   train: 866 images, test: 217 images, 6 classes
 *   (the summary: each layer's output shape and parameters, 1,638 in all)
 *   epoch  1: loss 1.5231, accuracy 59.8%, test accuracy 81.1%
 *   epoch  5: loss 0.0970, accuracy 97.2%, test accuracy 97.2%
 *   epoch 10: loss 0.0311, accuracy 99.4%, test accuracy 99.5%
 *   epoch 15: loss 0.0110, accuracy 99.8%, test accuracy 99.5%
 *   epoch 20: loss 0.0087, accuracy 100.0%, test accuracy 100.0%
 *   test accuracy per class: 0 100% | 1 100% | 2 100% | 3 100% | 4 100% | 5 100%
 * Short mode (the test runs it): epoch  2: loss 0.557, test accuracy 94.5%
 */
import * as nb from '../src/index.js';
const { nn, data } = nb;

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const epochs = short ? 2 : 20;
nb.manualSeed(0);

// Data: the digits 0-5 as [N, 1, 8, 8] images in [0, 1], 80% to train, 20% to test (stratified).
const digits = data.loadDigits();
const keep = nb.tensor(Array.from(digits.labels.toTypedArray()).flatMap((y, i) => (y <= 5 ? [i] : [])), { dtype: 'int32' });
const images = digits.images.indexSelect(0, keep).div(16);
const labels = digits.labels.indexSelect(0, keep);
const { train, test } = data.trainDevTestSplit(new data.TensorDataset(images, labels), { test: 0.2, stratify: labels, seed: 0 });
console.log(`train: ${train.length} images, test: ${test.length} images, 6 classes`);

// The model: 'same' padding keeps 8x8 through each convolution, each pooling halves it.
const model = new nn.Sequential(
  new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), // 8 x 4 x 4
  new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), // 16 x 2 x 2
  new nn.Flatten(), new nn.Linear(16 * 2 * 2, 6),
);
console.log(model.summary([1, 1, 8, 8]));

// model.fit: mini-batches of 32, reshuffled every epoch, Adam, cross-entropy; test accuracy after each epoch.
const history = await nb.train.fit(model, {
  train: new data.DataLoader(train, { batchSize: 32, shuffle: true, seed: 0 }),
  validation: new data.DataLoader(test, { batchSize: 256 }),
  loss: (logits, y) => nb.F.crossEntropy(logits, y),
  optimizer: new nb.optim.Adam(model.parameters(), { lr: 0.005 }),
  metrics: { accuracy: 'accuracy' },
  epochs,
  verbose: 0,
});
const percent = (v: number) => `${(100 * v).toFixed(1)}%`;
for (const epoch of history.epochs) {
  if (epoch === 0 || (epoch + 1) % 5 === 0 || epoch === epochs - 1) {
    const at = (name: string) => history.get(name)[epoch]!;
    console.log(`epoch ${String(epoch + 1).padStart(2)}: loss ${at('loss').toFixed(4)}, accuracy ${percent(at('accuracy'))}, test accuracy ${percent(at('val_accuracy'))}`);
  }
}

// model.predict on the test set, then the accuracy of each class.
const testBatches = [...new data.DataLoader(test, { batchSize: 256 })];
const predicted = (await nb.train.predict(model, testBatches)).argmax(1);
const yTest = nb.cat(testBatches.map(([, y]) => y));
const perClass = Array.from({ length: 6 }, (_, c) => {
  const mask = yTest.eq(c);
  return `${c} ${Math.round((100 * predicted.eq(yTest).logicalAnd(mask).sum().item()) / mask.sum().item())}%`;
});
console.log(`test accuracy per class: ${perClass.join(' | ')}`);
