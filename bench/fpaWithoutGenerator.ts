/**
 * FPA without a generator (docs/fpa.md, "Where the accuracy goes"): the sharer's selection evaluated by training the
 * receiver's classifiers directly on the selected REAL records and testing them on a balanced real test split. It
 * separates what the selection itself does to accuracy and fairness from what the diffusion model adds or loses,
 * in seconds instead of the scenario's minutes.
 *
 * Data as in scenarios/fpa-census.yaml (16,000 census records, dependence 0, N = 4,000) and, when ../shared is
 * there, scenarios/fpa-adult.yaml (adult.data balanced to 4 × 1,179, N = 3,000; adult.test balanced 4 × 590).
 *
 * Usage: npx tsc -p tsconfig.json && node dist/bench/fpaWithoutGenerator.js [--alphas 0,0.1,0.2,0.3,0.4,0.5] [--seeds 2024,1,2]
 *        [--delta 0.1] [--candidates 100] [--only census]   (δ as a fraction of the pool's I(X;Y); candidates per cell)
 *        [--image-classifiers cnn,logistic]   (the receiver's classifiers on the MNIST cases; default cnn)
 *        [--estimator logistic-ce|mine-expected|mine-permutation]   (the I(X;Y) estimator of the greedy selection)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CENSUS_TASK } from '../shared/data/census';
import { loadDataset } from '../shared/data/loadDataset';
import { balanceCells } from '../shared/data/split';
import type { Table, TaskSpec } from '../shared/data/table';
import { mnistDatasetSchema, POISONING_ESTIMATORS } from '../shared/scenario/schema';
import type { ClassifierKind } from '../shared/evaluation/classifiers';
import { repoRoot } from '../shared/repoRoot';
import { Rng } from '../shared/random';
import { describeBackend, initBackend } from '../shared/tf';
import { trainAndEvaluate } from '../shared/evaluation/downstream';
import { poisonTrainingSet } from '../sharer/poisoningMove';
import { registerMoves } from '../shared/moves/registry';
import { SHARER_MOVES } from '../sharer/moves';
import type { SharerPoisoningConfig } from '../sharer/config';
import { BenchRow, printEnvironment, writeResults } from './table';

const SEED = 2024;

interface Case {
  name: string;
  data: Table;
  test: Table;
  task: TaskSpec;
  n: number;
  /** The receiver's classifiers for this modality: logistic and MLP on tables, the CNN on images. */
  classifiers: readonly ClassifierKind[];
  epochs: number;
}

const TABLE_CLASSIFIERS: readonly ClassifierKind[] = ['logistic', 'mlp'];

/**
 * MNIST tasks with S = thick stroke (docs/images.md): the pool and test parts of one split, N = 800 as in
 * scenarios/fpa-mnist.yaml. 0 vs 1 is told apart by shape alone; parity and 4 vs 9 leave the classifier
 * ambiguous digits, where a stroke shortcut can pay.
 */
function mnistCases(classifiers: readonly ClassifierKind[]): Case[] {
  const tasks: { name: string; digits?: [number, number]; parity?: true; label: string; positive: string }[] = [
    { name: 'mnist-0v1', digits: [0, 1], label: 'digit', positive: '1' },
    { name: 'mnist-4v9', digits: [4, 9], label: 'digit', positive: '9' },
    { name: 'mnist-parity', parity: true, label: 'parity', positive: 'odd' },
  ];
  return tasks.map((t) => {
    const part = (which: 'pool' | 'test') =>
      loadDataset(mnistDatasetSchema.parse({ source: 'mnist', ...(t.parity ? { parity: true } : { digits: t.digits }), part: which }), SEED);
    return {
      name: t.name,
      data: part('pool'),
      test: part('test'),
      task: { label: t.label, positive: t.positive, sensitive: 'stroke', privileged: 'thick' },
      n: 800,
      classifiers,
      epochs: 10,
    };
  });
}

function cases(): Case[] {
  const out: Case[] = [
    {
      name: 'census',
      data: loadDataset({ source: 'census', rows: 16000, pSensitive: 0.5, dependence: 0 }, SEED),
      test: loadDataset({ source: 'census', rows: 6000, pSensitive: 0.5, dependence: 0 }, SEED + 1),
      task: CENSUS_TASK,
      n: 4000,
      classifiers: TABLE_CLASSIFIERS,
      epochs: 30,
    },
  ];
  const adultDir = path.resolve(repoRoot(), '..', 'shared', 'datasets', 'adult');
  if (fs.existsSync(path.join(adultDir, 'adult.data')) && fs.existsSync(path.join(adultDir, 'adult.test'))) {
    const adult = (file: string) =>
      loadDataset({ source: 'adult', path: path.join(adultDir, file), missing: 'category', dropColumns: ['fnlwgt', 'education'] }, SEED);
    out.push({ name: 'adult', data: adult('adult.data'), test: adult('adult.test'), task: CENSUS_TASK, n: 3000, classifiers: TABLE_CLASSIFIERS, epochs: 30 });
  }
  return [...out, ...mnistCases(imageClassifiersArg())];
}

