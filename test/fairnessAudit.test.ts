/**
 * The receiver's dependence audit (shared/fairness/dependenceAudit.ts): the gap and I(S;Y) of known tables by hand,
 * the test's calibration under the null over many simulated seeds, a large difference flagged, and the study's
 * flag rates and AUC (cli/studies/audit.ts).
 */
import type { Table } from '../shared/data/table';
import { Rng } from '../shared/random';
import {
  correctedCounts,
  countsOf,
  dependenceAudit,
  gapDifferenceTest,
  labelParityGapOf,
  labelParityGapVariance,
  mutualInformationOf,
  type SYCounts,
} from '../shared/fairness/dependenceAudit';
import { auditStudy, type AuditRun } from '../cli/studies/audit';
import { registerBuiltInMoves } from '../cli/moves';
import { parseScenario, receiverSlice } from '../shared/scenario';

const task = { sensitive: 'sex', privileged: 'Male', label: 'income', positive: '>50K' };

/** A table with counts[s][y] records of each cell (plus a column the audit ignores). */
function tableOf(c: SYCounts): Table {
  const rows: number[][] = [];
  for (const s of [0, 1]) for (const y of [0, 1]) for (let k = 0; k < c[s][y]; k++) rows.push([k % 7, s, y]);
  return {
    schema: {
      columns: [
        { name: 'age', type: 'numeric' },
        { name: 'sex', type: 'categorical', categories: ['Female', 'Male'] },
        { name: 'income', type: 'categorical', categories: ['<=50K', '>50K'] },
      ],
    },
    rows,
  };
}

/** Binomial counts of n records with P(s=1) = ps and P(y=1 | s) = py[s]. */
function drawCounts(rng: Rng, n: number, ps: number, py: [number, number]): SYCounts {
  const c: SYCounts = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i < n; i++) {
    const s = rng.next() < ps ? 1 : 0;
    const y = rng.next() < py[s] ? 1 : 0;
    c[s][y]++;
  }
  return c;
}

describe('the statistics of a table', () => {
  // s = 0: 300 negatives, 200 positives (P = 0.4); s = 1: 100, 400 (P = 0.8).
  const counts: SYCounts = [
    [300, 200],
    [100, 400],
  ];
  it('gives the hand-computed gap, its variance and I(S;Y)', () => {
    expect(labelParityGapOf(counts)).toBeCloseTo(0.4, 12);
    // 0.8·0.2/500 + 0.4·0.6/500
    expect(labelParityGapVariance(counts)).toBeCloseTo(0.16 / 500 + 0.24 / 500, 14);
    // H(S) + H(Y) − H(S,Y) with p = (0.3, 0.2, 0.1, 0.4): 1 + H(0.6) − 1.846439…
    const h = (ps: number[]) => -ps.reduce((a, p) => a + p * Math.log2(p), 0);
    const hand = 1 + h([0.4, 0.6]) - h([0.3, 0.2, 0.1, 0.4]);
    expect(hand).toBeCloseTo(0.124511, 5);
    expect(mutualInformationOf(counts)).toBeCloseTo(hand, 12);
  });
  it('is signed (the favoured group) and 0 for an independent table', () => {
    expect(labelParityGapOf([[100, 400], [300, 200]])).toBeCloseTo(-0.4, 12);
    expect(labelParityGapOf([[300, 100], [600, 200]])).toBe(0);
    expect(mutualInformationOf([[300, 100], [600, 200]])).toBe(0);
  });
  it('reads the task columns of a table, any values named by the task', () => {
    const audit = dependenceAudit(tableOf(counts), { labelParityGap: 0 }, task, { rng: new Rng(1), resamples: 200 });
    expect(audit.synthetic.counts).toEqual(counts);
    expect(audit.gapSynthetic.estimate).toBeCloseTo(0.4, 12);
    expect(audit.gapSynthetic.low).toBeLessThan(0.4);
    expect(audit.gapSynthetic.high).toBeGreaterThan(0.4);
    expect(audit.synthetic.mutualInformationBits.estimate).toBeCloseTo(0.124511, 5);
    // The other group as privileged: the gap changes sign, the MI does not.
    const flipped = dependenceAudit(tableOf(counts), { labelParityGap: 0 }, { ...task, privileged: 'Female' }, { rng: new Rng(1), resamples: 50 });
    expect(flipped.gapSynthetic.estimate).toBeCloseTo(-0.4, 12);
    expect(() => dependenceAudit(tableOf(counts), { labelParityGap: 0 }, { ...task, sensitive: 'race' }, { rng: new Rng(1) })).toThrow(/race/);
  });
  it('counts a subset of indices (a bootstrap resample)', () => {
    expect(countsOf([0, 1, 1, 0], [1, 1, 0, 0], [1, 1, 3])).toEqual([
      [1, 0],
      [0, 2],
    ]);
  });
});

