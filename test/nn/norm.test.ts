import { describe } from 'node:test';
import { layerTests, loadCases } from './conv-golden.js';

describe('normalization layers against PyTorch', () => layerTests(loadCases('conv-norm.json')));
