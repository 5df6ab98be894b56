/**
 * Course 5, week 1: a character-level language model that invents new names. An RNN reads a name
 * one character at a time and predicts the next one; trained on a list of names, it samples new
 * ones character by character (the softmax over the next character, at a temperature) until it
 * writes the end-of-name character. The course's list of dinosaur names is not bundled, so the
 * names here are English words: the 63,875 lower-case words of ../shared/datasets/text/words.txt
 * when present, else (and always in short mode) the 1,632 distinct words of examples/data/genesis.txt.
 *
 *   npx tsx examples/dinosaur-names.ts      (NABLA_EXAMPLE_SHORT=1: Genesis words, 30 steps)
 *
 * Expected output (full run, about 30 seconds):
 *   63875 names, 27 characters, e.g. a, aardvark, aardvarks, abaci, aback
 *   step    1: loss 3.29 per character (uniform guessing: 3.30)
 *   step  300: loss 2.28 per character (uniform guessing: 3.30)
 *   step  600: loss 2.10 per character (uniform guessing: 3.30)
 *   step  900: loss 2.04 per character (uniform guessing: 3.30)
 *   step 1200: loss 2.01 per character (uniform guessing: 3.30)
 *   step 1500: loss 1.99 per character (uniform guessing: 3.30)
 *   temperature 0.5: bardies, posters, perchisters, regrass, carchimility, fanning, intrapper, contiguses (6 of 8 new)
 *   temperature 1: expetpetes, irmenses, randmin, bobsive, swinseoscation, unfadgeshing, groinking, sposhing (8 of 8 new)
 * Short mode (the test runs it): step   30: loss 2.48 per character
 */
import { existsSync } from 'node:fs';
import * as nb from '../src/index.js';
import { text as nodeText } from '../src/node.js';
const { nn, text } = nb;

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const steps = short ? 30 : 1500;
nb.manualSeed(0);

// Names: one per line, lower-case letters only. '\n' marks the end of a name (and the start of the next).
const wordList = new URL('../../shared/datasets/text/words.txt', import.meta.url).pathname;
const names = !short && existsSync(wordList)
  ? nodeText.readTextFile(wordList).split('\n').filter((w) => /^[a-z]+$/.test(w))
  : [...new Set(nodeText.readKjv(new URL('data/genesis.txt', import.meta.url).pathname).flat())].filter((w) => /^[a-z]+$/.test(w));
const vocab = text.Vocab.build([[...names.join('\n'), '\n']], { specials: [] });
console.log(`${names.length} names, ${vocab.size} characters, e.g. ${names.slice(0, 5).join(', ')}`);

// The model: embedding -> RNN (tanh, 128 units) -> linear to the next character's logits.
const embed = new nn.Embedding(vocab.size, 32);
const rnn = new nn.RNN(32, 128);
const head = new nn.Linear(128, vocab.size);
const parameters = [...embed.parameters(), ...rnn.parameters(), ...head.parameters()];
const run = (ids: nb.Tensor, h?: nb.Tensor): [nb.Tensor, nb.Tensor] => {
  const [out, hN] = rnn.forward(embed.forward(ids), h);
  return [head.forward(out), hN];
};

// Training: the names in a shuffled order as one stream, cut into 32 parallel streams and windows of
// 24 characters (truncated backpropagation through time: the state goes on, its history does not);
// gradients clipped to norm 5 against exploding gradients, as in the course.
const shuffled = Array.from(nb.randperm(names.length, { generator: new nb.Generator(0) }).toTypedArray(), (i) => names[i]!);
const streams = text.batchify(vocab.encode([...shuffled.join('\n'), '\n']), 32);
const optimizer = new nb.optim.Adam(parameters, { lr: 3e-3 });
let step = 0;
let [recent, count] = [0, 0];
training: for (;;) {
  let h: nb.Tensor | undefined;
  for (const { input, target } of text.bpttWindows(streams, 24)) {
    const [logits, hN] = run(input, h);
    h = hN.detach();
    const loss = nb.F.crossEntropy(logits.reshape([-1, vocab.size]), target.reshape([-1]));
    optimizer.zeroGrad();
    loss.backward();
    nb.optim.clipGradNorm(parameters, 5);
    optimizer.step();
    recent += loss.item();
    count++;
    step++;
    if (step === 1 || step % (steps / 5) === 0) {
      console.log(`step ${String(step).padStart(4)}: loss ${(recent / count).toFixed(2)} per character (uniform guessing: ${Math.log(vocab.size).toFixed(2)})`);
      [recent, count] = [0, 0];
    }
    if (step === steps) break training;
  }
}

// Sampling: start after an end-of-name, draw characters until the next one.
const model = (ids: nb.Tensor) => run(ids)[0];
const known = new Set(names);
for (const temperature of [0.5, 1]) {
  const sampled = Array.from({ length: 8 }, (_, k) =>
    text.generate(model, ['\n'], { vocab, temperature, maxLength: 20, stopAt: '\n', seed: k, batchFirst: false }).join(''));
  const fresh = sampled.filter((s) => !known.has(s)).length;
  console.log(`temperature ${temperature}: ${sampled.join(', ')} (${fresh} of 8 new)`);
}
