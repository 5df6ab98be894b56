import { describe } from 'node:test';
import { layerTests, loadCases } from './conv-golden.js';

describe('pooling layers against PyTorch', () => layerTests(loadCases('conv-pool.json')));
