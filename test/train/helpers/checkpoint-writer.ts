/**
 * Child process for the ModelCheckpoint kill test: saves a large model through ModelCheckpoint
 * over and over, announcing each save on stdout, until it is killed.
 */
import * as nb from '../../../src/index.js';
import { ModelCheckpoint } from '../../../src/train/node.js';

const path = process.argv[2]!;
nb.manualSeed(1);
const model = new nb.nn.Sequential(new nb.nn.Linear(1000, 2000), new nb.nn.Linear(2000, 1000));
const checkpoint = new ModelCheckpoint(path, { monitor: 'loss' });
checkpoint.setContext({ model, optimizer: null, epochs: 1, steps: null, stop: () => {} });
for (let epoch = 0; ; epoch++) {
  process.stdout.write(`saving ${epoch}\n`);
  checkpoint.onEpochEnd(epoch, { loss: 1 / (epoch + 1) });
}
