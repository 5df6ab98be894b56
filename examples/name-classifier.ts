/**
 * The seeds' Keras name classifier (Embedding -> SimpleRNN -> Dense softmax) in Nabla: a
 * character-level RNN reads a word letter by letter and says whether it is a proper name.
 * Data: no names corpus with genders or languages is at hand, so the task is built from the shared
 * English word list (Debian wamerican): its capitalised entries (people and places: "bessie",
 * "bamako") against its common words ("parchment"), all lower-cased, names that are also words left
 * out; 4,000 of each in examples/data/names-vs-words.txt (scripts/make_names_vs_words.py).
 * Chance is 50%; the spelling alone (endings like -a, -son, -ville; letters like k, z) carries it.
 *
 *   npx tsx examples/name-classifier.ts      (NABLA_EXAMPLE_SHORT=1: 1,200 words, 3 epochs)
 *
 * Expected output (full run, about 20 seconds):
 *   epoch 1: loss 0.5629
 *   ...
 *   epoch 12: loss 0.3150
 *   test accuracy: 77.9%
 *   P(name): carlsbad (name) 0.94, gladys (name) 0.74, fur (word) 0.10, nevada (name) 0.99, beauregard (name) 0.94, xes (name) 0.67
 * Short mode (the test runs it): epoch 3: loss 0.5211, test accuracy: 64.2%
 */
import { readFileSync } from 'node:fs';
import * as nb from '../src/index.js';

const { nn } = nb;
const short = process.env.NABLA_EXAMPLE_SHORT === '1';
nb.manualSeed(0);

// Each word as letter ids (a = 1 ... z = 26), zeros in front up to 10 (Keras's pad_sequences):
// the RNN's last step then sees the word's last letter.
const maxLength = 10;
const encode = (word: string): number[] => [...Array(maxLength - word.length).fill(0), ...[...word].map((c) => c.charCodeAt(0) - 96)];
const lines = readFileSync(new URL('data/names-vs-words.txt', import.meta.url), 'utf8').trim().split('\n');
const used = short ? lines.slice(0, 1200) : lines;
const x = nb.tensor(used.map((line) => encode(line.slice(2))), { dtype: 'int32' });
const y = nb.tensor(used.map((line) => (line[0] === 'N' ? 1 : 0)), { dtype: 'int32' });
const split = Math.floor(used.length * 0.8);
const train = new nb.data.DataLoader(new nb.data.TensorDataset(x.narrow(0, 0, split), y.narrow(0, 0, split)), { batchSize: 32, shuffle: true, seed: 0 });
const [xTest, yTest] = [x.narrow(0, split, used.length - split), y.narrow(0, split, used.length - split)];

// Keras: Embedding(27, 16) -> SimpleRNN(64) -> Dense(2, softmax). RecurrentOutput keeps the last
// step (return_sequences=False); the softmax lives in the cross-entropy loss.
const model = new nn.Sequential(
  new nn.Embedding(27, 16, { paddingIdx: 0 }),
  new nn.RNN(16, 64, { batchFirst: true }),
  new nn.RecurrentOutput({ batchFirst: true }),
  new nn.LazyLinear(2),
);

const history = await nb.train.fit(model, {
  train,
  loss: nb.F.crossEntropy,
  optimizer: new nb.optim.Adam(model.parameters(), { lr: 3e-3 }),
  epochs: short ? 3 : 12,
  verbose: 0,
});
history.get('loss').forEach((loss, epoch) => console.log(`epoch ${epoch + 1}: loss ${loss.toFixed(4)}`));

model.eval();
const accuracy = nb.noGrad(() => model.forward(xTest).argmax(1).eq(yTest).float().mean().item());
console.log(`test accuracy: ${(100 * accuracy).toFixed(1)}%`);
// The first few held-out words with the model's probability that each is a name.
const pName = nb.noGrad(() => nb.softmax(model.forward(xTest.narrow(0, 0, 6)), 1).select(1, 1).toArray() as number[]);
const shown = used.slice(split, split + 6).map((line, i) => `${line.slice(2)} (${line[0] === 'N' ? 'name' : 'word'}) ${pName[i]!.toFixed(2)}`);
console.log(`P(name): ${shown.join(', ')}`);
