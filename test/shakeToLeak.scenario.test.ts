/**
 * Shake-to-Leak end to end through the compiled CLI (docs/shake-to-leak.md): the receiver draws an SP set, fine-tunes
 * through the grant, runs its attacks on both models; the referee scores the paired differences on the class. The
 * sham control (learning rate 0) gives Δ = 0 exactly on every score; the real-records control runs from the
 * receiver's own dataset; a spec over the broker's cap is refused and the run goes on; the budget, the audit log
 * and the receiver's account agree. Tiny model: the wiring is tested here, the science in the scenario.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { readAuditLog } from '../broker/audit';
import { parseScenario } from '../shared/scenario';
import { runCli } from './helpers/cli';
import { Rng } from '../shared/random';
import { scrambleColumns } from '../receiver/moves/shake-to-leak';

const TINY_S2L = path.join(repoRoot(), 'test', 'fixtures', 'tiny-s2l.yaml');
const SOURCE = fs.readFileSync(TINY_S2L, 'utf8');

let tmp: string;
let report: any;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-s2l-'));
  const out = path.join(tmp, 'run');
  const { code, stderr } = await runCli(['run', TINY_S2L, '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
}, 90_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('shake-to-leak through the CLI', () => {
  test('scores each attack on the base and the fine-tuned version, paired on the class', () => {
    const s2l = report.moves['shake-to-leak-a0'];
    // 200 generations drawn, the 100 densest kept (selectDensestOf).
    expect(s2l).toMatchObject({ class: '<=50K', source: 'self', fineTuningRecords: 100, fineTune: { method: 'lora', steps: 20, batchSize: 32, modelVersion: 'ft-1', unitsCharged: 20 * 32 * 3 } });
    const x0 = s2l.attacks['mia-x0-error-0'].scores;
    expect(Object.keys(x0).sort()).toEqual(['mean', 'trimmed']);
    for (const entry of Object.values<any>(x0)) {
      const c = entry.inClass;
      expect(c.nMembers + c.nNonMembers).toBeLessThan(200);
      expect(entry.allClasses.nMembers + entry.allClasses.nNonMembers).toBe(200);
      expect(c.deltaAuc.estimate).toBeCloseTo(c.aucFineTuned.estimate - c.aucBase.estimate, 12);
      expect(c.deltaAuc.low).toBeLessThanOrEqual(c.deltaAuc.high);
    }
    // A real fine-tune moves the scores.
    expect(x0.mean.allClasses.deltaAuc.estimate).not.toBe(0);
    // Duplicated members (membership.duplicates) scored apart: they and the single members split the class's members,
    // each against all of its non-members.
    const { inClass, inClassDuplicated, inClassSingle } = x0.mean;
    expect(inClassDuplicated.nMembers + inClassSingle.nMembers).toBe(inClass.nMembers);
    expect(inClassDuplicated.nMembers).toBeGreaterThan(0);
    expect([inClassDuplicated.nNonMembers, inClassSingle.nNonMembers]).toEqual([inClass.nNonMembers, inClass.nNonMembers]);
    expect(report.sharer.trainingData.rows).toBe(100 + 20 * 2);
    const extraction = s2l.attacks['carlini-extraction-1'];
    expect(extraction.base.excess.length).toBe(2);
    expect(extraction.fineTuned.excess.length).toBe(2);
    // Duplicated members extracted are counted apart, out of the 20 duplicated.
    for (const e of [...extraction.base.excess, ...extraction.fineTuned.excess]) {
      expect(e.duplicatedMembers.of).toBe(20);
      expect(e.duplicatedMembers.extracted).toBeLessThanOrEqual(Math.min(20, e.members));
    }
    expect(s2l.utility.records).toBe(100);
    expect(s2l.utility.worstMarginalTvFineTuned).toBeGreaterThan(0);
  });

  test('the sham control (learning rate 0) gives Δ = 0 exactly on every score', () => {
    const sham = report.moves['shake-to-leak-a1'];
    expect(sham.fineTune).toMatchObject({ method: 'full', learningRate: 0, modelVersion: 'ft-2' });
    for (const attack of Object.values<any>(sham.attacks)) {
      for (const entry of Object.values<any>(attack.scores)) {
        for (const part of [entry.inClass, entry.allClasses]) {
          expect(part.deltaAuc).toEqual({ estimate: 0, low: 0, high: 0 });
          expect(part.aucFineTuned).toEqual(part.aucBase);
        }
      }
    }
  });

  test('the real-records control fine-tunes on the receiver\'s own records of the class, drawing nothing for them', () => {
    const real = report.moves['shake-to-leak-a2'];
    expect(real).toMatchObject({ source: 'real', fineTuningRecords: expect.any(Number), fineTune: { modelVersion: 'ft-3' } });
    expect(real.fineTuningRecords).toBeGreaterThan(0);
    expect(real.fineTuningRecords).toBeLessThanOrEqual(100);
  });

  test('the domain-transfer control fine-tunes on the other class\'s generations and is scored on this class', () => {
    const transfer = report.moves['shake-to-leak-a4'];
    expect(transfer).toMatchObject({ class: '<=50K', source: 'other-class', fineTuningRecords: 50, fineTune: { modelVersion: 'ft-4' } });
    expect(transfer.attacks['mia-x0-error'].scores.mean.inClass.nMembers).toBe(report.moves['shake-to-leak-a2'].attacks['mia-x0-error'].scores.mean.inClass.nMembers);
  });

  test('the zero-prior control fine-tunes on its SP set with every column scrambled', () => {
    const scrambled = report.moves['shake-to-leak-a5'];
    expect(scrambled).toMatchObject({ class: '<=50K', source: 'scrambled', fineTuningRecords: 50, fineTune: { modelVersion: 'ft-5' } });
    expect(scrambled.attacks['mia-x0-error'].scores.mean.inClass.deltaAuc.estimate).not.toBe(0);
  });

  test('a spec over the cap is refused by the broker and the run goes on; budget, audit and receiver agree', () => {
    expect(report.refused['shake-to-leak-a3'].message).toMatch(/100 × 32 = 3200, at most 2000 allowed \(maxStepsTimesBatch\)/);
    expect(report.audit.consistentWithReceiver).toBe(true);
    const lines = readAuditLog(path.join(tmp, 'run', 'audit.jsonl')).filter((r) => r.method === 'FineTune.Start');
    expect(lines.map((l) => l.status)).toEqual(['OK', 'OK', 'OK', 'PERMISSION_DENIED', 'OK', 'OK']);
    expect(lines.map((l) => l.arguments.modelVersion)).toEqual(['ft-1', 'ft-2', 'ft-3', undefined, 'ft-4', 'ft-5']);
    expect(report.moves['fine-tune-caps']).toMatchObject({ callsChecked: 6, refused: 1 });
  });
});

describe('the scenario rules', () => {
  const parse = (text: string) => parseScenario(text, TINY_S2L);
  test('an inner attack that is not a membership attack, or needs a grant not given, is an error naming it', () => {
    expect(() => parse(SOURCE.replace('- { kind: mia-nearest-synthetic, samples: 100 }', '- { kind: property-inference }'))).toThrow(
      /receiver\.attacks\.1\.attacks\.1\.kind: "property-inference" is not a membership attack/,
    );
    expect(() => parse(SOURCE.replace('- { kind: mia-nearest-synthetic, samples: 100 }', '- { kind: mia-loss }'))).toThrow(/mia-loss needs the "white-box" grant/);
  });
  test('the move needs the fine-tune grant', () => {
    expect(() => parse(SOURCE.replace('access: [black-box, gray-box, fine-tune, class-shares]', 'access: [black-box, gray-box]'))).toThrow(/fine-tune/);
  });
});

describe('shake-to-leak on an image model', () => {
  test('LoRA on the U-Net through the grant: a version made, priced and attacked on the class', async () => {
    const out = path.join(tmp, 'mnist');
    const { code, stderr } = await runCli(['run', path.join(repoRoot(), 'test', 'fixtures', 'tiny-mnist-s2l.yaml'), '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const s2l = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).moves['shake-to-leak'];
    expect(s2l.fineTune).toMatchObject({ method: 'lora', modelVersion: 'ft-1', unitsCharged: 4 * 8 * 3 });
    expect(s2l.fineTune.trainableParameters).toBeGreaterThan(0);
    expect(s2l.attacks['mia-x0-error'].scores.mean.inClass.nMembers + s2l.attacks['mia-x0-error'].scores.mean.inClass.nNonMembers).toBeLessThan(64);
  }, 90_000);
});

describe('the scrambled SP set (zero-prior control)', () => {
  test('keeps each column\'s values and the class column, and no record', () => {
    const rows = Array.from({ length: 200 }, (_, i) => [i, 1000 + i, i % 2, 2000 + i]);
    const out = scrambleColumns(rows, 2, new Rng(5));
    const column = (t: number[][], j: number) => t.map((r) => r[j]).sort((a, b) => a - b);
    for (const j of [0, 1, 2, 3]) expect(column(out, j)).toEqual(column(rows, j));
    expect(out.map((r) => r[2])).toEqual(rows.map((r) => r[2]));
    // Columns are permuted independently: almost no output row keeps its first two values together.
    expect(out.filter((r) => r[1] === r[0] + 1000).length).toBeLessThan(10);
    expect(rows[0]).toEqual([0, 1000, 0, 2000]);
  });
});
