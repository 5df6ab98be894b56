/**
 * Course 2, week 1: gradient checking. Flatten every parameter of a small network into one vector
 * theta, estimate dJ/dtheta_i by two-sided differences (J(theta + eps e_i) - J(theta - eps e_i)) / 2 eps,
 * and compare with backpropagation's gradient by ||approx - grad|| / (||approx|| + ||grad||): below
 * 1e-7 is right, above 1e-3 is a bug. Then plant a bug (a wrong gradient) and watch the check catch it.
 * float64 throughout, as the check needs.
 *
 *   npx tsx examples/gradient-checking.ts      (NABLA_EXAMPLE_SHORT=1: a smaller batch)
 *
 * Expected output (full run, about a second):
 *   parameters: 3 -> 5 -> 3 -> 1 network, 42 numbers
 *   backprop vs two-sided differences: difference 2.6e-9 (correct)
 *   with a planted bug in one gradient: difference 5.4e-2 (bug)
 * Short mode (the test runs it): 42 numbers, difference 1.2e-8 (correct), difference 2.4e-2 (bug)
 */
import * as nb from '../src/index.js';

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
nb.manualSeed(1);
const m = short ? 4 : 16;
const x = nb.randn([m, 3], { dtype: 'float64' });
const y = nb.randint(0, 2, [m, 1]).to('float64');
const model = new nb.nn.Sequential(
  new nb.nn.Linear(3, 5, { dtype: 'float64' }), new nb.nn.ReLU(),
  new nb.nn.Linear(5, 3, { dtype: 'float64' }), new nb.nn.ReLU(),
  new nb.nn.Linear(3, 1, { dtype: 'float64' }),
);
const params = [...model.parameters()];
const cost = () => nb.F.binaryCrossEntropyWithLogits(model.forward(x), y);
console.log(`parameters: 3 -> 5 -> 3 -> 1 network, ${params.reduce((n, p) => n + p.numel(), 0)} numbers`);

// Backprop's gradient, flattened in the same order as theta.
for (const p of params) p.grad = null;
cost().backward();
const grad = params.flatMap((p) => Array.from(p.grad!.toTypedArray()));

// Two-sided differences, one parameter element at a time.
const eps = 1e-7;
const approx: number[] = [];
nb.noGrad(() => {
  for (const p of params) {
    const values = p.data;
    for (let i = 0; i < values.length; i++) {
      const saved = values[i]!;
      values[i] = saved + eps;
      const plus = cost().item();
      values[i] = saved - eps;
      const minus = cost().item();
      values[i] = saved;
      approx.push((plus - minus) / (2 * eps));
    }
  }
});

const norm = (v: number[]) => Math.sqrt(v.reduce((s, a) => s + a * a, 0));
const difference = (g: number[]) => norm(approx.map((a, i) => a - g[i]!)) / (norm(approx) + norm(g));
const verdict = (d: number) => (d < 1e-7 ? 'correct' : d > 1e-3 ? 'bug' : 'suspicious');
const d = difference(grad);
console.log(`backprop vs two-sided differences: difference ${d.toExponential(1)} (${verdict(d)})`);
// A planted bug: the first layer's bias gradient doubled, as a wrong derivative would.
const buggy = grad.map((g, i) => (i >= 15 && i < 20 ? 2 * g : g));
const db = difference(buggy);
console.log(`with a planted bug in one gradient: difference ${db.toExponential(1)} (${verdict(db)})`);
