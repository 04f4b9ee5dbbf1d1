/**
 * Fairness poisoning end to end (docs/fpa.md): a tiny sweep (greedy-mi and label flipping, α ∈ {0, 0.5})
 * through the compiled CLI, three real processes per variant. Checks the report's cross-variant FPA summary,
 * the sharer's ground truth (the poisoned training set carries the S–Y dependence the honest one lacks) and
 * the scenario rules. Small model: the downstream numbers are not scientific here, the wiring is.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { parseScenario, receiverSlice, sharerSlice, brokerSlice, refereeSlice } from '../shared/scenario';
import { runCli } from './helpers/cli';

const TINY_FPA = path.join(repoRoot(), 'test', 'fixtures', 'tiny-fpa.yaml');
const GREEDY = 'method=greedy-mi,alpha=0.5';
const HONEST = 'method=greedy-mi,alpha=0';
const FLIPPING = 'method=label-flipping,alpha=0.5';
const TRAIN_ROWS = 600;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-fpa-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Move {
  method: string;
  trainRows: number;
  poolRows: number;
  report: { iSY: number; relabelled?: number; flipped?: number; additions?: number };
}

describe('fairness poisoning through the CLI', () => {
  let report: any;

  beforeAll(async () => {
    const out = path.join(tmp, 'run');
    const { code, stderr } = await runCli(['run', TINY_FPA, '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  }, 90_000);

  test('the report has the FPA summary, with the first α = 0 variant as the honest baseline', () => {
    expect(report.fpa.honestLabel).toBe(HONEST);
    expect(Object.keys(report.fpa.rows)).toEqual([HONEST, GREEDY, 'method=label-flipping,alpha=0', FLIPPING]);
    const greedy = report.fpa.rows[GREEDY];
    expect(greedy).toMatchObject({ method: 'greedy-mi', alpha: 0.5 });
    const honestLogistic = report.variants[HONEST].receiver.downstream.logistic.evaluation;
    const greedyLogistic = report.variants[GREEDY].receiver.downstream.logistic.evaluation;
    expect(greedy.logistic.dpGapRiseVsHonest.estimate).toBeCloseTo(greedyLogistic.dpGap.estimate - honestLogistic.dpGap.estimate, 12);
    // Paired intervals: both variants' classifiers scored on the same resampled test records.
    expect(greedy.logistic.dpGapRiseVsHonest.low).toBeLessThanOrEqual(greedy.logistic.dpGapRiseVsHonest.estimate);
    expect(greedy.logistic.dpGapRiseVsHonest.high).toBeGreaterThanOrEqual(greedy.logistic.dpGapRiseVsHonest.estimate);
    expect(greedy.logistic.accuracyLossVsHonest.estimate).toBeCloseTo(honestLogistic.accuracy.estimate - greedyLogistic.accuracy.estimate, 12);
    expect(greedy.logistic.accuracyLossVsHonest.low).toBeLessThanOrEqual(greedy.logistic.accuracyLossVsHonest.high);
    expect(report.fpa.rows[HONEST].logistic.dpGapRiseVsHonest).toEqual({ estimate: 0, low: 0, high: 0 });
    // The test predictions serve the paired intervals and stay out of report.json.
    expect(report.variants[HONEST].receiver.downstream.logistic.testPredictions).toBeUndefined();
    expect(report.expectations).toEqual([expect.objectContaining({ metric: `fpa.rows[${GREEDY}].trainingISY`, passed: true })]);
    expect(fs.readFileSync(path.join(tmp, 'run', 'report.md'), 'utf8')).toContain('## Fairness poisoning (FPA)');
  });

  test('each row says what the sharer did: cells, I(X;Y) against the pool, additions within δ', () => {
    const move = report.variants[GREEDY].sharer.moves[0].report;
    const greedy = report.fpa.rows[GREEDY];
    expect(greedy.cells).toEqual(move.cellCounts);
    expect(greedy.cells.flat().reduce((a: number, b: number) => a + b, 0)).toBe(TRAIN_ROWS);
    expect(greedy.trainingIXY).toBe(move.iXY);
    expect(greedy.poolIXY).toBe(move.iXYTarget);
    expect(greedy.constraintMet).toBe(`${move.additionsMeetingConstraint}/${TRAIN_ROWS / 2}`);
    // Label flipping has no I(X;Y) constraint: shown as absent, not as zero.
    expect(report.fpa.rows[FLIPPING]).toMatchObject({ trainingIXY: null, constraintMet: null });
    expect(report.fpa.rows[FLIPPING].cells).toEqual(report.variants[FLIPPING].sharer.moves[0].report.cellCounts);
    const md = fs.readFileSync(path.join(tmp, 'run', 'report.md'), 'utf8');
    expect(md).toContain(`| ${GREEDY} | ${move.cellCounts[0].join(', ')}; ${move.cellCounts[1].join(', ')} |`);
  });

  test("the sharer's ground truth: the poisoned training set has I(S;Y) the honest one lacks", () => {
    const honest: Move = report.variants[HONEST].sharer.moves[0];
    const greedy: Move = report.variants[GREEDY].sharer.moves[0];
    expect(honest.report.iSY).toBeLessThan(0.02);
    expect(greedy.report.iSY).toBeGreaterThan(honest.report.iSY + 0.1);
    expect(greedy.report.additions).toBe(TRAIN_ROWS / 2);
    for (const label of [HONEST, GREEDY, FLIPPING]) {
      const v = report.variants[label];
      expect(v.sharer.trainingData.rows).toBe(TRAIN_ROWS);
      // The referee's train-on-real baseline is trained on the N records the sharer selected, not on its whole file.
      expect(v.fidelity.logistic.realTrainRows).toBe(TRAIN_ROWS);
      expect(v.sharer.moves[0].trainRows).toBe(TRAIN_ROWS);
      // Balanced pool: four equal (s, y) cells.
      expect(v.sharer.moves[0].poolRows % 4).toBe(0);
      expect(v.receiver.testBalanced).toBe(true);
    }
    // The facts are of the actual training set: the greedy cells are lopsided, the honest ones are not.
    const cells = report.variants[GREEDY].sharer.trainingData.cells;
    const concordant = cells.s0y0 + cells.s1y1;
    expect(Math.abs(concordant - (TRAIN_ROWS - concordant))).toBeGreaterThan(TRAIN_ROWS / 4);
  });

  test('label flipping relabels exactly ⌊αN⌋ records, and the training labels show it', () => {
    const move: Move = report.variants[FLIPPING].sharer.moves[0];
    expect(move.report.relabelled).toBe(Math.floor(0.5 * TRAIN_ROWS));
    expect(move.report.flipped).toBeGreaterThan(0);
    expect(move.report.flipped).toBeLessThan(move.report.relabelled!);
    expect(move.report.iSY).toBeGreaterThan(report.variants[HONEST].sharer.moves[0].report.iSY + 0.1);
    expect(report.variants['method=label-flipping,alpha=0'].sharer.moves[0].report.relabelled).toBe(0);
    // The flipped labels are written into the table the model trained on: its (s, y) cells are lopsided.
    const cells = report.variants[FLIPPING].sharer.trainingData.cells;
    expect(cells.s0y0 + cells.s1y1 - (cells.s0y1 + cells.s1y0)).toBeGreaterThan(TRAIN_ROWS / 4);
  });

  test('trainRows larger than the pool fails the run, naming sharer.poisoning.trainRows', async () => {
    const file = path.join(tmp, 'too-many.yaml');
    fs.writeFileSync(file, fs.readFileSync(TINY_FPA, 'utf8').replace(`trainRows: ${TRAIN_ROWS}`, 'trainRows: 2900'));
    const { code, stderr } = await runCli(['run', file, '--out', path.join(tmp, 'too-many'), '--cache', path.join(tmp, 'cache'), '--quiet']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/sharer\.poisoning\.trainRows: 2900 training records requested but the pool has \d+/);
  }, 30_000);
});

describe('FPA scenario fields', () => {
  const base = fs.readFileSync(TINY_FPA, 'utf8').replace(/\nsweep:[\s\S]*?\nexpect:/, '\nexpect:').replace(/\n  - metric: fpa[\s\S]*$/, '\n');

  test('poisoning reaches the sharer only, balanceTest the receiver only', () => {
    const s = parseScenario(base.replace('expect:', 'expect: []'), '/virtual/fpa.yaml');
    expect(sharerSlice(s).poisoning).toEqual({
      method: 'greedy-mi',
      alpha: 0,
      trainRows: TRAIN_ROWS,
      balancePool: true,
      deltaFraction: 0.1,
      candidatesPerCell: 100,
      estimator: 'logistic-ce',
    });
    expect(receiverSlice(s).balanceTest).toBe(true);
    for (const slice of [receiverSlice(s), brokerSlice(s), refereeSlice(s)]) expect(JSON.stringify(slice)).not.toContain('poisoning');
    for (const slice of [sharerSlice(s), brokerSlice(s), refereeSlice(s)]) expect(JSON.stringify(slice)).not.toContain('balanceTest');
  });

  test('α > 0 without a method, α ≥ 1 and an unknown method are errors naming the field', () => {
    const withPoisoning = (p: string) => base.replace('expect:', 'expect: []').replace(/poisoning: \{.*\}/, `poisoning: ${p}`);
    expect(() => parseScenario(withPoisoning('{ alpha: 0.3 }'), '/virtual/fpa.yaml')).toThrow(/sharer\.poisoning\.alpha: expected 0 with method none/);
    expect(() => parseScenario(withPoisoning('{ method: greedy-mi, alpha: 1 }'), '/virtual/fpa.yaml')).toThrow(/sharer\.poisoning\.alpha/);
    expect(() => parseScenario(withPoisoning('{ method: greedy }'), '/virtual/fpa.yaml')).toThrow(/sharer\.poisoning\.method/);
    expect(parseScenario(withPoisoning('{}'), '/virtual/fpa.yaml').sharer.poisoning).toMatchObject({ method: 'none', alpha: 0 });
  });

  test('a sweep in which every variant poisons is refused at load: the losses would have no honest baseline', () => {
    const source = fs.readFileSync(TINY_FPA, 'utf8');
    const noHonest = source.replace(/values: \[0, 0\.5\]/, 'values: [0.3, 0.5]');
    expect(noHonest).not.toBe(source);
    expect(() => parseScenario(noHonest, '/virtual/fpa.yaml')).toThrow(/fpa\.yaml:\d+:\d+: sweep: every variant poisons the sharer's training set .* but none is honest/);
    // With α = 0 among the values the same sweep loads.
    expect(() => parseScenario(source, '/virtual/fpa.yaml')).not.toThrow();
  });
});
