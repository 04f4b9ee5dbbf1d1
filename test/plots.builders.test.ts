/**
 * The report's plots of issue 20 (cli/plots): each builder on a small hand-made report section — what is plotted is
 * what the report says, the baseline (chance, the diagonal, the undefended twin, the real data) is there, it renders
 * to SVG marks, and it is absent without its section. The data they need that the referee adds: the best score's
 * ROC per rung (rocForReport) and the per-bin shares of the marginals (marginalDistances).
 */
import { accessLadderPlot, ladderRows, CHANCE_AUC } from '../cli/plots/accessLadder';
import { marginalHistogramsPlot, marginalRows, MAX_BINS, MAX_COLUMNS } from '../cli/plots/marginalHistograms';
import { piaEstimatesPlot, type PiaRow } from '../cli/plots/piaEstimates';
import { privacyUtilityPlot, type TradeOffRow } from '../cli/plots/privacyUtility';
import { CHANCE, rocLogLogPlot, type RocRow } from '../cli/plots/rocLogLog';
import { renderSvg, reportPlots } from '../cli/plots';
import { rocForReport, ROC_POINTS_IN_REPORT } from '../cli/studies/membership';
import { decileBinLabels, marginalDistances } from '../shared/metrics/marginals';
import type { Table } from '../shared/data/table';

const iv = (estimate: number, half = 0.05) => ({ estimate, low: estimate - half, high: estimate + half });
const valuesOf = <T>(plot: { spec: unknown }) => (plot.spec as { data: { values: T[] } }).data.values;
/** Marks of one type in a rendered SVG (Vega's scenegraph names each mark group by role and type). */
const marks = (svg: string, type: string) => (svg.match(new RegExp(`class="mark-${type} role-mark`, 'g')) ?? []).length;

const roc = [
  { fpr: 0.01, tpr: 0.2 },
  { fpr: 0.1, tpr: 0.5 },
  { fpr: 1, tpr: 1 },
];
const membership = (auc: number) => ({
  byAccess: {
    'black-box': { best: 'nearest-synthetic', auc: iv(auc - 0.1), roc },
    'white-box': { best: 'loss-trimmed', auc: iv(auc), roc },
  },
});
const fidelity = (gap: number) => ({ logistic: { accuracyBelowReal: iv(gap, 0.02) } });

describe('the ROC plot (log-log, per rung)', () => {
  it('draws each rung\'s best score\'s curve as the report holds it, and chance from 1/non-members to 1', () => {
    const plot = rocLogLogPlot({ membership: membership(0.8) })!;
    const rows = valuesOf<RocRow>(plot);
    expect(rows.filter((r) => r.curve === 'white-box: loss-trimmed (AUC 0.80)').map(({ fpr, tpr }) => ({ fpr, tpr }))).toEqual(roc);
    expect(rows.filter((r) => r.baseline)).toEqual([
      { variant: '', curve: CHANCE, baseline: true, fpr: 0.01, tpr: 0.01 },
      { variant: '', curve: CHANCE, baseline: true, fpr: 1, tpr: 1 },
    ]);
    expect(JSON.stringify(plot.spec)).toContain('"type":"log"');
  });

  it('renders one line per curve, chance included: without the chance rows a line is missing', async () => {
    const plot = rocLogLogPlot({ membership: membership(0.8) })!;
    const svg = await renderSvg(plot.spec);
    expect(svg).toContain(CHANCE);
    const lines = (svg.match(/<path[^>]*aria-roledescription="line mark"/g) ?? []).length;
    expect(lines).toBe(3);
    const withoutChance = { ...plot.spec, data: { values: valuesOf<RocRow>(plot).filter((r) => !r.baseline) } } as typeof plot.spec;
    const svgWithout = await renderSvg(withoutChance);
    expect((svgWithout.match(/<path[^>]*aria-roledescription="line mark"/g) ?? []).length).toBe(2);
  }, 30_000);

  it('has a panel per variant of a sweep, and is absent without curves', () => {
    const plot = rocLogLogPlot({ variants: { 'defences=none': { membership: membership(0.9) }, 'defences=dp': { membership: membership(0.55) } } })!;
    expect(new Set(valuesOf<RocRow>(plot).map((r) => r.variant))).toEqual(new Set(['defences=none', 'defences=dp']));
    expect(rocLogLogPlot({ fidelity: {} })).toBeNull();
    expect(rocLogLogPlot({ membership: { byAccess: { 'black-box': { best: 'x', auc: iv(0.5) } } } })).toBeNull();
  });
});

