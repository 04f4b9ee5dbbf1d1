/**
 * The attack × defence matrix (cli/studies/matrix.ts): hand-made variants of one `cases` axis, so every cell can be
 * checked against what it must say — the baseline's values, paired changes with their verdicts, a refusal, an attack
 * a column did not run — and the table and heatmap say the same. The end-to-end run is in test/matrix.scenario.test.ts.
 */
import { matrixMarkdown, matrixStudies, verdictOf, type MatrixVariant } from '../cli/studies/matrix';
import { matrixHeatmapPlot } from '../cli/plots/matrixHeatmap';
import { renderSvg } from '../cli/plots';

const SWEEP = [{ name: 'defence', cases: [{ label: 'none', set: {} }, { label: 'strong', set: {} }, { label: 'caps', set: {} }, { label: 'receiver-only', set: {} }] }];
const isMember = [true, true, true, true, false, false, false, false];
/** A perfect separator, a useless one, and the same useless one. */
const SEPARATING = [0.9, 0.8, 0.85, 0.95, 0.1, 0.2, 0.15, 0.05];
const USELESS = [0.1, 0.9, 0.2, 0.8, 0.15, 0.85, 0.25, 0.75];
const test8 = { yTrue: [1, 0, 1, 0, 1, 0, 1, 0], s: [1, 1, 0, 0, 1, 1, 0, 0] };
const interval = (estimate: number, low: number, high: number) => ({ estimate, low, high });

function variant(label: string, opts: { scores: number[]; auc: number; predictions: number[]; refusedS2L?: boolean; s2l?: boolean; pHat: number; extraction: number }): MatrixVariant {
  return {
    label: `defence=${label}`,
    seed: 5,
    testPredictions: { ...test8, predictions: { logistic: opts.predictions } },
    membershipScores: { isMember, scores: { 'x0-error': opts.scores } },
    result: {
      membership: {
        byAccess: { 'gray-box': { best: 'x0-error', auc: interval(opts.auc, opts.auc - 0.05, opts.auc + 0.05) } },
        extraction: { 'carlini-extraction': { excess: [{ threshold: 1, members: opts.extraction, nonMembers: 0, excessOverNonMembers: opts.extraction }] } },
      },
      pia: { attacks: [{ index: 4, property: 'sex = Female', truth: 0.47, byN: { '2000': { n: 2000, pHat: opts.pHat, corrected: null, hoeffdingRadius: 0.03, error: Math.abs(opts.pHat - 0.47) } } }] },
      ...(opts.s2l === false ? {} : { moves: { 's2l': { attacks: { 'mia-x0-error': { scores: { trimmed: { inClass: { deltaAuc: interval(-0.01, -0.02, -0.005) } } } } } } } }),
      ...(opts.refusedS2L ? { refused: { s2l: { kind: 'shake-to-leak', refused: 1, message: 'FineTune.Start: over the cap' } } } : {}),
      receiver: { downstream: { logistic: { evaluation: { accuracy: interval(0.8, 0.75, 0.85), dpGap: interval(0.1, 0.05, 0.15) } } } },
      fidelity: { logistic: { accuracyBelowReal: interval(0.01, 0, 0.02) } },
    } as MatrixVariant['result'],
  };
}

const variants = [
  variant('none', { scores: SEPARATING, auc: 1, predictions: [1, 0, 1, 0, 1, 0, 1, 0], pHat: 0.47, extraction: 100 }),
  variant('strong', { scores: USELESS, auc: 0.5, predictions: [0, 1, 0, 1, 0, 1, 0, 1], pHat: 0.2, extraction: 3 }),
  variant('caps', { scores: SEPARATING, auc: 1, predictions: [1, 0, 1, 0, 1, 0, 1, 0], pHat: 0.47, extraction: 100, refusedS2L: true, s2l: false }),
  variant('receiver-only', { scores: SEPARATING, auc: 1, predictions: [1, 0, 1, 0, 1, 0, 1, 0], pHat: 0.47, extraction: 100 }),
];

const [study] = matrixStudies(SWEEP, variants, 9)!;
const row = (id: string) => study.rows[id];

test('columns are the cases, the first one the baseline; rows are every attack the runs scored, then utility', () => {
  expect(study.defences).toEqual(['none', 'strong', 'caps', 'receiver-only']);
  expect(study.baseline).toBe('none');
  expect(Object.keys(study.rows)).toEqual(['membership/gray-box', 'extraction/carlini-extraction', 'property/4', 'shake-to-leak/s2l/mia-x0-error/trimmed', 'fairness/logistic', 'utility/logistic']);
});

test('the baseline column holds the values; a defence that breaks the attack is lower on a paired interval', () => {
  expect(row('membership/gray-box').cells.none).toMatchObject({ value: { estimate: 1 }, delta: null });
  const strong = row('membership/gray-box').cells.strong;
  expect(strong.verdict).toBe('lower');
  expect((strong.delta as { estimate: number }).estimate).toBeCloseTo(verdictAuc(USELESS) - 1, 9);
  // The same scores in a column change nothing, exactly.
  expect(row('membership/gray-box').cells['receiver-only']).toMatchObject({ delta: { estimate: 0, low: 0, high: 0 }, verdict: 'no-change' });
});

