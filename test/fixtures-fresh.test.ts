/**
 * The committed golden fixtures are what the generators in scripts/ write now: `npm run
 * fixtures:check` regenerates them into a temporary folder and compares byte for byte. Needs
 * Debian's Python with torch, torchvision, scikit-learn and NLTK; skipped with a printed reason
 * where they are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { missingPython } from './helpers/python.js';

const root = new URL('..', import.meta.url).pathname;
const python = process.env.NABLA_PYTHON ?? '/usr/bin/python3';
const lack = missingPython(python, ['torch', 'torchvision', 'sklearn', 'nltk', 'gensim']);
const missing = lack === null ? null : `${python}: ${lack} (apt-get install python3-torch python3-torchvision python3-sklearn python3-nltk python3-gensim)`;
if (missing !== null) console.log(`SKIPPED: fixture regeneration check: ${missing}`);

test('committed fixtures equal what the generators write now', { skip: missing ?? false, timeout: 300_000 }, () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/fixtures.ts', '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 0, `${result.stderr.slice(-3000)}`);
  assert.match(result.stdout, /all \d+ fixtures are up to date/);
});