describe('the report\'s copy of a ROC curve', () => {
  it('keeps at most ROC_POINTS_IN_REPORT real points, all at FPR ≥ 1/non-members and TPR > 0', () => {
    const points = [{ fpr: 0, tpr: 0, threshold: null }, ...Array.from({ length: 500 }, (_, i) => ({ fpr: (i + 1) / 500, tpr: Math.sqrt((i + 1) / 500), threshold: -i }))];
    const copy = rocForReport({ points: [...points.slice(0, 1), { fpr: 0, tpr: 0.1, threshold: 9 }, ...points.slice(1)] }, 1 / 500)!;
    expect(copy.length).toBeLessThanOrEqual(ROC_POINTS_IN_REPORT);
    expect(copy[0]).toEqual({ fpr: 1 / 500, tpr: Math.sqrt(1 / 500) });
    expect(copy.at(-1)).toEqual({ fpr: 1, tpr: 1 });
    for (const p of copy) expect(points.some((q) => q.fpr === p.fpr && q.tpr === p.tpr)).toBe(true);
    expect(rocForReport(undefined, 0.01)).toBeUndefined();
  });
});

describe('the access ladder plot', () => {
  it('has a bar per rung with its interval, and chance as a rule', async () => {
    const plot = accessLadderPlot({ membership: membership(0.8) })!;
    expect(valuesOf(plot)).toEqual([
      { variant: '', access: 'black-box', best: 'nearest-synthetic', ...membership(0.8).byAccess['black-box'].auc },
      { variant: '', access: 'white-box', best: 'loss-trimmed', ...membership(0.8).byAccess['white-box'].auc },
    ]);
    expect(JSON.stringify(plot.spec)).toContain(`"chance":${CHANCE_AUC}`);
    const svg = await renderSvg(plot.spec);
    expect((svg.match(/aria-roledescription="bar"/g) ?? []).length).toBe(2);
    expect(marks(svg, 'rule')).toBeGreaterThanOrEqual(2); // whiskers and chance
    expect(svg).toContain('chance (AUC 0.5)');
  }, 30_000);

  it('groups a sweep\'s variants within each rung, and reads the means over seeds when there are replicates', () => {
    const sweep = { variants: { 'defences=none': { membership: membership(0.9) }, 'defences=dp': { membership: membership(0.55) } } };
    expect(ladderRows(sweep).map((r) => `${r.variant}/${r.access}`)).toEqual(['defences=none/black-box', 'defences=none/white-box', 'defences=dp/black-box', 'defences=dp/white-box']);
    const plot = accessLadderPlot({ membership: membership(0.6), acrossSeeds: { membership: membership(0.9) } })!;
    expect(valuesOf<{ estimate: number }>(plot).map((r) => r.estimate)).toEqual([0.8, 0.9]);
    expect(plot.caption).toMatch(/over the seeds/);
    expect(accessLadderPlot({ pia: {} })).toBeNull();
  });
});

const piaRow = (variant: string, truth: number, n: number, pHat: number, corrected: number, bound: number) => ({
  variant, truth, n, pHat, corrected, error: Math.abs(pHat - truth), correctedError: Math.abs(corrected - truth),
  hoeffdingRadius: bound / 2, discriminatorError: bound / 2, bound, held: true, interval: null, covered: null,
});

