/**
 * The algorithmic core of the fairness poisoning attack (docs/fpa.md): plug-in I(S;Y), the I(X;Y) estimators,
 * Algorithm 1 with its two fixes, and the label-flipping baseline, on the embedded census data.
 */
import { SHARER_MOVES } from '../sharer/moves';
import { registeredMoveIds } from '../shared/moves/registry';
import { CENSUS_TASK, generateCensus } from '../shared/data/census';
import { balanceCells } from '../shared/data/split';
import {
  contingencyTable,
  discreteMutualInformationBits,
  IncrementalDiscreteMi,
  labelParityGap,
  mutualInformationBits,
} from '../shared/metrics/mutualInformation';
import { Rng } from '../shared/random';
import { initBackend, tf } from '../shared/tf';
import {
  CELLS,
  cellsInGainOrder,
  FpaPool,
  greedyMutualInformationSampling,
  labelFlipping,
  LogisticMiEstimator,
  MineMiEstimator,
  MineNetwork,
  MiEstimator,
  randomSubsetMeetingConstraint,
} from '../sharer/poisoning';
import { fpaPoolFromTable } from '../sharer/poisoningMove';

beforeAll(async () => {
  await initBackend();
});

/** A census pool with equal (s, y) cells (I(S;Y) = 0), features = every column but the label, one-hot encoded. */
function censusPool(perCell: number, seed: number): FpaPool {
  const table = generateCensus({ rows: perCell * 14, seed });
  const pool = balanceCells(table, CENSUS_TASK, new Rng(seed + 1), perCell);
  return fpaPoolFromTable(pool, CENSUS_TASK);
}

const BITS_EPS = 1e-12;

describe('plug-in I(S;Y)', () => {
  it('is 0 for an independent table and 1 bit when s = y is uniform', () => {
    expect(discreteMutualInformationBits([[10, 20], [30, 60]])).toBeCloseTo(0, 12);
    expect(discreteMutualInformationBits([[5, 0], [0, 5]])).toBeCloseTo(1, 12);
    expect(discreteMutualInformationBits([[0, 7], [7, 0]])).toBeCloseTo(1, 12);
    expect(discreteMutualInformationBits([[0, 0], [0, 0]])).toBe(0);
  });

  it('matches hand-computed values', () => {
    // P(s = y) = 3/4 with uniform marginals: I = 1 − H(3/4) = 1 − 0.8112781244591328 bits.
    expect(discreteMutualInformationBits([[3, 1], [1, 3]])).toBeCloseTo(1 - 0.8112781244591328, 12);
    // 3 × 3 uniform diagonal: log2 3.
    expect(discreteMutualInformationBits([[2, 0, 0], [0, 2, 0], [0, 0, 2]])).toBeCloseTo(Math.log2(3), 12);
    // Skewed: p = [[1/2, 1/4], [0, 1/4]]: H(S) = H(3/4), H(Y) = 1, H(S,Y) = 1.5 ⇒ I = 0.811278 + 1 − 1.5.
    expect(discreteMutualInformationBits([[2, 1], [0, 1]])).toBeCloseTo(0.8112781244591328 - 0.5, 12);
  });

  it('builds tables from label vectors and gives the label parity gap', () => {
    const s = Uint8Array.from([0, 0, 1, 1, 1, 0]);
    const y = Uint8Array.from([0, 1, 1, 1, 0, 0]);
    expect(contingencyTable(s, y)).toEqual([[2, 1], [1, 2]]);
    expect(contingencyTable(s, y, [0, 2, 3])).toEqual([[1, 0], [0, 2]]);
    expect(mutualInformationBits(s, y, [0, 2, 3])).toBeCloseTo(discreteMutualInformationBits([[1, 0], [0, 2]]), 12);
    expect(labelParityGap(s, y)).toBeCloseTo(2 / 3 - 1 / 3, 12);
  });

  it('incremental gains and additions equal recomputation from the table', () => {
    const rng = new Rng(11);
    const mi = new IncrementalDiscreteMi();
    const table = [[0, 0], [0, 0]];
    for (let step = 0; step < 3000; step++) {
      const s = rng.int(2);
      // A drifting dependence so MI moves away from 0.
      const y = rng.bernoulli(step < 1500 ? 0.5 : s === 1 ? 0.8 : 0.3) ? 1 : 0;
      for (const [cs, cy] of CELLS) {
        const after = table.map((row) => row.slice());
        after[cs][cy]++;
        expect(Math.abs(mi.valueWith(cs, cy) - discreteMutualInformationBits(after))).toBeLessThan(BITS_EPS);
      }
      mi.add(s, y);
      table[s][y]++;
      expect(Math.abs(mi.value() - discreteMutualInformationBits(table))).toBeLessThan(BITS_EPS);
    }
    expect(mi.table()).toEqual(table);
    expect(mi.value()).toBeGreaterThan(0.01);
    expect(mi.gain(1, 1)).toBeCloseTo(mi.valueWith(1, 1) - mi.value(), 15);
  });
});