describe('the confusion-matrix correction (S hidden)', () => {
  it('inverts a known discriminator per label class', () => {
    // True counts [[400, 100], [200, 300]]; TPR 0.8, FPR 0.1: ŝ=1 in y=0: 0.8·200 + 0.1·400 = 200, in y=1: 0.8·300 + 0.1·100 = 250.
    const guessed: SYCounts = [
      [600 - 200, 400 - 250],
      [200, 250],
    ];
    const c = correctedCounts(guessed, 0.8, 0.1);
    expect(c[0][0]).toBeCloseTo(400, 9);
    expect(c[0][1]).toBeCloseTo(100, 9);
    expect(c[1][0]).toBeCloseTo(200, 9);
    expect(c[1][1]).toBeCloseTo(300, 9);
    expect(labelParityGapOf(c)).toBeCloseTo(0.6 - 0.2, 9);
    // The raw ŝ-gap is attenuated towards 0: 250/450 − 150/550.
    expect(labelParityGapOf(guessed)).toBeCloseTo(250 / 450 - 150 / 550, 12);
    expect(() => correctedCounts(guessed, 0.4, 0.5)).toThrow(/TPR/);
  });
});

describe('the two-sample test', () => {
  it('is the two-sided normal test at tolerance 0 and weaker with a tolerance', () => {
    const t = gapDifferenceTest({ gap: 0.1, variance: 0.0009 }, { gap: 0.04, variance: 0.0016 });
    expect(t.standardError).toBeCloseTo(0.05, 12);
    expect(t.z).toBeCloseTo(1.2, 12);
    expect(t.pValue).toBeCloseTo(0.2301, 3); // 2·Φ(−1.2)
    const tolerant = gapDifferenceTest({ gap: 0.1, variance: 0.0009 }, { gap: 0.04, variance: 0.0016 }, 0.05);
    expect(tolerant.pValue).toBeGreaterThan(t.pValue);
    expect(() => gapDifferenceTest({ gap: 0, variance: 0 }, { gap: 0, variance: 0 })).toThrow(/standard error/);
  });

  it('is calibrated: under the null, about alpha of many simulated seeds are flagged (a small real reference, and a published gap)', () => {
    const rng = new Rng(2024);
    const seeds = 4000;
    let flaggedData = 0;
    let flaggedPublished = 0;
    for (let k = 0; k < seeds; k++) {
      // The synthetic draw (6,000) and the receiver's own real split (1,000) from the same dependent population.
      const syn = drawCounts(rng, 6000, 0.6, [0.25, 0.35]);
      const ref = drawCounts(rng, 1000, 0.6, [0.25, 0.35]);
      const synGap = { gap: labelParityGapOf(syn), variance: labelParityGapVariance(syn) };
      if (gapDifferenceTest(synGap, { gap: labelParityGapOf(ref), variance: labelParityGapVariance(ref) }).pValue < 0.05) flaggedData++;
      if (gapDifferenceTest(synGap, { gap: 0.1, variance: 0 }).pValue < 0.05) flaggedPublished++;
    }
    // 4,000 seeds: the flag rate's standard error is 0.0034, so ±0.013 is about 4 of them.
    expect(Math.abs(flaggedData / seeds - 0.05)).toBeLessThan(0.013);
    expect(Math.abs(flaggedPublished / seeds - 0.05)).toBeLessThan(0.013);
  });

  it('ignores the reference\'s sampling error at its peril: treating a 1,000-row split as exact over-flags', () => {
    const rng = new Rng(7);
    let flagged = 0;
    for (let k = 0; k < 2000; k++) {
      const syn = drawCounts(rng, 6000, 0.5, [0.3, 0.3]);
      const ref = drawCounts(rng, 1000, 0.5, [0.3, 0.3]);
      if (gapDifferenceTest({ gap: labelParityGapOf(syn), variance: labelParityGapVariance(syn) }, { gap: labelParityGapOf(ref), variance: 0 }).pValue < 0.05) flagged++;
    }
    // 46% of null seeds (4.8% with the reference's variance in SE; docs/fairness-audit.md).
    expect(flagged / 2000).toBeGreaterThan(0.35);
  });

  it('flags a large difference (a poisoned table against a fair reference)', () => {
    const rng = new Rng(3);
    const poisoned = tableOf(drawCounts(rng, 6000, 0.5, [0.6, 0.4]));
    const fair = tableOf(drawCounts(rng, 1000, 0.5, [0.5, 0.5]));
    const audit = dependenceAudit(poisoned, { table: fair, name: 'reference' }, task, { rng: new Rng(4), resamples: 200 });
    expect(audit.flagged).toBe(true);
    expect(audit.pValue).toBeLessThan(1e-4);
    expect(audit.difference).toBeLessThan(-0.1);
    expect(audit.reference.kind).toBe('data');
    expect(typeof audit.gapReference).toBe('object');
    // An equally fair synthetic table is not flagged.
    const honest = dependenceAudit(tableOf(drawCounts(rng, 6000, 0.5, [0.5, 0.5])), { table: fair, name: 'reference' }, task, { rng: new Rng(5), resamples: 200 });
    expect(honest.pValue).toBeGreaterThan(0.05);
  });
});