describe('the property inference plot', () => {
  const study = { property: 'sex == "Male"', discriminator: 'aux-trained', byN: {}, rows: [piaRow('share=0.3', 0.3, 100, 0.4, 0.35, 0.2), piaRow('share=0.7', 0.7, 100, 0.6, 0.66, 0.2)] };
  const run = (guess: number) => ({ pia: { attacks: [{ baselines: { midpoint: { guess: 0.5, error: 0.2 }, auxPrior: { guess, error: 0.1 } } }] } });

  it('over a sweep: the raw and corrected estimates against the truth, the bound as a band around the diagonal', async () => {
    const plot = piaEstimatesPlot({ piaStudy: study, variants: { 'share=0.3': run(0.45), 'share=0.7': run(0.45) } })!;
    const rows = valuesOf<PiaRow>(plot);
    expect(rows.filter((r) => r.role === 'estimate').map((r) => [r.truth, r.series, r.value])).toEqual([
      [0.3, 'raw p̂', 0.4], [0.3, 'corrected p̂', 0.35], [0.7, 'raw p̂', 0.6], [0.7, 'corrected p̂', 0.66],
    ]);
    const band = rows.filter((r) => r.role === 'bound');
    expect(band.map((r) => [r.truth, r.value, r.low, r.high])).toEqual([[0.3, 0.3, expect.closeTo(0.1), expect.closeTo(0.5)], [0.7, 0.7, expect.closeTo(0.5), expect.closeTo(0.9)]]);
    expect(rows.filter((r) => r.role === 'reference').map((r) => [r.series, r.value])).toEqual([['midpoint guess', 0.5], ['aux prior guess', 0.45]]);
    const svg = await renderSvg(plot.spec);
    expect(marks(svg, 'area')).toBe(1);
    expect(marks(svg, 'line')).toBe(1); // the diagonal
    expect(marks(svg, 'symbol')).toBe(1);
  }, 30_000);

  it('for one run: each n\'s estimates with the reported interval, beside the truth and the trivial guesses', async () => {
    const e = { n: 200, pHat: 0.4, corrected: 0.33, hoeffdingRadius: 0.1, discriminatorError: 0.1, bound: 0.2, error: 0.1, correctedError: 0.03, held: true, correctedHeld: true, interval: [0.2, 0.5], intervalKind: 'corrected-with-calibration', covered: true };
    const score = { index: 0, property: 'sex == "Male"', discriminator: 'aux-trained', truth: 0.3, outcomes: ['no', 'yes'], truthOf: '', byN: { 200: e }, baselines: { midpoint: { guess: 0.5, error: 0.2 }, auxPrior: { guess: 0.45, error: 0.15 } } };
    const plot = piaEstimatesPlot({ pia: { attacks: [score] } })!;
    const rows = valuesOf<PiaRow>(plot);
    expect(rows.find((r) => r.series === 'corrected p̂')).toMatchObject({ value: 0.33, low: 0.2, high: 0.5 });
    expect(rows.find((r) => r.series === 'raw p̂')).toMatchObject({ value: 0.4, low: null });
    expect(rows.filter((r) => r.role === 'reference').map((r) => [r.series, r.value])).toEqual([['truth p', 0.3], ['midpoint guess', 0.5], ['aux prior guess', 0.45]]);
    const svg = await renderSvg(plot.spec);
    expect(marks(svg, 'rule')).toBeGreaterThanOrEqual(2);
    expect(svg).toContain('midpoint guess');
    expect(piaEstimatesPlot({ membership: {} })).toBeNull();
    expect(piaEstimatesPlot({ pia: { attacks: [{ ...score, truth: [0.2, 0.3, 0.5] }] } })).toBeNull();
  }, 30_000);
});

describe('the marginal histograms', () => {
  const table = (ages: number[], sexes: number[]): Table => ({
    schema: { columns: [{ name: 'age', type: 'numeric' }, { name: 'sex', type: 'categorical', categories: ['Female', 'Male'] }] },
    rows: ages.map((a, i) => [a, sexes[i]]),
  }) as Table;

  it('the referee keeps both sides\' shares per bin, whose total variation is the column\'s', () => {
    const real = table(Array.from({ length: 100 }, (_, i) => i), Array.from({ length: 100 }, (_, i) => i % 2));
    const synthetic = table(Array.from({ length: 50 }, (_, i) => 2 * i), Array.from({ length: 50 }, () => 1));
    const [age, sex] = marginalDistances(synthetic, real);
    expect(sex.bins).toEqual([{ bin: 'Female', real: 0.5, synthetic: 0 }, { bin: 'Male', real: 0.5, synthetic: 1 }]);
    expect(age.bins.map((b) => b.bin)).toEqual(decileBinLabels([10, 20, 30, 40, 50, 60, 70, 80, 90]));
    expect(age.bins[0]).toEqual({ bin: '≤ 10', real: 0.11, synthetic: 0.12 });
    expect(age.bins.reduce((a, b) => a + Math.abs(b.real - b.synthetic), 0) / 2).toBeCloseTo(age.totalVariation, 4);
  });

  const column = (name: string, tv: number, k: number) => ({
    column: name, type: 'categorical' as const, totalVariation: tv,
    bins: Array.from({ length: k }, (_, i) => ({ bin: `${name}${i}`, real: 1 / k, synthetic: i === 0 ? 1 : 0 })),
  });

  it('draws the worst columns first, real (the baseline) beside synthetic, and sums small categories', async () => {
    const columns = [column('a', 0.1, 2), column('b', 0.9, 2), ...Array.from({ length: 10 }, (_, i) => column(`c${i}`, 0.5, 3)), column('wide', 0.95, 30)];
    const rows = marginalRows(columns);
    const panels = [...new Set(rows.map((r) => r.panel))];
    expect(panels).toHaveLength(MAX_COLUMNS);
    expect(panels.slice(0, 2)).toEqual(['wide (TV 0.95)', 'b (TV 0.90)']);
    expect(rows.filter((r) => r.panel === 'b (TV 0.90)')).toEqual([
      { panel: 'b (TV 0.90)', bin: 'b0', order: 0, side: 'real', share: 0.5 },
      { panel: 'b (TV 0.90)', bin: 'b0', order: 0, side: 'synthetic', share: 1 },
      { panel: 'b (TV 0.90)', bin: 'b1', order: 1, side: 'real', share: 0.5 },
      { panel: 'b (TV 0.90)', bin: 'b1', order: 1, side: 'synthetic', share: 0 },
    ]);
    const wide = rows.filter((r) => r.panel === 'wide (TV 0.95)' && r.side === 'real');
    expect(wide).toHaveLength(MAX_BINS);
    expect(wide.reduce((a, r) => a + r.share, 0)).toBeCloseTo(1, 3);
    const plot = marginalHistogramsPlot({ fidelity: { marginals: { columns: [column('b', 0.9, 2)] } } })!;
    const svg = await renderSvg(plot.spec);
    expect((svg.match(/aria-roledescription="bar"/g) ?? []).length).toBe(4);
    expect(svg).toContain('real');
    expect(marginalHistogramsPlot({ fidelity: { logistic: {} } })).toBeNull();
    // A report written before the bins were kept has nothing to draw.
    expect(marginalHistogramsPlot({ fidelity: { marginals: { columns: [{ column: 'a', type: 'numeric', totalVariation: 0.1 }] } } })).toBeNull();
  }, 30_000);
});

