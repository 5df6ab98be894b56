/**
 * Every bad input throws an Error whose message names the op, what it got and the rule broken.
 * Each case asserts the message content, not just that something was thrown.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

type Case = [name: string, fn: () => unknown, message: RegExp];

function check(cases: Case[]): void {
  for (const [name, fn, message] of cases) {
    test(name, () => {
      assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof Error, 'throws an Error');
        assert.match(e.message, message);
        return true;
      });
    });
  }
}

const x = nb.zeros([2, 3]);
const f64 = (values: nb.Nested<number>, requiresGrad = false): nb.Tensor => nb.tensor(values, { dtype: 'float64', requiresGrad });

describe('shape errors', () => {
  check([
    ['mismatched broadcast shapes', () => x.add(nb.zeros([4])), /^add: shapes \[2, 3\] and \[4\] cannot be broadcast together: at dim -1 the sizes are 3 and 4 \(each must be equal or 1\)$/],
    ['broadcast clash in a leading dim', () => nb.zeros([2, 1, 3]).mul(nb.zeros([5, 1, 1])), /^mul: shapes \[2, 1, 3\] and \[5, 1, 1\] cannot be broadcast together: at dim -3 the sizes are 2 and 5/],
    ['where with three clashing shapes', () => nb.where(nb.zeros([2], { dtype: 'bool' }), nb.zeros([3]), 0), /^where: shapes \[2\] and \[3\] and \[\] cannot be broadcast together/],
    ['matmul inner dims', () => x.matmul(nb.zeros([2, 3])), /^matmul: shapes \[2, 3\] and \[2, 3\] cannot be multiplied: the inner dims 3 and 2 differ/],
    ['matmul with a vector', () => x.matmul(nb.zeros([2])), /^matmul: shapes \[2, 3\] and \[2\] cannot be multiplied: the inner dims 3 and 2 differ \(a's last dim must equal b's only dim\)/],
    ['matmul batch dims', () => nb.zeros([2, 2, 3]).matmul(nb.zeros([3, 3, 4])), /^matmul: shapes \[2\] and \[3\] cannot be broadcast together/],
    ['matmul of a scalar', () => nb.tensor(2.5).matmul(x), /^matmul: both arguments need at least 1 dim, got shapes \[\] and \[2, 3\]/],
    ['matmul dtypes', () => x.matmul(nb.zeros([3, 2], { dtype: 'float64' })), /^matmul: both operands must have the same dtype, got float32 and float64/],
    ['mm rank', () => nb.mm(nb.zeros([3]), x), /^mm: expects two 2-D tensors, got shapes \[3\] and \[2, 3\]/],
    ['bmm batch', () => nb.bmm(nb.zeros([2, 2, 3]), nb.zeros([3, 3, 2])), /^bmm: expects two 3-D tensors \[B, M, K\] and \[B, K, N\] with the same B, got \[2, 2, 3\] and \[3, 3, 2\]/],
    ['dot lengths', () => nb.dot(nb.zeros([3]), nb.zeros([4])), /^dot: expects two 1-D tensors of the same length, got shapes \[3\] and \[4\]/],
    ['linear in features, with a hint for images', () => nb.linear(nb.zeros([2, 28, 28]), nb.zeros([10, 784])), /^linear: input of shape \[2, 28, 28\] does not match weight \[10, 784\]: the input's last dim must be 784 \(in features\); flatten the input first/],
    ['reshape to an incompatible size', () => x.reshape([4, 2]), /^reshape: shape '\[4, 2\]' is invalid for input of size 6 \(input shape \[2, 3\]\)$/],
    ['reshape with a -1 that does not divide', () => nb.arange(6).reshape([4, -1]), /^reshape: shape '\[4, -1\]' is invalid for input of size 6/],
    ['reshape of an image batch with a -1 that does not divide', () => nb.randn([4, 3, 5, 5]).reshape([-1, 40]), /^reshape: shape '\[-1, 40\]' is invalid for input of size 300/],
    ['view with a -1 that does not divide', () => nb.arange(6).view([4, -1]), /^view: shape '\[4, -1\]' is invalid for input of size 6/],
    ['reshape of nothing with a -1', () => nb.zeros([0, 3]).reshape([0, -1]), /^reshape: cannot reshape tensor of 0 elements into shape '\[0, -1\]' because the unspecified dimension size -1 can be any value and is ambiguous/],
    ['reshape with a fractional size', () => x.reshape([1.5, 4]), /^reshape: invalid shape \[1.5, 4\]: every size must be a non-negative integer or -1; dim 0 got 1.5/],
    ['reshape with NaN', () => x.reshape([NaN, -1]), /^reshape: invalid shape \[NaN, -1\].*dim 0 got NaN/],
    ['reshape with -2', () => x.reshape([-2, -3]), /^reshape: invalid shape \[-2, -3\].*dim 0 got -2/],
    ['reshape with Infinity', () => x.reshape([Infinity, 0]), /^reshape: invalid shape \[Infinity, 0\].*dim 0 got Infinity/],
    ['unflatten with a -1 that does not divide', () => nb.zeros([2, 6]).unflatten(1, [4, -1]), /^unflatten: shape '\[4, -1\]' is invalid for input of size 6/],
    ['reshape with two -1', () => x.reshape([-1, -1]), /^reshape: only one dimension can be -1, got \[-1, -1\]/],
    ['view on a non-viewable layout', () => x.t().view([6]), /^view: shape \[6\] cannot view a tensor of shape \[3, 2\] with strides \[1, 3\] without copying .* use reshape\(\) instead$/],
    ['expand to an incompatible size', () => x.expand([3, 3]), /^expand: cannot expand shape \[2, 3\] to \[3, 3\]: dim 0 has size 2, which is neither 1 nor 3/],
    ['expand to fewer dims', () => x.expand([3]), /^expand: the target shape \[3\] has fewer dims than the input \[2, 3\]/],
    ['permute with too few dims', () => x.permute([0]), /^permute: got 1 dims \[0\] for a tensor of rank 2 \(shape \[2, 3\]\)/],
    ['permute with a repeated dim', () => x.permute([1, 1]), /^permute: dim \[1,1\] contains a repeated dim/],
    ['cat shapes', () => nb.cat([x, nb.zeros([2, 2])], 0), /^cat: tensors must have the same shape except in dim 0, but tensor 0 has shape \[2, 3\] and tensor 1 has shape \[2, 2\]/],
    ['cat of nothing', () => nb.cat([]), /^cat: expected a non-empty array of tensors/],
    ['stack shapes', () => nb.stack([x, nb.zeros([3, 2])]), /^stack: all tensors must have the same shape, but tensor 0 has shape \[2, 3\] and tensor 1 has \[3, 2\]/],
    ['split sizes', () => x.split([1, 1], 1), /^split: sizes \[1, 1\] must be non-negative and add up to 3, the size of dim 1/],
    ['narrow range', () => x.narrow(1, 2, 5), /^narrow: start 2 and length 5 are out of range for dim 1 of size 3 \(shape \[2, 3\]\)/],
    ['select range', () => x.select(0, 2), /^select: index 2 is out of range for dim 0 of size 2/],
    ['slice step', () => x.slice(1, 0, 3, 0), /^slice: step must be a positive integer, got 0/],
    ['slice with a fractional start', () => nb.arange(6).slice(0, 1.5), /^slice: start must be an integer or null, got 1.5/],
    ['slice with a NaN step', () => nb.arange(6).slice(0, 0, 6, NaN), /^slice: step must be a positive integer, got NaN/],
    ['unflatten sizes', () => x.unflatten(1, [2, 2]), /^unflatten: shape '\[2, 2\]' is invalid for input of size 3 \(input shape \[3\]\)/],
    ['flatten order', () => x.flatten(1, 0), /^flatten: startDim 1 comes after endDim 0/],
    ['t of a 3-D tensor', () => nb.zeros([1, 2, 3]).t(), /^t: expects a tensor of rank <= 2, got shape \[1, 2, 3\]; use transpose/],
    ['maskedFill mask shape', () => x.maskedFill(nb.zeros([3, 3], { dtype: 'bool' }), 1), /^maskedFill: shapes \[2, 3\] and \[3, 3\] cannot be broadcast together/],
    ['item of many elements', () => x.item(), /^item: only one-element tensors can be converted to a number, got shape \[2, 3\]/],
    ['creation with a negative size', () => nb.zeros([2, -1]), /^zeros: invalid shape \[2, -1\]: every size must be a non-negative integer/],
    ['creation with a fractional size', () => nb.ones([2.5]), /^ones: invalid shape \[2.5\]/],
    ['creation with NaN', () => nb.zeros([NaN]), /^zeros: invalid shape \[NaN\]: every size must be a non-negative integer; dim 0 got NaN/],
    ['creation with Infinity', () => nb.randn([2, Infinity]), /^randn: invalid shape \[2, Infinity\].*dim 1 got Infinity/],
    ['creation beyond 2^53', () => nb.rand([2 ** 60]), /^rand: invalid shape \[1152921504606847000\].*dim 0 got 1152921504606847000, beyond 2\^53/],
    ['creation whose element count passes 2^53', () => nb.full([2 ** 30, 2 ** 30, 2 ** 30], 1), /^full: shape \[1073741824, 1073741824, 1073741824\] has 1.2379400392853803e\+27 elements, beyond 2\^53/],
    ['creation with a string size', () => nb.ones(['3' as unknown as number]), /^ones: invalid shape \[3\].*dim 0 got string/],
    ['expand to a fractional size', () => nb.ones([3]).expand([3.5]), /^expand: invalid shape \[3.5\]: every size must be a non-negative integer or -1; dim 0 got 3.5/],
    ['oneHot with fractional classes', () => nb.oneHot(nb.tensor([0, 1]), 2.5), /^oneHot: numClasses must be a non-negative integer, got 2.5/],
    ['a too large allocation', () => nb.zeros([1e6, 1e6]), /^zeros: cannot allocate 1000000000000 float32 elements \(4000000000000 bytes, 3725.3 GiB\)/],
    ['a too large random tensor', () => nb.randn([1e6, 1e6], { dtype: 'float64' }), /^randn: cannot allocate 1000000000000 float64 elements \(8000000000000 bytes/],
    ['a too large range', () => nb.arange(0, 1e12), /^arange: cannot allocate 1000000000000 int32 elements/],
    ['a too large op result', () => nb.ones([1]).expand([1e6, 1e6]).mul(2), /^mul: (cannot allocate 1000000000000 float32 elements \(4000000000000 bytes|the result is too large to allocate \(Invalid typed array length: 1000000000000\) for inputs \[1000000, 1000000\])/],
    ['a too large copy', () => nb.ones([1]).expand([1e6, 1e6]).contiguous(), /^(contiguous|clone): (cannot allocate|the result is too large to allocate)/],
  ]);
});

describe('dim out of range', () => {
  const rank2 = /dim (\S+) is out of range for a tensor of rank 2 \(expected an integer in \[-2, 1\]\)/;
  const cases: [string, () => unknown][] = [
    ['sum', () => x.sum(2)],
    ['mean', () => x.mean(-3)],
    ['amax', () => x.amax([0, 2])],
    ['softmax', () => x.softmax(-3)],
    ['logSoftmax', () => x.logSoftmax(2)],
    ['cat', () => nb.cat([x, x], 2)],
    ['transpose', () => x.transpose(0, 5)],
    ['cumsum', () => x.cumsum(3)],
    ['argmax', () => x.argmax(2)],
    ['max', () => x.max(2)],
    ['var', () => x.var(3)],
    ['squeeze', () => x.squeeze(4)],
    ['flip', () => x.flip(2)],
    ['gather', () => x.gather(2, nb.zeros([2, 3], { dtype: 'int32' }))],
    ['narrow', () => x.narrow(-3, 0, 1)],
    ['size', () => x.size(2)],
  ];
  check(cases.map(([op, fn]) => [op, fn, new RegExp(`^${op}: ${rank2.source}`)] as Case));
  check([
    ['a fractional dim', () => x.sum(0.5), /^sum: dim must be an integer or an array of integers or null, got number 0.5/],
    ['a repeated dim', () => x.sum([1, -1]), /^sum: dim \[1,-1\] contains a repeated dim/],
    ['unsqueeze allows rank + 1 positions only', () => x.unsqueeze(4), /^unsqueeze: dim 4 is out of range for a tensor of rank 3 \(expected an integer in \[-3, 2\]\)/],
  ]);
});

describe('autograd errors', () => {
  check([
    ['backward() on a non-scalar without a gradient', () => nb.zeros([2], { requiresGrad: true }).mul(2).backward(), /^backward: grad can be implicitly created only for scalar outputs, but this tensor has shape \[2\]; pass a gradient of that shape, or reduce the output first/],
    ['backward() with a gradient of the wrong shape', () => nb.zeros([2], { requiresGrad: true }).mul(2).backward(nb.zeros([3])), /^backward: gradient has shape \[3\] but the tensor has shape \[2\]/],
    ['backward() through a graph with no requiresGrad', () => x.mul(2).sum().backward(), /^backward: this tensor does not require grad and has no gradFn: no input of the computation had requiresGrad set/],
    ['backward() of a result computed in noGrad', () => nb.noGrad(() => f64([1], true).mul(2)).sum().backward(), /^backward: this tensor does not require grad .* or it was computed inside noGrad\(\)/],
    [
      'in-place change of a tensor saved for backward',
      () => {
        const y = f64([0.5, 1], true).sigmoid();
        y.mul_(2);
        y.sum().backward();
      },
      /^backward: a tensor of shape \[2\] that 'sigmoid' saved for its gradient was modified by an in-place operation \(it is at version 1, saved at version 0\)\. Use the out-of-place op, or clone\(\) the tensor/,
    ],
    ['in-place on a leaf that requires grad', () => f64([1], true).mul_(2), /^mul_: a leaf tensor that requires grad cannot be changed in place while gradients are recorded; wrap the update in noGrad/],
    ['an int tensor created with requiresGrad', () => nb.tensor([1, 2], { dtype: 'int32', requiresGrad: true }), /^tensor: only floating-point tensors can require gradients, got dtype int32/],
    ['requiresGrad_() on an int tensor', () => nb.tensor([1, 2], { dtype: 'int32' }).requiresGrad_(), /^requiresGrad_: only floating-point tensors can require gradients, got dtype int32/],
    ['requiresGrad_() on a bool tensor', () => nb.tensor([true]).requiresGrad_(), /^requiresGrad_: only floating-point tensors can require gradients, got dtype bool/],
    ['zeros of int32 with requiresGrad', () => nb.zeros([2], { dtype: 'int32', requiresGrad: true }), /^zeros: only floating-point tensors can require gradients, got dtype int32/],
    ['arange of int32 with requiresGrad', () => nb.arange(3, { requiresGrad: true }), /^arange: only floating-point tensors can require gradients, got dtype int32/],
  ]);
});

describe('tensor() input errors', () => {
  check([
    ['NaN', () => nb.tensor([1, NaN]), /^tensor: value NaN at values\[1\] is not finite \(pass \{ allowNonFinite: true \} to allow NaN and Infinity\)/],
    ['Infinity in a nested array', () => nb.tensor([[1, 2], [Infinity, 3]]), /^tensor: value Infinity at values\[1\]\[0\] is not finite/],
    ['-Infinity as a scalar', () => nb.tensor(-Infinity), /^tensor: value -Infinity at the top level is not finite/],
    ['NaN in a typed array', () => nb.tensor(new Float64Array([0, NaN])), /^tensor: value NaN at index 1 is not finite/],
    ['a ragged row', () => nb.tensor([[1, 2], [3]]), /^tensor: ragged nested array: expected every entry at depth 1 to be an array of length 2, but values\[1\] has length 1/],
    ['a number among rows', () => nb.tensor([[1, 2], 3] as unknown as number[][]), /^tensor: ragged nested array: .* but values\[1\] has number/],
    ['a row among numbers', () => nb.tensor([1, [2, 3]] as unknown as number[]), /^tensor: ragged nested array: values\[1\] is an array where a number was expected/],
    ['deep raggedness', () => nb.tensor([[[1], [2]], [[3], [4, 5]]]), /^tensor: ragged nested array: expected every entry at depth 2 to be an array of length 1, but values\[1\]\[1\] has length 2/],
    ['a string', () => nb.tensor(['a'] as unknown as number[]), /^tensor: expected numbers or booleans, got string at values\[0\]/],
    ['a sparse array', () => nb.tensor([1, , 3] as number[]), /^tensor: values is a sparse array with a hole at index 1: every entry needs a value/],
    ['a sparse row', () => nb.tensor([[1, 2], [3, ,]] as number[][]), /^tensor: values\[1\] is a sparse array with a hole at index 1/],
    ['a hole in a deep row', () => nb.tensor([[[1, 2]], [new Array<number>(2)]]), /^tensor: values\[1\]\[0\] is a sparse array with a hole at index 0/],
    ['null', () => nb.tensor([null] as unknown as number[]), /^tensor: expected numbers or booleans, got null at values\[0\]/],
    ['an unknown dtype', () => nb.tensor([1], { dtype: 'float16' as nb.DType }), /tensor: option 'dtype' must be one of 'bool', 'int32', 'float32', 'float64', got string 'float16'/],
    ['cast to an unknown dtype', () => x.to('int64' as nb.DType), /unknown dtype 'int64'/],
  ]);

  test('allowNonFinite lets NaN and Infinity in', () => {
    assert.deepEqual(nb.tensor([NaN, -Infinity], { allowNonFinite: true }).toArray(), [NaN, -Infinity]);
  });
});

describe('indexing and op argument errors', () => {
  const idx = (values: nb.Nested<number>): nb.Tensor => nb.tensor(values, { dtype: 'int32' });
  check([
    ['gather index out of range', () => x.gather(1, idx([[0, 3]])), /^gather: index 3 is out of bounds for dim 1 with size 3$/],
    ['gather negative index', () => x.gather(1, idx([[0, -1]])), /^gather: index -1 is out of bounds for dim 1 with size 3$/],
    ['gather float index', () => x.gather(1, nb.zeros([2, 3])), /^gather: index must be an int32 tensor, got dtype float32 with shape \[2, 3\]/],
    ['gather index rank', () => x.gather(1, idx([0, 1])), /^gather: index of shape \[2\] does not fit input of shape \[2, 3\] along dim 1/],
    ['indexSelect out of range', () => x.indexSelect(0, idx([0, 2])), /^indexSelect: index 2 is out of bounds for dim 0 with size 2$/],
    ['indexSelect 2-D index', () => x.indexSelect(0, idx([[0]])), /^indexSelect: index must be 1-D \(or 0-D\), got shape \[1, 1\]/],
    ['scatter out of range', () => x.scatter(1, idx([[5]]), 1), /^scatter: index 5 is out of bounds for dim 1 with size 3$/],
    ['scatterAdd src dtype', () => x.scatterAdd(1, idx([[0]]), nb.zeros([1, 1], { dtype: 'float64' })), /^scatterAdd: src dtype float64 must match the input's dtype float32/],
    ['oneHot class range', () => nb.oneHot(idx([0, 5]), 3), /^oneHot: class values must be in \[0, 3\), got values from 0 to 5/],
    ['topk k too large', () => nb.zeros([3]).topk(5), /^topk: k = 5 is out of range for dim -1 of size 3 \(shape \[3\]\)/],
    ['pad widths of odd length', () => nb.pad(x, [1]), /^pad: pads must be an even-length list of integers with at most 2 per dim \(input has 2 dims\), got \[1\]/],
    ['pad widths for too many dims', () => nb.pad(x, [1, 1, 1, 1, 1, 1]), /^pad: pads must be an even-length list .* \(input has 2 dims\)/],
    ['reflect pad as wide as the dim', () => nb.pad(x, [3, 3], 'reflect'), /^pad: reflect padding of \(3, 3\) is invalid for dim 1 of size 3 \(each pad must be smaller than the size\)/],
    ['negative pad cropping too much', () => nb.pad(x, [-2, -2]), /^pad: negative padding \[-2, -2\] removes more than the size of dim 1/],
    ['pad mode', () => nb.pad(x, [1, 1], 'wrap' as nb.PadMode), /^pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got string 'wrap'/],
    ['dropout p above 1', () => nb.dropout(x, 1.5), /^F.dropout: p must be a number in \[0, 1\], got number 1.5/],
    ['dropout p NaN', () => nb.dropout(x, NaN), /^F.dropout: p must be a number in \[0, 1\], got number NaN/],
    ['dropout of an int tensor', () => nb.dropout(nb.zeros([2], { dtype: 'int32' }), 0.5), /^F.dropout: expected a floating-point tensor, got dtype int32 with shape \[2\]/],
    ['softmax of an int tensor', () => nb.tensor([1, 2]).softmax(0), /^softmax: expected a floating-point tensor, got dtype int32/],
    ['mean of an int tensor', () => nb.tensor([1, 2]).mean(), /^mean: input dtype must be floating point, got int32; convert it first with \.float\(\)/],
    ['where with a float condition', () => nb.where(x, 1, 2), /^where: condition must be a bool tensor, got dtype float32 \(compare first, e\.g\. x\.gt\(0\)\)/],
    ['maskedFill with a float mask', () => x.maskedFill(x, 1), /^maskedFill: mask must be a bool tensor, got dtype float32/],
    ['clamp without bounds', () => x.clamp(), /^clamp: at least one of min and max must be given/],
    ['gelu approximation name', () => x.gelu('fast' as 'tanh'), /^F.gelu: approximate must be 'none' or 'tanh', got string 'fast'/],
    ['chunk count', () => x.chunk(0), /^chunk: chunks must be a positive integer, got 0/],
    ['integer remainder by zero', () => nb.tensor([3]).remainder(0), /^remainder: integer remainder by zero/],
    ['binary op without a tensor', () => nb.add(1, 2), /^add: expected at least one Tensor operand, got number and number/],
    ['binary op with a string', () => x.add('1' as unknown as number), /^add: operands must be Tensors, numbers or booleans, got string/],
    ['sub of bools', () => nb.tensor([true]).sub(true), /^sub: subtraction with a bool operand is not supported .* use logicalXor\(\)/],
    ['neg of bools', () => nb.tensor([true]).neg(), /^neg: not supported for bool tensors \(shape \[1\]\); use logicalNot\(\)/],
    ['max over an empty dim', () => nb.zeros([2, 0]).max(1), /^max: cannot reduce over dim 1 of size 0 \(shape \[2, 0\]\)/],
    ['argmax of an empty tensor', () => nb.zeros([0]).argmax(), /^argmax: cannot take argmax of an empty tensor \(shape \[0\]\)/],
  ]);
});

describe('creation and random argument errors', () => {
  check([
    ['arange with a zero step', () => nb.arange(0, 5, 0), /^arange: step must be nonzero/],
    ['arange with the wrong sign', () => nb.arange(0, 5, -1), /^arange: the range from 0 to 5 cannot be covered with step -1 \(wrong sign\)/],
    ['arange with NaN', () => nb.arange(NaN), /^arange: end must be a finite number, got NaN/],
    ['linspace steps', () => nb.linspace(0, 1, -1), /^linspace: steps must be a non-negative integer, got -1/],
    ['eye size', () => nb.eye(-1), /^eye: invalid shape \[-1, -1\]/],
    ['randn of int32', () => nb.randn([2], { dtype: 'int32' }), /^randn: dtype must be float32 or float64, got int32/],
    ['rand of bool', () => nb.rand([2], { dtype: 'bool' }), /^rand: dtype must be float32 or float64, got bool/],
    ['randint bounds', () => nb.randint(5, 2, [3]), /^randint: expected integers low < high, got low 5 and high 2/],
    ['randperm n', () => nb.randperm(-1), /^randperm: n must be a non-negative integer, got -1/],
    ['bernoulli probability', () => nb.bernoulli(nb.tensor([0.5, 1.5])), /^bernoulli: probabilities must be in \[0, 1\], got 1.5 at flat index 1/],
    ['bernoulli of ints', () => nb.bernoulli(nb.tensor([1, 0])), /^bernoulli: probabilities must be a float tensor, got dtype int32/],
    ['multinomial rank', () => nb.multinomial(nb.zeros([1, 1, 2]), 1), /^multinomial: probs must be 1-D or 2-D, got shape \[1, 1, 2\]/],
    ['multinomial without replacement beyond the categories', () => nb.multinomial(nb.tensor([0.5, 0.5]), 3), /^multinomial: cannot draw 3 samples without replacement from 2 categories/],
    ['multinomial negative weight', () => nb.multinomial(nb.tensor([0.5, -0.5]), 1), /^multinomial: weights must be finite and non-negative \(row 0\)/],
    ['multinomial all-zero row', () => nb.multinomial(nb.tensor([0.0, 0.0]), 1), /^multinomial: row 0 has no positive weight left to sample from/],
    ['manualSeed NaN', () => nb.manualSeed(NaN), /^manualSeed: seed must be a finite number, got NaN/],
  ]);
});
