/**
 * The attack × defence matrix end to end (test/fixtures/tiny-matrix.yaml): every attack in every defence's column, the
 * first case the undefended twin, through real processes; the report carries the matrix, its table and its heatmap.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { runCli } from './helpers/cli';
import { checkReportInBrowser, launchChromium } from './helpers/browser';
import type { MatrixStudy } from '../cli/studies/matrix';

let tmp: string;
let report: { matrix: MatrixStudy[]; plots: Array<{ id: string }> };
let markdown: string;
let out: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-matrix-'));
  out = path.join(tmp, 'run');
  const { code, stderr } = await runCli(['run', path.join(repoRoot(), 'test', 'fixtures', 'tiny-matrix.yaml'), '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
  if (code !== 0) throw new Error(`tiny-matrix exited ${code}: ${stderr}`);
  report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  markdown = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
}, 180_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('one matrix: the cases as columns, every attack of the runs as a row, each cell filled', () => {
  expect(report.matrix).toHaveLength(1);
  const [m] = report.matrix;
  expect(m.defences).toEqual(['none', 'dp-eps10', 'output-noise', 'nn-rejection', 'fine-tune-caps']);
  expect(Object.keys(m.rows)).toEqual([
    'membership/black-box',
    'membership/gray-box',
    'membership/white-box',
    'extraction/carlini-extraction',
    'property/4',
    'shake-to-leak/shake-to-leak/mia-x0-error/mean',
    'fairness/logistic',
    'utility/logistic',
  ]);
  for (const row of Object.values(m.rows)) for (const d of m.defences) expect(row.cells[d]).toBeDefined();
});

test('the cells say what the defences do: the caps refuse the fine-tune; output noise leaves black-box answers alone', () => {
  const [m] = report.matrix;
  const cell = (id: string, d: string) => m.rows[id].cells[d];
  expect(cell('shake-to-leak/shake-to-leak/mia-x0-error/mean', 'fine-tune-caps').verdict).toBe('refused');
  expect(cell('shake-to-leak/shake-to-leak/mia-x0-error/mean', 'none').verdict).not.toBe('refused');
  // Noise on x̂₀ and losses does not touch sampled records: the black-box scores are the same, the change exactly 0.
  expect(cell('membership/black-box', 'output-noise').delta).toEqual({ estimate: 0, low: 0, high: 0 });
  // Nearest-neighbour rejection withholds x̂₀ near training records: the naive gray-box attacker reads them as
  // non-members, its AUC falls (docs/privacy.md: the refusals are an oracle for an attacker who knows).
  expect(cell('membership/gray-box', 'nn-rejection').verdict).toBe('lower');
});

test('the report shows it as a table and as a heatmap', () => {
  expect(markdown).toContain('## Attacks × defences');
  expect(markdown).toContain('| metric | none | dp-eps10 | output-noise | nn-rejection | fine-tune-caps |');
  expect(report.plots.map((p) => p.id)).toContain('attack-defence-matrix');
  expect(fs.readFileSync(path.join(out, 'plot-attack-defence-matrix.svg'), 'utf8')).toContain('refused');
});

test('in a browser: the card and every plot of the matrix report drawn, no error, no request', async () => {
  const browser = await launchChromium();
  try {
    const seen = await checkReportInBrowser(browser, path.join(out, 'report.html'));
    expect(seen.problems).toEqual([]);
    expect(seen.requests).toEqual([expect.stringMatching(/^file:.*report\.html$/)]);
    // The card's diagram beside the report's plots: the matrix, the ladder, the ROC, privacy–utility, property inference.
    expect(report.plots.length).toBeGreaterThanOrEqual(5);
    expect(seen.svgGraphics).toBeGreaterThanOrEqual(report.plots.length + 1);
    for (const title of ['Attacks × defences', 'Threat model']) expect(seen.text).toContain(title);
  } finally {
    await browser.close();
  }
}, 60_000);