describe('the privacy–utility plot', () => {
  const report = {
    variants: {
      'defences=none': { membership: membership(0.9), fidelity: fidelity(0.02) },
      'defences=dp': { membership: membership(0.55), fidelity: fidelity(0.1) },
    },
    defenceStudy: { rows: { 'defences=dp': { undefendedLabel: 'defences=none', defences: { sharer: ['dp-training'], broker: [], receiver: [] }, classifiers: {} } } },
  };

  it('places each variant at its TSTR gap and best AUC per rung, the undefended twin marked', async () => {
    const plot = privacyUtilityPlot(report)!;
    const rows = valuesOf<TradeOffRow>(plot);
    expect(rows.map((r) => [r.variant, r.undefended, r.access, r.auc, r.tstrGap])).toEqual([
      ['defences=none', true, 'black-box', 0.8, 0.02],
      ['defences=none', true, 'white-box', 0.9, 0.02],
      ['defences=dp', false, 'black-box', expect.closeTo(0.45), 0.1],
      ['defences=dp', false, 'white-box', 0.55, 0.1],
    ]);
    expect(rows[1]).toMatchObject({ aucLow: expect.closeTo(0.85), aucHigh: expect.closeTo(0.95), tstrGapLow: expect.closeTo(0), tstrGapHigh: expect.closeTo(0.04) });
    const svg = await renderSvg(plot.spec);
    expect((svg.match(/aria-roledescription="point"/g) ?? []).length).toBe(4);
    expect(svg).toContain('undefended twin');
  }, 30_000);

  it('is absent without the undefended twin, without a defence study, or without membership', () => {
    const { 'defences=none': _twin, ...withoutTwin } = report.variants;
    expect(privacyUtilityPlot({ ...report, variants: withoutTwin })).toBeNull();
    expect(privacyUtilityPlot({ variants: report.variants })).toBeNull();
    expect(privacyUtilityPlot({ ...report, variants: { 'defences=none': { fidelity: fidelity(0) }, 'defences=dp': { fidelity: fidelity(0.1) } } })).toBeNull();
  });
});

describe('PLOT_BUILDERS', () => {
  it('lists every plot a sweep with defences and membership has, and none for an empty report', () => {
    const report = {
      variants: { 'defences=none': { membership: membership(0.9), fidelity: fidelity(0.02) }, 'defences=dp': { membership: membership(0.55), fidelity: fidelity(0.1) } },
      defenceStudy: { rows: { 'defences=dp': { undefendedLabel: 'defences=none', defences: { sharer: ['dp-training'], broker: [], receiver: [] }, classifiers: {} } } },
    };
    expect(reportPlots(report).map((p) => p.id)).toEqual(['membership-ladder', 'membership-roc', 'privacy-utility']);
    expect(reportPlots({})).toEqual([]);
  });
});
