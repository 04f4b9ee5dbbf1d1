/**
 * FPA greedy selection cost (docs/fpa.md): N = 6,000 records from a balanced pool of 12,000 embedded census
 * records at α = 0.5, per I(X;Y) estimator. Target: ≤ 30 s with the fastest estimator on 2 cores.
 *
 * Reported per estimator: prepare (fit on the pool) and selection seconds, then what the selection did
 * (I(S;Y), label DP gap, I(X;Y) against its target, additions meeting the constraint) beside the honest α = 0
 * subset and label flipping. For MINE, the reference implementation's cost (a full forward pass of T over the
 * current set for each of up to 400 candidates per addition, 1000 epochs at batch 64) is extrapolated from timed
 * samples, not run: it is hours.
 *
 * Usage: npx tsc -p tsconfig.json && node dist/bench/fpaGreedy.js [--mine-epochs 60]
 */
import * as os from 'os';
import { CENSUS_TASK, generateCensus } from '../shared/data/census';
import { balanceCells } from '../shared/data/split';
import { Rng } from '../shared/random';
import { describeBackend, initBackend } from '../shared/tf';
import {
  FpaPool,
  greedyMutualInformationSampling,
  labelFlipping,
  LogisticMiEstimator,
  MiEstimator,
  MineMiEstimator,
  MineNetwork,
  randomSubsetMeetingConstraint,
} from '../sharer/poisoning';
import { BenchRow, printEnvironment, printTable, writeResults } from './table';
import { fpaPoolFromTable } from '../sharer/poisoningMove';

const PER_CELL = 3000; // pool of 12,000
const N = 6000;
const ALPHA = 0.5;
const SEED = 2024;