/** `--image-classifiers cnn,logistic`: the receiver's classifiers on the MNIST cases (default: the CNN alone). */
function imageClassifiersArg(): ClassifierKind[] {
  const at = process.argv.indexOf('--image-classifiers');
  return (at >= 0 ? process.argv[at + 1] : 'cnn').split(',') as ClassifierKind[];
}

function listArg(name: string, fallback: string): number[] {
  const at = process.argv.indexOf(name);
  return (at >= 0 ? process.argv[at + 1] : fallback).split(',').map(Number);
}

function meanAndSd(values: number[]): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return mean.toFixed(3);
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return `${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
}

async function main(): Promise<void> {
  // poisonTrainingSet runs the move sharer.poisoning.method names: register the sharer's moves as the sharer does.
  registerMoves(SHARER_MOVES);
  await initBackend();
  const alphas = listArg('--alphas', '0,0.1,0.2,0.3,0.4,0.5');
  // Selection seeds: one selection's accuracy loss moves by about a point from seed to seed, so a claim about the
  // method needs several (the classifier's seed is fixed, the selection's varies).
  const seeds = listArg('--seeds', String(SEED));
  const [deltaFraction] = listArg('--delta', '0.1');
  const [candidatesPerCell] = listArg('--candidates', '100');
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : null;
  const estimatorAt = process.argv.indexOf('--estimator');
  const estimator = (estimatorAt >= 0 ? process.argv[estimatorAt + 1] : 'logistic-ce') as SharerPoisoningConfig['estimator'];
  if (!POISONING_ESTIMATORS.includes(estimator)) {
    throw new Error(`--estimator: expected one of ${POISONING_ESTIMATORS.join(', ')}, got "${estimator}"`);
  }
  if (!alphas.includes(0)) alphas.unshift(0);
  const rows: BenchRow[] = [];
  process.stdout.write(`selection (${seeds.length} seed${seeds.length > 1 ? 's' : ''})`.padEnd(34) + ' accuracy loss / DP gap rise against α = 0, mean ± sd over seeds\n');
  for (const c of cases().filter((c) => only === null || c.name === only)) {
    const test = balanceCells(c.test, c.task, new Rng(SEED + 2));
    for (const method of ['greedy-mi', 'label-flipping'] as const) {
      // evaluations[alpha][kind] = per-seed { accuracy, dpGap }
      const results = new Map<number, Record<string, { accuracy: number; dpGap: number }[]>>();
      for (const alpha of alphas) {
        const perKind: Record<string, { accuracy: number; dpGap: number }[]> = Object.fromEntries(c.classifiers.map((k) => [k, []]));
        for (const seed of seeds) {
          const config: SharerPoisoningConfig = {
            method,
            alpha,
            trainRows: c.n,
            balancePool: true,
            deltaFraction,
            candidatesPerCell,
            estimator,
          };
          const { table } = await poisonTrainingSet(c.data, c.task, config, seed + 3);
          for (const kind of c.classifiers) {
            const { evaluation } = await trainAndEvaluate(table, test, c.task, kind, { epochs: c.epochs, seed: SEED + 4 });
            perKind[kind].push({ accuracy: evaluation.accuracy.estimate, dpGap: evaluation.dpGap.estimate });
            const runner = `${c.name} ${method} α=${alpha} seed ${seed}`;
            rows.push({ task: `${kind} accuracy on the balanced real test split`, runner, value: evaluation.accuracy.estimate, unit: '' });
            rows.push({ task: `${kind} DP gap on the balanced real test split`, runner, value: evaluation.dpGap.estimate, unit: '' });
          }
        }
        results.set(alpha, perKind);
        const honest = results.get(0)!;
        const notes = c.classifiers.map((kind) => {
          const loss = perKind[kind].map((e, i) => honest[kind][i].accuracy - e.accuracy);
          const rise = perKind[kind].map((e, i) => e.dpGap - honest[kind][i].dpGap);
          return `${kind} ${meanAndSd(loss)} / ${meanAndSd(rise)}`;
        });
        process.stdout.write(`${`${c.name} ${method} α=${alpha}`.padEnd(34)} ${notes.join('   ')}\n`);
      }
    }
  }
  const environment = {
    backend: describeBackend(),
    cpus: os.cpus().length,
    node: process.version,
    seeds: seeds.join(','),
    alphas: alphas.join(','),
    deltaFraction: String(deltaFraction),
    candidatesPerCell: String(candidatesPerCell),
    estimator: String(estimator),
  };
  process.stdout.write('\n');
  printEnvironment(environment);
  process.stdout.write(`\nresults: ${writeResults('fpaWithoutGenerator', rows, environment)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
