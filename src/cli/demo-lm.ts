/**
 * `nabla demo lm`: a character-level LSTM language model trained on an English word list (or the
 * KJV text), sampled at a few temperatures, with its validation perplexity per character. Built
 * from the public API: text.Vocab / batchify / bpttWindows / generate, nn, optim, F.
 */
import * as nb from '../index.js';
import { text } from '../index.js';
import { readKjv, readTextFile } from '../text/node.js';
import { checkKnownOptions, numberOption, stringOption, type ParsedArgs } from './args.js';

export interface DemoLmResult {
  steps: number;
  seconds: number;
  trainLoss: number;
  validationPerplexity: number;
  samples: { temperature: number; words: string[] }[];
  novel: number;
}

/** Embedding -> LSTM -> Linear over characters; state carried between BPTT windows. */
class CharModel extends nb.nn.Module {
  readonly embed: nb.nn.Embedding;
  readonly lstm: nb.nn.LSTM;
  readonly head: nb.nn.Linear;
  constructor(vocab: number, embedding: number, hidden: number) {
    super();
    this.embed = new nb.nn.Embedding(vocab, embedding);
    this.lstm = new nb.nn.LSTM(embedding, hidden);
    this.head = new nb.nn.Linear(hidden, vocab);
  }
  /** ids [T, B] -> logits [T, B, V] and the final state. */
  step(ids: nb.Tensor, state?: [nb.Tensor, nb.Tensor]): [nb.Tensor, [nb.Tensor, nb.Tensor]] {
    const [out, next] = this.lstm.forward(this.embed.forward(ids), state);
    return [this.head.forward(out), next];
  }
  forward(ids: nb.Tensor): nb.Tensor {
    return this.step(ids)[0];
  }
}

const NEWLINE = '\n';

export function demoLm(args: ParsedArgs, log: (line: string) => void): DemoLmResult {
  checkKnownOptions(args, 'nabla demo lm', ['data', 'corpus', 'seconds', 'steps', 'hidden', 'seed']);
  const corpus = stringOption(args, 'corpus') ?? 'words';
  if (corpus !== 'words' && corpus !== 'kjv') throw new Error(`nabla demo lm: --corpus must be words or kjv, got '${corpus}'`);
  const path = stringOption(args, 'data') ?? `../shared/datasets/text/${corpus === 'words' ? 'words.txt' : 'kjv.txt'}`;
  const seconds = numberOption(args, 'seconds', 60, { min: 1 });
  const maxSteps = numberOption(args, 'steps', Infinity, { integer: true, min: 1 });
  const hidden = numberOption(args, 'hidden', 128, { integer: true, min: 4 });
  const seed = numberOption(args, 'seed', 0, { integer: true, min: 0 });
  nb.manualSeed(seed);

  // Items: lower-case words (no names, no possessives), or verses; each ends with a newline.
  const items = corpus === 'words'
    ? readTextFile(path).split('\n').filter((w) => /^[a-z]+$/.test(w))
    : readKjv(path).map((v) => v.join(' '));
  const order = Array.from(items.keys());
  const g = new nb.Generator(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(g.nextDouble() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const shuffled = order.map((i) => items[i]!);
  const validationCount = Math.max(1, Math.floor(shuffled.length * 0.05));
  const train = shuffled.slice(validationCount);
  const validation = shuffled.slice(0, validationCount);
  const vocab = text.Vocab.build(train.map((w) => [...w, NEWLINE]), { specials: [] });
  const encode = (list: string[]): number[] => list.flatMap((w) => vocab.encode([...w, NEWLINE]));
  log(`Corpus: ${items.length} ${corpus === 'words' ? 'words' : 'verses'} from ${path} (${train.length} training, ${validation.length} validation), ${vocab.size} characters.`);

  const batchSize = 32;
  const bptt = 32;
  const streams = text.batchify(encode(train), batchSize);
  const validationStreams = text.batchify(encode(validation), 8);
  const model = new CharModel(vocab.size, 32, hidden);
  const optimizer = new nb.optim.Adam(model.parameters(), { lr: 3e-3 });
  const started = performance.now();
  let steps = 0;
  let recent = 0;
  let recentCount = 0;
  let trainLoss = NaN;
  training: for (let epoch = 0; ; epoch++) {
    let state: [nb.Tensor, nb.Tensor] | undefined;
    for (const { input, target } of text.bpttWindows(streams, bptt)) {
      const [logits, next] = model.step(input, state);
      // Truncated backpropagation through time: the state goes on, its history does not.
      state = [next[0].detach(), next[1].detach()];
      const loss = nb.F.crossEntropy(logits.reshape([-1, vocab.size]), target.reshape([-1]));
      optimizer.zeroGrad();
      loss.backward();
      nb.optim.clipGradNorm(model.parameters(), 1);
      optimizer.step();
      steps++;
      recent += loss.item();
      recentCount++;
      const elapsed = (performance.now() - started) / 1000;
      if (steps % 200 === 0) {
        trainLoss = recent / recentCount;
        log(`epoch ${epoch + 1}, step ${steps}: training loss ${trainLoss.toFixed(3)} (${elapsed.toFixed(0)} s)`);
        recent = 0;
        recentCount = 0;
      }
      if (elapsed >= seconds || steps >= maxSteps) break training;
    }
  }
  if (recentCount > 0) trainLoss = recent / recentCount;
  const trainSeconds = (performance.now() - started) / 1000;

  // Validation perplexity per character: exp of the mean cross-entropy over the held-out streams.
  let total = 0;
  let count = 0;
  nb.noGrad(() => {
    let state: [nb.Tensor, nb.Tensor] | undefined;
    for (const { input, target } of text.bpttWindows(validationStreams, bptt)) {
      const [logits, next] = model.step(input, state);
      state = next;
      const n = target.shape[0]! * target.shape[1]!;
      total += nb.F.crossEntropy(logits.reshape([-1, vocab.size]), target.reshape([-1])).item() * n;
      count += n;
    }
  });
  const validationPerplexity = Math.exp(total / count);
  log(`Trained ${steps} steps in ${trainSeconds.toFixed(0)} s; validation perplexity ${validationPerplexity.toFixed(2)} per character.`);

  const known = new Set(items);
  const samples: DemoLmResult['samples'] = [];
  let novel = 0;
  let sampled = 0;
  for (const temperature of [0.5, 0.8, 1.0]) {
    const words: string[] = [];
    for (let k = 0; k < 8; k++) {
      const out = text.generate(model, [NEWLINE], { vocab, temperature, maxLength: corpus === 'words' ? 20 : 120, stopAt: NEWLINE, seed: seed * 1000 + k + temperature * 100, batchFirst: false });
      words.push(out.join(''));
    }
    samples.push({ temperature, words });
    novel += words.filter((w) => w.length > 0 && !known.has(w)).length;
    sampled += words.length;
    log(`temperature ${temperature}: ${words.join(corpus === 'words' ? ', ' : ' | ')}`);
  }
  log(`${novel} of ${sampled} samples are not in the training data.`);
  return { steps, seconds: trainSeconds, trainLoss, validationPerplexity, samples, novel };
}
