#!/usr/bin/env node
/**
 * Self-check: receiver.py's nearest-synthetic scores against the built-in TypeScript ones (nearestSyntheticScores in
 * receiver/moves/membership/scores.ts) on the same census-like tables. Needs `npm run build` first (it reads dist/).
 *
 *   node examples/python-receiver/compare_with_typescript.js      # PYTHON=... to pick the interpreter
 *
 * Prints the largest |Python − TypeScript| difference and exits 1 if it reaches 1e-4.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const dist = path.join(__dirname, '..', '..', 'dist');
const { generateCensus } = require(path.join(dist, 'shared', 'data', 'census.js'));
const { nearestSyntheticScores } = require(path.join(dist, 'receiver', 'moves', 'membership', 'scores.js'));

// Synthetic records arrive as float32 (the "f32le-rows" wire format): round them as the wire would, and add a
// non-integer jitter so that numeric values are not all whole numbers.
const synthetic = generateCensus({ rows: 2000, seed: 1 });
synthetic.rows = synthetic.rows.map((row, i) =>
  row.map((v, j) => (synthetic.schema.columns[j].type === 'numeric' ? Math.fround(v + ((i * 7 + j) % 13) / 17) : v)),
);
// Challenge: fresh records, plus exact copies of synthetic ones (score 0), in a schema whose `sex` categories come
// in the other order (the encoder matches categories by value).
const fresh = generateCensus({ rows: 300, seed: 2 });
const sex = fresh.schema.columns.findIndex((c) => c.name === 'sex');
const flipped = (table) => table.rows.map((row) => row.map((v, j) => (j === sex ? 1 - v : v)));
const challenge = {
  schema: { columns: fresh.schema.columns.map((c, j) => (j === sex ? { ...c, categories: [...c.categories].reverse() } : c)) },
  rows: [...flipped(fresh), ...flipped({ rows: synthetic.rows.slice(0, 20) })],
};

const typescript = nearestSyntheticScores(challenge, synthetic).scores.score;
const input = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-scores-')), 'input.json');
fs.writeFileSync(input, JSON.stringify({ challenge, synthetic }));
const python = JSON.parse(execFileSync(process.env.PYTHON || 'python3', [path.join(__dirname, 'receiver.py'), '--score-only', input], { encoding: 'utf8' }));
fs.rmSync(path.dirname(input), { recursive: true, force: true });

if (python.length !== typescript.length) throw new Error(`Python gave ${python.length} scores, TypeScript ${typescript.length}`);
const maxDifference = Math.max(...python.map((p, i) => Math.abs(p - typescript[i])));
console.log(`${typescript.length} challenge records, ${synthetic.rows.length} synthetic: max |Python − TypeScript| = ${maxDifference}`);
process.exit(maxDifference < 1e-4 ? 0 : 1);