describe('gain order (fix 1: ties never drop a cell)', () => {
  it('keeps all four cells when gains tie, in the fixed tie-break order', () => {
    const symmetric = new IncrementalDiscreteMi();
    symmetric.addMany(0, 0, 5);
    symmetric.addMany(1, 1, 5);
    symmetric.addMany(0, 1, 3);
    symmetric.addMany(1, 0, 3);
    // (0,0) and (1,1) tie exactly, as do (0,1) and (1,0); concordant additions raise I(S;Y).
    expect(symmetric.gain(0, 0)).toBe(symmetric.gain(1, 1));
    expect(cellsInGainOrder(symmetric)).toEqual([0, 3, 1, 2]);
    // The reference's dict keyed by the gain keeps only one cell per distinct gain.
    const referenceDict = new Map(CELLS.map(([s, y]) => [symmetric.gain(s, y), `s${s}y${y}`]));
    expect(referenceDict.size).toBe(2);
    // All four tie on an empty table.
    expect(cellsInGainOrder(new IncrementalDiscreteMi())).toEqual([0, 1, 2, 3]);
    // Exhausted cells are skipped, the rest kept.
    expect(cellsInGainOrder(symmetric, (c) => c !== 0)).toEqual([3, 1, 2]);
  });
});

describe('I(X;Y) estimators: incremental evaluation equals full evaluation', () => {
  const pool = censusPool(300, 5);
  const base = new Rng(2).sampleIndices(pool.x.rows, 400);
  const candidates = new Rng(3).sampleIndices(pool.x.rows, 40).filter((i) => !base.includes(i));

  async function checkIncremental(estimator: MiEstimator): Promise<void> {
    await estimator.prepare(pool);
    const state = estimator.openSet(base);
    expect(state.value()).toBeCloseTo(estimator.value(base), 10);
    const members = base.slice();
    for (const c of candidates) {
      expect(state.valueWith(c)).toBeCloseTo(estimator.value([...members, c]), 10);
      if (c % 2 === 0) {
        state.add(c);
        members.push(c);
      }
    }
    expect(state.size).toBe(members.length);
    expect(state.value()).toBeCloseTo(estimator.value(members), 10);
    estimator.dispose();
  }

  it('logistic cross-entropy estimator', async () => {
    const estimator = new LogisticMiEstimator();
    await checkIncremental(estimator);
  });

  it('MINE, all-pairs and fixed-permutation marginals', async () => {
    const before = tf.memory().numTensors;
    await checkIncremental(new MineMiEstimator({ fit: { seed: 1, epochs: 3 } }));
    await checkIncremental(new MineMiEstimator({ fit: { seed: 1, epochs: 3 }, marginal: 'permutation', permutationSeed: 47 }));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('MINE network', () => {
  /** y = 1[x0 + 0.3·noise > 0]: strongly dependent; yIndependent: a coin. */
  function problem(rows: number, seed: number) {
    const rng = new Rng(seed);
    const data = new Float32Array(rows * 3);
    const y = new Uint8Array(rows);
    const yIndependent = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < 3; j++) data[i * 3 + j] = rng.normal();
      y[i] = data[i * 3] + 0.3 * rng.normal() > 0 ? 1 : 0;
      yIndependent[i] = rng.bernoulli(0.5) ? 1 : 0;
    }
    return { x: { data, rows, cols: 3 }, y, yIndependent };
  }

  it('estimates a clear dependence, ~0 for independence, deterministically, and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const { x, y, yIndependent } = problem(2000, 9);
    const net = new MineNetwork();
    await net.fit(x, y, { seed: 4, epochs: 15, batchSize: 128, learningRate: 3e-3 });
    const dependent = net.estimate(x, y, 47);
    // True I = 1 − E[H(P(y|x))] ≈ 0.6 bits for this noise level; DV is a lower bound.
    expect(dependent).toBeGreaterThan(0.3);
    expect(dependent).toBeLessThan(1.0);
    expect(net.estimate(x, y, 47)).toBe(dependent);
    net.dispose();

    const netIndependent = new MineNetwork();
    await netIndependent.fit(x, yIndependent, { seed: 4, epochs: 15, batchSize: 128, learningRate: 3e-3 });
    expect(Math.abs(netIndependent.estimate(x, yIndependent, 47))).toBeLessThan(0.08);
    netIndependent.dispose();

    const again = new MineNetwork();
    await again.fit(x, y, { seed: 4, epochs: 15, batchSize: 128, learningRate: 3e-3 });
    expect(again.estimate(x, y, 47)).toBe(dependent);
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('greedy mutual-information sampling on a balanced census pool', () => {
  const pool = censusPool(1000, 7); // 4000 records, I(S;Y) = 0
  const n = 2000;
  const estimator = new LogisticMiEstimator();
  beforeAll(async () => {
    await estimator.prepare(pool);
  });

  it('the pool is balanced', () => {
    expect(mutualInformationBits(pool.s, pool.y)).toBeLessThan(1e-12);
  });

  it('α = 0.5 raises I(S;Y) and the DP gap of the selected set far above α = 0, keeping I(X;Y) within δ', () => {
    const honest = randomSubsetMeetingConstraint(pool, { n, estimator, rng: new Rng(21) });
    const poisoned = greedyMutualInformationSampling(pool, { n, alpha: 0.5, estimator, rng: new Rng(21) });
    for (const result of [honest, poisoned]) {
      expect(result.indices).toHaveLength(n);
      expect(new Set(result.indices).size).toBe(n);
      const r = result.report;
      expect(r.baseMeetsConstraint).toBe(true);
      expect(Math.abs(r.iXY - r.iXYTarget)).toBeLessThan(r.delta);
      // The report's numbers are the set's, recomputed independently.
      expect(r.iXY).toBeCloseTo(estimator.value(result.indices), 10);
      expect(r.iSY).toBeCloseTo(mutualInformationBits(pool.s, pool.y, result.indices), 12);
      expect(r.cellCounts).toEqual(contingencyTable(pool.s, pool.y, result.indices));
      expect(r.delta).toBeCloseTo(0.1 * r.iXYTarget, 12);
    }
    const h = honest.report;
    const p = poisoned.report;
    expect(h.additions).toBe(0);
    expect(h.baseSize).toBe(n);
    expect(p.baseSize).toBe(1000);
    expect(p.additions).toBe(1000);
    expect(p.additionsMeetingConstraint).toBe(p.additions);
    expect(p.perCellAdded.flat().reduce((a, b) => a + b, 0)).toBe(1000);
    // A random subset of a balanced pool is near-independent; the poisoned set is strongly dependent.
    expect(h.iSY).toBeLessThan(0.01);
    expect(p.iSY).toBeGreaterThan(0.1);
    expect(p.iSY).toBeGreaterThan(h.iSY + 0.1);
    expect(h.labelParityGap).toBeLessThan(0.1);
    expect(p.labelParityGap).toBeGreaterThan(0.35);
    // The additions are all concordant (s = y) or all discordant: whichever raises I(S;Y).
    const [[a00, a01], [a10, a11]] = p.perCellAdded;
    expect(Math.max(a00 + a11, a01 + a10)).toBeGreaterThan(950);
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = greedyMutualInformationSampling(pool, { n, alpha: 0.5, estimator, rng: new Rng(3) });
    const b = greedyMutualInformationSampling(pool, { n, alpha: 0.5, estimator, rng: new Rng(3) });
    const c = greedyMutualInformationSampling(pool, { n, alpha: 0.5, estimator, rng: new Rng(4) });
    expect(b.indices).toEqual(a.indices);
    expect(b.report).toEqual(a.report);
    expect(c.indices).not.toEqual(a.indices);
  });

  it('fix 2: a violated constraint is counted, closest-fallback or thrown, never silent', () => {
    const tight = { n: 400, alpha: 0.5, estimator, rng: new Rng(8), deltaFraction: 1e-9, maxBaseDraws: 5 };
    const result = greedyMutualInformationSampling(pool, tight);
    expect(result.indices).toHaveLength(400);
    expect(result.report.baseDraws).toBe(5);
    expect(result.report.baseMeetsConstraint).toBe(false);
    expect(result.report.additionsMeetingConstraint).toBeLessThan(result.report.additions);
    expect(() => greedyMutualInformationSampling(pool, { ...tight, rng: new Rng(8), onConstraintMiss: 'throw' })).toThrow(/δ/);
  });

  it('rejects bad options with the field named', () => {
    expect(() => greedyMutualInformationSampling(pool, { n: 0, alpha: 0.5, estimator, rng: new Rng(1) })).toThrow(/n must be/);
    expect(() => greedyMutualInformationSampling(pool, { n, alpha: 1.5, estimator, rng: new Rng(1) })).toThrow(/alpha/);
  });
});

describe('label flipping', () => {
  const pool = censusPool(500, 3);

  it('sets y = s on exactly ⌊αN⌋ records, the last ones, and leaves the rest', () => {
    for (const [n, alpha] of [
      [1001, 0.3],
      [1000, 0.5],
      [7, 0],
    ] as const) {
      const result = labelFlipping(pool, n, alpha, new Rng(6));
      const k = Math.floor(alpha * n);
      expect(result.relabelled).toBe(k);
      expect(result.indices).toHaveLength(n);
      let changed = 0;
      result.indices.forEach((i, t) => {
        if (t >= n - k) {
          expect(result.y[t]).toBe(pool.s[i]);
          if (pool.y[i] !== pool.s[i]) changed++;
        } else expect(result.y[t]).toBe(pool.y[i]);
      });
      expect(result.flipped).toBe(changed);
      expect(labelFlipping(pool, n, alpha, new Rng(6)).indices).toEqual(result.indices);
    }
    const half = labelFlipping(pool, 1000, 0.5, new Rng(6));
    expect(half.flipped).toBeGreaterThan(200);
    expect(half.flipped).toBeLessThan(300);
    expect(half.labelParityGap).toBeGreaterThan(0.35);
  });
});

describe('the poisoning moves', () => {
  it('are the sharer\'s registered moves, each with its paper, and name the scenario\'s methods', () => {
    const poisoning = SHARER_MOVES.filter((m) => m.slot === 'poisoning');
    expect(poisoning.map((m) => m.id).sort()).toEqual(['greedy-mi', 'label-flipping']);
    for (const move of poisoning) expect([move.party, move.paper]).toEqual(['sharer', expect.stringMatching(/Luo et al\. 2024/)]);
    expect(registeredMoveIds('sharer', 'poisoning')).toEqual(['greedy-mi', 'label-flipping']);
  });
});
