/**
 * How the joint-fidelity sections reach a reader (issue 21): report.md's section (pairs beside the halves baseline,
 * the records' DP gaps with intervals and the overlap verdict, detection beside chance) and the heatmap plot with its
 * baseline panel; both absent without the sections.
 */
import { jointFidelityMarkdown } from '../cli/jointFidelityMarkdown';
import { columnOrder, dependenceCells, dependenceHeatmapPlot, HALVES_PANEL, SYNTHETIC_PANEL } from '../cli/plots/dependenceHeatmap';
import { renderSvg, reportPlots } from '../cli/plots';
import { jointFidelity } from '../shared/metrics/jointFidelity';
import type { Table } from '../shared/data/table';
import { Rng } from '../shared/random';

const iv = (estimate: number, half = 0.02) => ({ estimate, low: estimate - half, high: estimate + half });

function table(n: number, seed: number, independent: boolean): Table {
  const rng = new Rng(seed);
  return {
    schema: {
      columns: [
        { name: 'a', type: 'numeric' },
        { name: 'b', type: 'numeric' },
        { name: 'c|d', type: 'categorical', categories: ['u', 'v'] },
      ],
    },
    rows: Array.from({ length: n }, () => {
      const a = rng.normal();
      const c = rng.int(2);
      return [a, independent ? rng.normal() : a + 0.2 * rng.normal(), c];
    }),
  };
}

const joint = jointFidelity(table(1000, 1, true), table(1000, 2, false), new Rng(3));
const fidelity = {
  joint,
  dependence: { synthetic: iv(0.06), real: iv(0.12), syntheticMinusReal: iv(-0.06, 0.03), intervalsOverlap: false },
  detection: {
    classifier: 'mlp [32, 32]',
    epochs: 10,
    syntheticVsReal: { auc: iv(0.53), recordsPerSide: 1000, trainPerSide: 700, testPerSide: 300 },
    realHalves: { auc: iv(0.5), recordsPerSide: 500, trainPerSide: 350, testPerSide: 150 },
    chance: 0.5,
  },
};

describe("report.md's joint-fidelity section", () => {
  test('pairs beside the halves, the DP gaps with the overlap verdict, detection beside chance and real halves', () => {
    const md = jointFidelityMarkdown(fidelity).join('\n');
    expect(md).toContain('## Joint fidelity');
    expect(md).toContain(`max ${joint.summary.maxDifference.toFixed(3)}`);
    expect(md).toContain(`two disjoint halves of the real records (500 each): max ${joint.halvesBaseline.maxDifference.toFixed(3)}`);
    expect(md).toMatch(/\| a × b \| Pearson r \| 0\.9\d\d \| -?0\.0\d\d \|/);
    expect(md).toContain('c\\|d'); // a column name's | splits no table cell
    expect(md).toContain('synthetic 0.060 [0.040, 0.080], real (baseline) 0.120 [0.100, 0.140]; synthetic − real -0.060 [-0.090, -0.030]; the intervals do not overlap');
    expect(md).toContain('AUC 0.530 [0.510, 0.550]; baseline: chance 0.5, real half against real half 0.500 [0.480, 0.520]');
  });

  test('a hidden sensitive column is said, and nothing is written without the sections', () => {
    const md = jointFidelityMarkdown({ dependence: { unavailable: 'the synthetic records have no column "sex"' } }).join('\n');
    expect(md).toContain('S–Y dependence of the records: not measured, the synthetic records have no column "sex"');
    expect(jointFidelityMarkdown({ marginals: {} })).toEqual([]);
    expect(jointFidelityMarkdown(undefined)).toEqual([]);
  });
});

describe('the joint-dependence heatmap', () => {
  test('each pair in both panels on one scale, the columns in schema order; renders; absent without the section', async () => {
    expect(columnOrder(joint.pairs)).toEqual(['a', 'b', 'c|d']);
    const cells = dependenceCells(joint.pairs);
    expect(cells).toHaveLength(2 * 3);
    const ab = cells.filter((c) => c.first === 'a' && c.second === 'b');
    expect(ab.map((c) => c.panel).sort()).toEqual([HALVES_PANEL, SYNTHETIC_PANEL].sort());
    expect(ab.find((c) => c.panel === SYNTHETIC_PANEL)!.difference).toBeGreaterThan(0.9);
    const plot = dependenceHeatmapPlot({ fidelity })!;
    expect(plot.id).toBe('joint-dependence');
    expect(plot.caption).toContain('two disjoint halves of the real records');
    expect(reportPlots({ fidelity }).map((p) => p.id)).toContain('joint-dependence');
    const svg = await renderSvg(plot.spec);
    expect((svg.match(/class="mark-rect role-mark/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(dependenceHeatmapPlot({ fidelity: { marginals: {} } })).toBeNull();
  });
});
