/**
 * FPA without a generator (docs/fpa.md, "Where the accuracy goes"): the sharer's selection evaluated by training the
 * receiver's classifiers directly on the selected REAL records and testing them on a balanced real test split. It
 * separates what the selection itself does to accuracy and fairness from what the diffusion model adds or loses,
 * in seconds instead of the scenario's minutes.
 *
 * Data as in scenarios/fpa-census.yaml (16,000 census records, dependence 0, N = 4,000) and, when ../shared is
 * there, scenarios/fpa-adult.yaml (adult.data balanced to 4 × 1,179, N = 3,000; adult.test balanced 4 × 590).
 *
 * Usage: npx tsc -p tsconfig.json && node dist/bench/fpaWithoutGenerator.js [--alphas 0,0.1,0.2,0.3,0.4,0.5]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CENSUS_TASK } from '../shared/data/census';
import { loadDataset } from '../shared/data/loadDataset';
import { balanceCells } from '../shared/data/split';
import type { Table } from '../shared/data/table';
import { repoRoot } from '../shared/repoRoot';
import { Rng } from '../shared/random';
import { describeBackend, initBackend } from '../shared/tf';
import { trainAndEvaluate } from '../receiver/downstream';
import { poisonTrainingSet } from '../sharer/poisoningMove';
import type { SharerPoisoningConfig } from '../sharer/config';
import { BenchRow, printEnvironment, printTable, writeResults } from './table';

const SEED = 2024;
const CLASSIFIERS = ['logistic', 'mlp'] as const;

interface Case {
  name: string;
  data: Table;
  test: Table;
  n: number;
}

function cases(): Case[] {
  const out: Case[] = [
    {
      name: 'census',
      data: loadDataset({ source: 'census', rows: 16000, pSensitive: 0.5, dependence: 0 }, SEED),
      test: loadDataset({ source: 'census', rows: 6000, pSensitive: 0.5, dependence: 0 }, SEED + 1),
      n: 4000,
    },
  ];
  const adultDir = path.resolve(repoRoot(), '..', 'shared', 'datasets', 'adult');
  if (fs.existsSync(path.join(adultDir, 'adult.data')) && fs.existsSync(path.join(adultDir, 'adult.test'))) {
    const adult = (file: string) =>
      loadDataset({ source: 'adult', path: path.join(adultDir, file), missing: 'category', dropColumns: ['fnlwgt', 'education'] }, SEED);
    out.push({ name: 'adult', data: adult('adult.data'), test: adult('adult.test'), n: 3000 });
  }
  return out;
}

async function main(): Promise<void> {
  await initBackend();
  const at = process.argv.indexOf('--alphas');
  const alphas = (at >= 0 ? process.argv[at + 1] : '0,0.1,0.2,0.3,0.4,0.5').split(',').map(Number);
  const rows: BenchRow[] = [];
  process.stdout.write('selection                          classifier accuracy / DP gap (balanced real test split)\n');
  for (const c of cases()) {
    const test = balanceCells(c.test, CENSUS_TASK, new Rng(SEED + 2));
    for (const method of ['greedy-mi', 'label-flipping'] as const) {
      for (const alpha of alphas) {
        const config: SharerPoisoningConfig = {
          method,
          alpha,
          trainRows: c.n,
          balancePool: true,
          deltaFraction: 0.1,
          candidatesPerCell: 100,
          estimator: 'logistic-ce',
        };
        const { table, move } = await poisonTrainingSet(c.data, CENSUS_TASK, config, SEED + 3);
        const iSY = (move.report as { iSY: number }).iSY;
        const runner = `${c.name} ${method} α=${alpha}`;
        const notes: string[] = [`I(S;Y) ${iSY.toFixed(3)} bits`];
        for (const kind of CLASSIFIERS) {
          const { evaluation } = await trainAndEvaluate(table, test, CENSUS_TASK, kind, { epochs: 30, seed: SEED + 4 });
          rows.push({ task: `${kind} accuracy on the balanced real test split`, runner, value: evaluation.accuracy.estimate, unit: '' });
          rows.push({ task: `${kind} DP gap on the balanced real test split`, runner, value: evaluation.dpGap.estimate, unit: '' });
          notes.push(`${kind} ${evaluation.accuracy.estimate.toFixed(3)} / ${evaluation.dpGap.estimate.toFixed(3)}`);
        }
        process.stdout.write(`${runner.padEnd(34)} ${notes.join('   ')}\n`);
      }
    }
  }
  const environment = { backend: describeBackend(), cpus: os.cpus().length, node: process.version, seed: SEED, alphas: alphas.join(',') };
  process.stdout.write('\n');
  printEnvironment(environment);
  process.stdout.write('\n');
  printTable(rows);
  process.stdout.write(`\nresults: ${writeResults('fpaWithoutGenerator', rows, environment)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