function argValue(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function buildPool(): FpaPool {
  const table = generateCensus({ rows: PER_CELL * 14, seed: SEED });
  const pool = balanceCells(table, CENSUS_TASK, new Rng(SEED + 1), PER_CELL);
  return fpaPoolFromTable(pool, CENSUS_TASK);
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function benchEstimator(pool: FpaPool, estimator: MiEstimator, label: string, rows: BenchRow[]): Promise<void> {
  let start = process.hrtime.bigint();
  await estimator.prepare(pool);
  const prepareSeconds = seconds(start);
  rows.push({ task: 'FPA prepare estimator on 12,000 records', runner: label, value: prepareSeconds, unit: 's' });

  start = process.hrtime.bigint();
  const poisoned = greedyMutualInformationSampling(pool, { n: N, alpha: ALPHA, estimator, rng: new Rng(SEED + 2) });
  const selectSeconds = seconds(start);
  const honest = randomSubsetMeetingConstraint(pool, { n: N, estimator, rng: new Rng(SEED + 2) });
  const r = poisoned.report;
  rows.push({
    task: `FPA greedy select N=${N}, α=${ALPHA}`,
    runner: label,
    value: selectSeconds,
    unit: 's',
    note: `${r.additions} additions × ≤400 candidates; base draws ${r.baseDraws}; total with prepare ${(prepareSeconds + selectSeconds).toFixed(2)} s`,
  });
  for (const [name, result] of [
    ['α=0 (honest)', honest],
    [`α=${ALPHA} (greedy)`, poisoned],
  ] as const) {
    const q = result.report;
    rows.push({
      task: 'I(S;Y) of the selected set',
      runner: `${label}, ${name}`,
      value: q.iSY,
      unit: 'bits',
      note: `label DP gap ${q.labelParityGap.toFixed(3)}; cells [[${q.cellCounts[0]}], [${q.cellCounts[1]}]]`,
    });
    rows.push({
      task: 'I(X;Y) deviation |I − I*| / δ',
      runner: `${label}, ${name}`,
      value: Math.abs(q.iXY - q.iXYTarget) / q.delta,
      unit: '× δ',
      note: `I(X;Y) ${q.iXY.toFixed(4)}, I* ${q.iXYTarget.toFixed(4)}, δ ${q.delta.toFixed(4)} bits; additions meeting constraint ${q.additionsMeetingConstraint}/${q.additions}; by gain rank [${q.additionsByGainRank}]`,
    });
  }
  estimator.dispose();
}

/** The reference's MINE costs, extrapolated from timed samples (not run in full). */
async function extrapolateReferenceMine(pool: FpaPool, rows: BenchRow[]): Promise<void> {
  const net = new MineNetwork();
  const epochs = 2;
  let start = process.hrtime.bigint();
  await net.fit(pool.x, pool.y, { seed: 1, epochs, batchSize: 64, learningRate: 1e-4 });
  const perEpoch = seconds(start) / epochs;
  rows.push({
    task: 'MINE training, reference settings (batch 64, 1000 epochs)',
    runner: 'tfjs, extrapolated',
    value: perEpoch * 1000,
    unit: 's',
    note: `${perEpoch.toFixed(2)} s/epoch measured over ${epochs} epochs × 1000`,
  });
  // One reference candidate evaluation: T forward over the current set (joint + permuted), at n ≈ 4,500 (mean size).
  const sub = new Rng(3).sampleIndices(pool.x.rows, 4500);
  const x = { data: new Float32Array(sub.length * pool.x.cols), rows: sub.length, cols: pool.x.cols };
  const y = new Uint8Array(sub.length);
  sub.forEach((i, k) => {
    x.data.set(pool.x.data.subarray(i * pool.x.cols, (i + 1) * pool.x.cols), k * pool.x.cols);
    y[k] = pool.y[i];
  });
  const reps = 20;
  start = process.hrtime.bigint();
  for (let k = 0; k < reps; k++) net.estimate(x, y, 47);
  const perEval = seconds(start) / reps;
  const evaluations = N * ALPHA * 400;
  rows.push({
    task: `FPA greedy select N=${N}, α=${ALPHA}`,
    runner: 'MINE, reference evaluation (forward pass per candidate), extrapolated',
    value: perEval * evaluations,
    unit: 's',
    note: `${(perEval * 1000).toFixed(2)} ms per evaluation at n=4500 × ${evaluations} evaluations (upper bound: 400 per addition)`,
  });
  net.dispose();
}

async function main(): Promise<void> {
  const backend = await initBackend();
  const mineEpochs = argValue('--mine-epochs', 60);
  let start = process.hrtime.bigint();
  const pool = buildPool();
  const rows: BenchRow[] = [
    { task: 'build balanced census pool (12,000, encoded)', runner: 'JS', value: seconds(start), unit: 's', note: `${pool.x.cols} features` },
  ];

  await benchEstimator(pool, new LogisticMiEstimator(), 'logistic-ce', rows);
  await benchEstimator(pool, new MineMiEstimator({ fit: { seed: SEED, epochs: mineEpochs } }), `mine-expected (${mineEpochs} ep)`, rows);
  await benchEstimator(
    pool,
    new MineMiEstimator({ fit: { seed: SEED, epochs: mineEpochs }, marginal: 'permutation', permutationSeed: 47 }),
    `mine-permutation (${mineEpochs} ep)`,
    rows,
  );

  start = process.hrtime.bigint();
  const flipped = labelFlipping(pool, N, ALPHA, new Rng(SEED + 2));
  rows.push({
    task: 'I(S;Y) of the selected set',
    runner: `label flipping, α=${ALPHA}`,
    value: flipped.iSY,
    unit: 'bits',
    note: `label DP gap ${flipped.labelParityGap.toFixed(3)}; relabelled ${flipped.relabelled}, changed ${flipped.flipped}; ${seconds(start).toFixed(3)} s`,
  });

  await extrapolateReferenceMine(pool, rows);

  const environment = {
    backend: describeBackend(),
    backendName: backend,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    pool: PER_CELL * 4,
    n: N,
    alpha: ALPHA,
    mineEpochs,
  };
  printEnvironment(environment);
  process.stdout.write('\n');
  printTable(rows);
  process.stdout.write(`\nresults: ${writeResults('fpaGreedy', rows, environment)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
