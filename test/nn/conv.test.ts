import { describe } from 'node:test';
import { layerTests, loadCases } from './conv-golden.js';

describe('convolution layers against PyTorch', () => layerTests(loadCases('conv-conv.json')));
