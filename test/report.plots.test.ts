/**
 * The report's plots (cli/plots): FPA's DP gap and accuracy against α per receiver defence, built from the summary
 * rows (one run's or the means over seeds), rendered to SVG with Vega-Lite, written beside the report and inlined in
 * report.html.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fpaAgainstAlphaPlot, fpaPoints } from '../cli/plots/fpaAgainstAlpha';
import { renderSvg } from '../cli/plots';
import { writeReport } from '../cli/report';
import { acrossSeeds } from '../cli/studies/acrossSeeds';

const iv = (estimate: number) => ({ estimate, low: estimate - 0.02, high: estimate + 0.02 });

function row(method: string, alpha: number, defences: string, dpGap: number, accuracy: number) {
  const c = { accuracy: iv(accuracy), dpGap: iv(dpGap), eoGap: iv(0.1), accuracyLossVsHonest: iv(0), dpGapRiseVsHonest: iv(0), eoGapRiseVsHonest: iv(0) };
  return { method, alpha, defences, trainingISY: 0, cells: null, logistic: c, mlp: c };
}

const rows = {
  'poisoning=honest,defences=none': row('greedy-mi', 0, 'none', 0.05, 0.8),
  'poisoning=honest,defences=reweighing': row('greedy-mi', 0, 'reweighing', 0.05, 0.8),
  'poisoning=greedy-0.5,defences=none': row('greedy-mi', 0.5, 'none', 0.44, 0.71),
  'poisoning=greedy-0.5,defences=reweighing': row('greedy-mi', 0.5, 'reweighing', 0.05, 0.77),
  'poisoning=flipping-0.5,defences=none': row('label-flipping', 0.5, 'none', 0.8, 0.6),
};

describe('the FPA plot', () => {
  it('has a point per variant, classifier and measure, with its interval', () => {
    const points = fpaPoints(rows);
    expect(points).toHaveLength(5 * 2 * 2);
    const p = points.find((q) => q.variant === 'poisoning=greedy-0.5,defences=reweighing' && q.classifier === 'mlp' && q.measure === 'DP gap');
    expect(p).toMatchObject({ alpha: 0.5, defences: 'reweighing', method: 'greedy-mi', estimate: 0.05 });
    expect(p!.low).toBeCloseTo(0.03, 12);
    expect(p!.high).toBeCloseTo(0.07, 12);
  });

  it('starts every poisoning method\'s line at the honest point of the same defence', () => {
    const plot = fpaAgainstAlphaPlot(rows, true)!;
    const values = (plot.spec as { data: { values: Array<{ method: string; alpha: number; defences: string }> } }).data.values;
    const honestNone = values.filter((v) => v.alpha === 0 && v.defences === 'none');
    expect(new Set(honestNone.map((v) => v.method))).toEqual(new Set(['greedy-mi', 'label-flipping']));
    expect(plot.caption).toMatch(/over the seeds/);
  });

  it('is absent with a single poisoning ratio (nothing to draw a line through)', () => {
    expect(fpaAgainstAlphaPlot({ a: row('greedy-mi', 0.5, 'none', 0.4, 0.7) }, false)).toBeNull();
  });

  it('renders to an SVG that names each defence in its legend', async () => {
    const svg = await renderSvg(fpaAgainstAlphaPlot(rows, false)!.spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('reweighing');
    expect(svg).toContain('poisoning ratio α');
  }, 30_000);

  it('survives the means over seeds: the rows keep their method and defences', () => {
    const summary = acrossSeeds([{ fpa: { rows } }, { fpa: { rows } }]) as { fpa: { rows: Record<string, Record<string, unknown>> } };
    expect(summary.fpa.rows['poisoning=greedy-0.5,defences=reweighing']).toMatchObject({ method: 'greedy-mi', defences: 'reweighing' });
    expect(fpaPoints(summary.fpa.rows)).toHaveLength(20);
  });

  it('is written beside the report, linked from report.md, inline in report.html and kept with its data in report.json', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-plots-'));
    try {
      const report = {
        scenario: { name: 'plots', file: 'plots.yaml', seed: 1 },
        createdAt: '2026-01-01T00:00:00Z',
        verdict: 'report-only' as const,
        passed: true,
        expectations: [],
        fpa: { honestLabel: 'poisoning=honest,defences=none', rows },
      };
      const files = await writeReport(dir, report);
      expect(fs.readFileSync(path.join(dir, 'plot-fpa-against-alpha.svg'), 'utf8')).toMatch(/^<svg/);
      expect(fs.readFileSync(files.md, 'utf8')).toContain('](plot-fpa-against-alpha.svg)');
      expect(fs.readFileSync(files.html, 'utf8')).toContain('src="data:image/svg+xml;base64,');
      const json = JSON.parse(fs.readFileSync(files.json, 'utf8'));
      expect(json.plots[0].spec.data.values.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