describe('the audit study (cli/studies/audit.ts)', () => {
  const run = (variant: string, alpha: number, pValue: number, seed: number): AuditRun => ({
    variant,
    seed,
    method: 'greedy-mi',
    alpha,
    audit: { kind: 'fairness-audit', flagged: pValue < 0.05 ? 1 : 0, pValue, z: 0, alpha: 0.05, gapSynthetic: { estimate: 0 }, difference: 0, truth: { trainingLabelParityGap: 0, trainingISY: 0 } },
  });
  it('gives flag rates with Clopper–Pearson intervals and the AUC of the p-value', () => {
    const runs = [
      ...[0.5, 0.3, 0.01, 0.9].map((p, i) => run('honest', 0, p, i)),
      ...[1e-5, 0.02, 0.2, 1e-9].map((p, i) => run('greedy-0.2', 0.2, p, i)),
    ];
    const study = auditStudy(runs)!;
    expect(study.rows.honest.flagRate).toMatchObject({ estimate: 0.25, flagged: 1, runs: 4 });
    expect(study.rows['greedy-0.2'].flagRate.estimate).toBe(0.75);
    // Clopper–Pearson, 1 of 4: [0.0063, 0.8059].
    expect(study.rows.honest.flagRate.low).toBeCloseTo(0.0063, 3);
    expect(study.rows.honest.flagRate.high).toBeCloseTo(0.8059, 3);
    // Poisoned p-values below honest ones in 14 of 16 pairs (0.02 and 0.2 are above the honest 0.01).
    expect(study.rows['greedy-0.2'].aucVsHonest).toBeCloseTo(14 / 16, 12);
    expect(study.detector!.auc).toBeCloseTo(14 / 16, 12);
    expect(study.detector!.falsePositiveRate.estimate).toBe(0.25);
    expect(study.rows.honest.aucVsHonest).toBeNull();
    expect(study.seeds).toEqual([0, 1, 2, 3]);
  });
  it('all flagged gives [0.69, 1] over 10 runs, and no honest runs gives no detector', () => {
    const study = auditStudy([...Array(10).keys()].map((i) => run('greedy-0.5', 0.5, 1e-12, i)))!;
    expect(study.rows['greedy-0.5'].flagRate.low).toBeCloseTo(0.6915, 3);
    expect(study.rows['greedy-0.5'].flagRate.high).toBe(1);
    expect(study.detector).toBeNull();
    expect(auditStudy([])).toBeNull();
  });
});

