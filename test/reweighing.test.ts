/**
 * The receiver's reweighing defence (receiver/moves/reweighing): Kamiran & Calders' weights against a hand
 * computation (AIF360's Reweighing gives the same numbers: w = n_s n_y / (n n_sy), its instance weights all 1), the
 * weighted label DP gap 0 by construction, the refusal when S is hidden, and the plan's effect on a classifier that
 * would otherwise learn S as a shortcut for Y.
 */
import { reweighing, reweighingDefence, weightedLabelDpGap } from '../receiver/moves/reweighing';
import type { ReceiverDefenceContext } from '../receiver/moves/context';
import type { Table } from '../shared/data/table';
import { trainAndEvaluate } from '../shared/evaluation/downstream';
import { Rng } from '../shared/random';
import { initBackend } from '../shared/tf';

beforeAll(async () => {
  await initBackend();
});

const task = { label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' };
const schema = {
  columns: [
    { name: 'x', type: 'numeric' as const },
    { name: 'sex', type: 'categorical' as const, categories: ['Female', 'Male'] },
    { name: 'income', type: 'categorical' as const, categories: ['<=50K', '>50K'] },
  ],
};

/** n records with the given (s, y) cell counts, cells[s][y], x = 0. */
function cellsTable(cells: number[][]): Table {
  const rows: number[][] = [];
  for (const s of [0, 1]) for (const y of [0, 1]) for (let k = 0; k < cells[s][y]; k++) rows.push([0, s, y]);
  return { schema, rows };
}

function context(synthetic: Table): ReceiverDefenceContext {
  return { synthetic, task, broker: null as never, description: null as never, attackData: {}, index: 0, seed: 1, say: () => undefined };
}

describe('reweighing (Kamiran & Calders 2012)', () => {
  test('weights by hand, as AIF360 Reweighing computes them', () => {
    // 10 records: (s, y) = (0,0) × 4, (0,1) × 1, (1,0) × 2, (1,1) × 3. n_s = 5 / 5, n_y = 6 / 4.
    //   w(0,0) = 5·6/(10·4) = 0.75   w(0,1) = 5·4/(10·1) = 2   w(1,0) = 5·6/(10·2) = 1.5   w(1,1) = 5·4/(10·3) = 2/3
    // AIF360: w_p_fav = n_fav·n_p/(n·n_p_fav) etc. (privileged = s = 1, favourable = y = 1), the same four numbers.
    const s = Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    const y = Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 1, 1, 1]);
    const r = reweighing(s, y);
    expect(r.counts).toEqual([
      [4, 1],
      [2, 3],
    ]);
    expect(r.weights[0][0]).toBeCloseTo(0.75, 12);
    expect(r.weights[0][1]).toBeCloseTo(2, 12);
    expect(r.weights[1][0]).toBeCloseTo(1.5, 12);
    expect(r.weights[1][1]).toBeCloseTo(2 / 3, 12);
    expect(Array.from(r.recordWeights)).toEqual(Array.from(s, (sv, i) => r.weights[sv][y[i]]));
    // P(y=1|s=1) = 3/5, P(y=1|s=0) = 1/5: gap 0.4 before; weighted, both are 2/5 = P(y=1).
    expect(r.labelDpGapBefore).toBeCloseTo(0.4, 12);
    expect(r.labelDpGapAfter).toBeLessThan(1e-12);
    // The total weight stays n, and so do the marginals of S and Y.
    expect(r.recordWeights.reduce((a, w) => a + w, 0)).toBeCloseTo(10, 12);
  });

  test('the weighted label DP gap is 0 by construction, on any cells', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 50; trial++) {
      const cells = [
        [1 + rng.int(500), 1 + rng.int(500)],
        [1 + rng.int(500), 1 + rng.int(500)],
      ];
      const t = cellsTable(cells);
      const s = Uint8Array.from(t.rows, (r) => r[1]);
      const y = Uint8Array.from(t.rows, (r) => r[2]);
      const r = reweighing(s, y);
      expect(weightedLabelDpGap(s, y, r.recordWeights)).toBeLessThan(1e-12);
      expect(r.labelDpGapAfter).toBeLessThan(1e-12);
    }
  });

  test('an empty cell is refused: no weights make S and Y independent', () => {
    expect(() => reweighing(Uint8Array.from([0, 0, 1]), Uint8Array.from([0, 1, 0]), { s: 'sex', y: 'income' })).toThrow(
      'reweighing: no record has sex = its privileged value and income = its positive value',
    );
  });

  test('the move: weights as the plan, evidence with the cells; S hidden is refused in one line naming task.sensitive', async () => {
    const result = await reweighingDefence.run({}, context(cellsTable([[4, 1], [2, 3]])));
    expect(result.plan?.sampleWeights?.length).toBe(10);
    expect(result.evidence.cells).toEqual([
      [4, 1],
      [2, 3],
    ]);
    expect(result.evidence.labelDpGapBefore).toBeCloseTo(0.4, 12);
    const hidden: Table = { schema: { columns: [schema.columns[0], schema.columns[2]] }, rows: [[0, 1]] };
    await expect(reweighingDefence.run({}, context(hidden))).rejects.toThrow(
      /^receiver\.defences\[0\] \(reweighing\): the synthetic records have no column "sex" \(task\.sensitive; the sharer hides it\)/,
    );
  });

  test('the plan removes the S shortcut a poisoned training set teaches a logistic classifier', async () => {
    // Training: P(y = 1 | s) = 0.25 / 0.75 (the greedy FPA selection at α = 0.5), y also depends on x. Test: S and Y
    // independent. Without weights the classifier uses S (a large DP gap on the test split); with them it does not.
    const rng = new Rng(11);
    const make = (n: number, dependent: boolean): Table => {
      const rows: number[][] = [];
      for (let i = 0; i < n; i++) {
        const y = rng.next() < 0.5 ? 1 : 0;
        const s = dependent ? (rng.next() < (y === 1 ? 0.75 : 0.25) ? 1 : 0) : rng.next() < 0.5 ? 1 : 0;
        rows.push([(y === 1 ? 0.5 : -0.5) + rng.normal(), s, y]);
      }
      return { schema, rows };
    };
    const train = make(3000, true);
    const test = make(3000, false);
    const { plan } = await reweighingDefence.run({}, context(train));
    const opts = { epochs: 10, seed: 5, learningRate: 0.01 };
    const plain = await trainAndEvaluate(train, test, task, 'logistic', opts);
    const weighted = await trainAndEvaluate(train, test, task, 'logistic', { ...opts, plan });
    expect(plain.evaluation.dpGap.estimate).toBeGreaterThan(0.3);
    expect(weighted.evaluation.dpGap.estimate).toBeLessThan(0.06);
    expect(weighted.evaluation.accuracy.estimate).toBeGreaterThanOrEqual(plain.evaluation.accuracy.estimate - 0.01);
  });
});
