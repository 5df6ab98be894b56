/**
 * Course 4, week 4: face verification and recognition with FaceNet's triplet loss. A network f
 * maps an image to a 32-number encoding on the unit sphere, trained so that
 * ||f(A) - f(P)|| + margin <= ||f(A) - f(N)|| for an anchor A, a positive P (same person) and a
 * negative N (someone else), with the hardest positive and negative of each anchor in the batch
 * (batch-hard mining; the loss is max(0, d(A, P) - d(A, N) + margin)). Then one picture per person
 * is enough: verify ("is this person X?" distance <= tau) and identify ("who is it?" the nearest
 * person, or unknown beyond tau). No faces are bundled, so the digits play the people: the network
 * learns on the digits 0-6, and the database holds one image each of 7, 8 and 9, people it never saw.
 *
 *   npx tsx examples/face-verification.ts      (NABLA_EXAMPLE_SHORT=1: 60 training steps)
 *
 * Expected output (full run, about 10 seconds):
 *   step   1: triplet loss 0.240, active triplets 100%
 *   step 150: triplet loss 0.001, active triplets 2%
 *   step 300: triplet loss 0.000, active triplets 0%
 *   step 450: triplet loss 0.000, active triplets 0%
 *   step 600: triplet loss 0.009, active triplets 12%
 *   tau 0.60: held-out pairs of 0-6 98.3% right (equal error rate 2.7%)
 *   verify as person 7: 141/178 genuine accepted, 195/352 impostors rejected
 *   identify: nearest person right for 70.9% of 530 queries (chance 33.3%)
 *   people not in the database (held-out 0-6): 78.6% answered "unknown"
 * Short mode (the test runs it): step  60: triplet loss 0.015, tau 0.55: held-out pairs of 0-6 97.8% right, identify: nearest person right for 66.4% of 530 queries
 */
import * as nb from '../src/index.js';
const { nn } = nb;
const { face } = nb.vision;

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const steps = short ? 60 : 600;
nb.manualSeed(0);

// People: digit classes. Images [1, 8, 8] in [0, 1]; the first 80% of each of 0-6 train, the rest pick tau.
const digits = nb.data.loadDigits();
const images = digits.images.div(16);
const labels = Array.from(digits.labels.toTypedArray());
const ofPerson = (c: number) => labels.flatMap((y, i) => (y === c ? [i] : []));
const people = [0, 1, 2, 3, 4, 5, 6].map(ofPerson);
const trainIds = people.map((ids) => ids.slice(0, Math.floor(ids.length * 0.8)));
const heldOut = people.flatMap((ids) => ids.slice(Math.floor(ids.length * 0.8)));
const pick = (ids: readonly number[]) => images.indexSelect(0, nb.tensor([...ids], { dtype: 'int32' }));

// The encoder: a small CNN to 32 numbers, L2-normalised by EmbeddingNet.
const f = new face.EmbeddingNet(new nn.Sequential(
  new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Linear(32 * 2 * 2, 64), new nn.ReLU(), new nn.Linear(64, 32),
));
const optimizer = new nb.optim.Adam(f.parameters(), { lr: 2e-3 });
const g = new nb.Generator(1);
for (let step = 1; step <= steps; step++) {
  // A batch of 7 people x 6 images, so every anchor has positives and negatives in it.
  const batch = trainIds.flatMap((ids) => Array.from({ length: 6 }, () => ids[Math.floor(g.nextDouble() * ids.length)]!));
  const { loss, activeFraction } = face.batchHardTripletLoss(f.forward(pick(batch)), batch.map((i) => labels[i]!), { margin: 0.2 });
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  if (step === 1 || step % (steps / 4) === 0) console.log(`step ${String(step).padStart(3)}: triplet loss ${loss.item().toFixed(3)}, active triplets ${(100 * activeFraction).toFixed(0)}%`);
}
f.eval();

// tau: the distance threshold that best separates same / different people among held-out pairs of 0-6.
const encoded = nb.noGrad(() => f.forward(pick(heldOut)));
const distances = face.pairwiseDistances(encoded).toArray() as number[][];
const [d, same]: [number[], boolean[]] = [[], []];
heldOut.forEach((a, i) => heldOut.forEach((b, j) => {
  if (j > i) {
    d.push(distances[i]![j]!);
    same.push(labels[a] === labels[b]);
  }
}));
const tau = face.bestAccuracyThreshold(d, same);
console.log(`tau ${tau.threshold.toFixed(2)}: held-out pairs of 0-6 ${(100 * tau.accuracy).toFixed(1)}% right (equal error rate ${(100 * face.equalErrorRate(d, same).eer).toFixed(1)}%)`);

// The database: one picture each of three new people. Every other 7, 8 and 9 is a query.
const database = new face.EmbeddingIndex({ embed: (x) => f.forward(x), threshold: tau.threshold });
const queries: number[] = [];
for (const c of [7, 8, 9]) {
  const [reference, ...rest] = ofPerson(c);
  database.add(`person ${c}`, pick([reference!]));
  queries.push(...rest);
}
const truth = queries.map((i) => `person ${labels[i]}`);

// verify(image, identity): each query claims to be person 7. A tau chosen on the training people is
// loose for new ones (they sit closer together in an embedding that never saw them): many impostors pass.
const genuine = database.verify(pick(queries), 'person 7').filter((v, i) => truth[i] === 'person 7');
const impostor = database.verify(pick(queries), 'person 7').filter((v, i) => truth[i] !== 'person 7');
console.log(`verify as person 7: ${genuine.filter((v) => v.match).length}/${genuine.length} genuine accepted, ${impostor.filter((v) => !v.match).length}/${impostor.length} impostors rejected`);

// identify(image): "who is it?" among the three, never having trained on them.
const who = database.identify(pick(queries));
const nearest = who.filter((w, i) => w.nearest === truth[i]).length;
console.log(`identify: nearest person right for ${(100 * nearest / queries.length).toFixed(1)}% of ${queries.length} queries (chance 33.3%)`);
const strangers = database.identify(pick(heldOut)).filter((w) => w.identity === null).length;
console.log(`people not in the database (held-out 0-6): ${(100 * strangers / heldOut.length).toFixed(1)}% answered "unknown"`);
