/** The first half of the examples in short mode (test/helpers/examples.ts; the rest: examples-2.test.ts). */
import { testExamples } from '../helpers/examples.js';

testExamples(0, 2);