describe('the fairness-audit defence in a scenario', () => {
  beforeAll(() => registerBuiltInMoves());
  const scenario = (defence: string[], extraSharer: string[] = []) =>
    [
      'name: audit-unit',
      'seed: 1',
      'datasets:',
      '  private: { source: census, rows: 2000, dependence: 0 }',
      '  test: { source: census, rows: 1000, dependence: 0 }',
      '  reference: { source: census, rows: 500, dependence: 0 }',
      'task: { label: income, positive: ">50K", sensitive: sex, privileged: Male }',
      'sharer:',
      '  data: private',
      '  model: { kind: tabular-ddpm, trainSteps: 10 }',
      ...extraSharer,
      'broker: { access: [black-box], budget: { samples: 1000 } }',
      'receiver:',
      '  testData: test',
      '  draw: { samples: 500 }',
      '  defences:',
      ...defence,
    ].join('\n') + '\n';

  it('hands the reference dataset to the receiver as attackData, with its seed; a published gap hands none', () => {
    const s = parseScenario(scenario(['    - { kind: fairness-audit, reference: reference }']), '/virtual/audit.yaml');
    const slice = receiverSlice(s);
    expect(Object.keys(slice.attackData)).toEqual(['reference']);
    expect(slice.attackData.reference).toMatchObject({ source: 'census', rows: 500, name: 'reference' });
    expect(slice.defences[0]).toMatchObject({ kind: 'fairness-audit', reference: 'reference', alpha: 0.05, tolerance: 0 });
    const published = parseScenario(scenario(['    - { kind: fairness-audit, reference: { labelParityGap: 0.02 } }']), '/virtual/audit.yaml');
    expect(receiverSlice(published).attackData).toEqual({});
  });

  it('refuses an undeclared reference, the sharer\'s data, and a hidden S, naming the field', () => {
    expect(() => parseScenario(scenario(['    - { kind: fairness-audit, reference: nope }']), '/virtual/audit.yaml')).toThrow(
      /receiver\.defences\.0\.reference: expected the name of a dataset declared under datasets/,
    );
    expect(() => parseScenario(scenario(['    - { kind: fairness-audit, reference: private }']), '/virtual/audit.yaml')).toThrow(
      /receiver\.defences\.0\.reference: must not be the sharer's dataset/,
    );
    // S hidden: the discriminator auditor needs a reference dataset to learn ŝ from, not a published gap.
    expect(() => parseScenario(scenario(['    - { kind: fairness-audit, reference: { labelParityGap: 0 } }'], ['  hideColumns: [sex]']), '/virtual/audit.yaml')).toThrow(
      /receiver\.defences\.0\.reference: task\.sensitive "sex" is hidden/,
    );
    expect(() => parseScenario(scenario(['    - { kind: fairness-audit, reference: reference }'], ['  hideColumns: [sex]']), '/virtual/audit.yaml')).not.toThrow();
    expect(() => parseScenario(scenario(['    - { kind: fairness-audit, reference: reference, alpha: 2 }']), '/virtual/audit.yaml')).toThrow(/receiver\.defences\.0\.alpha/);
  });
});