test('property: Δ p̂ with both Hoeffding radii; extraction: a count without an interval', () => {
  expect(row('property/4').cells.strong.delta).toEqual({ estimate: expect.closeTo(-0.27, 9), low: expect.closeTo(-0.33, 9), high: expect.closeTo(-0.21, 9) });
  expect(row('property/4').cells.strong.verdict).toBe('lower');
  expect(row('extraction/carlini-extraction').cells.strong).toMatchObject({ value: 3, delta: -97, verdict: 'no-interval' });
});

test('a refused Shake-to-Leak is refused, not absent; utility is the accuracy change on the same test records', () => {
  expect(row('shake-to-leak/s2l/mia-x0-error/trimmed').cells.caps).toMatchObject({ verdict: 'refused', note: 'FineTune.Start: over the cap' });
  expect(row('shake-to-leak/s2l/mia-x0-error/trimmed').cells.strong.verdict).toBe('lower');
  // Every prediction flipped: accuracy 1 → 0 on the same records.
  expect(row('utility/logistic').cells.strong).toMatchObject({ delta: { estimate: -1 }, verdict: 'lower' });
  expect(row('utility/logistic').cells['receiver-only'].verdict).toBe('no-change');
});

test('a column without a row\'s attack is absent; no cases axis, no matrix', () => {
  const withoutS2l = matrixStudies(SWEEP, [variants[0], variant('strong', { scores: USELESS, auc: 0.5, predictions: [1, 0, 1, 0, 1, 0, 1, 0], pHat: 0.47, extraction: 1, s2l: false })], 9)!;
  expect(Object.values(withoutS2l[0].rows).find((r) => r.id.startsWith('shake-to-leak'))!.cells.strong.verdict).toBe('absent');
  expect(matrixStudies([{ path: 'sharer.defences', values: [[]] }], variants, 9)).toBeNull();
  expect(verdictOf(interval(0.1, -0.1, 0.2))).toBe('no-change');
  expect(verdictOf(3)).toBe('no-interval');
});

test('the table and the heatmap show the same cells', async () => {
  const table = matrixMarkdown([study]).join('\n');
  expect(table).toContain('| metric | none | strong | caps | receiver-only |');
  expect(table).toMatch(/best gray-box membership AUC .*\| 1\.000 \[0\.950, 1\.050\] \| -0\.\d+ \[-?\d\.\d+, -?\d\.\d+\] ↓ \|/);
  expect(table).toContain('refused');
  const plot = matrixHeatmapPlot([study])!;
  const cells = (plot.spec as { data: { values: Array<{ row: string; defence: string; verdict: string; text: string }> } }).data.values;
  expect(cells).toHaveLength(Object.keys(study.rows).length * study.defences.length);
  expect(cells.find((c) => c.row === 'membership AUC, gray-box' && c.defence === 'strong')).toMatchObject({ verdict: expect.stringMatching(/^lower/), text: expect.stringMatching(/^-0\./) });
  expect(cells.find((c) => c.defence === 'caps' && c.row.startsWith('Shake-to-Leak'))).toMatchObject({ text: 'refused' });
  const svg = await renderSvg(plot.spec);
  // One rect per cell inside the rect marks' group, and the cells' texts in the text marks'.
  const rects = svg.split('class="mark-rect role-mark')[1]?.split('</g>')[0] ?? '';
  expect(rects.match(/<path /g)?.length).toBe(cells.length);
  expect(svg).toContain('class="mark-text role-mark');
});

/** The AUC of a score list against `isMember` (ties count half). */
function verdictAuc(scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  isMember.forEach((m, i) => {
    if (!m) return;
    isMember.forEach((n, j) => {
      if (n) return;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

test('crossed with another swept entry: one matrix per group, one heatmap panel per group', async () => {
  const crossed = [
    ...variants.map((v) => ({ ...v, label: `poisoning=honest,${v.label}` })),
    ...variants.map((v) => ({ ...v, label: `poisoning=greedy,${v.label}` })),
  ];
  const studies = matrixStudies([{ path: 'sharer.poisoning', values: [] }, ...SWEEP], crossed, 9)!;
  expect(studies.map((s) => s.group)).toEqual(['poisoning=honest', 'poisoning=greedy']);
  const plot = matrixHeatmapPlot(studies)!;
  expect((plot.spec as { facet?: unknown }).facet).toBeDefined();
  const svg = await renderSvg(plot.spec);
  for (const group of ['poisoning=honest', 'poisoning=greedy']) expect(svg).toContain(group);
  expect(matrixMarkdown(studies).filter((l) => l.startsWith('### '))).toEqual(['### poisoning=honest', '### poisoning=greedy']);
});
