/**
 * The membership game end to end (docs/mia.md): a tiny access ladder through the compiled CLI (three real
 * processes, every rung's attacks and extraction on one challenge set), the game's split and what each party is
 * told, and the scenario rules with their messages. Small model: the numbers are not scientific here, the
 * wiring is (test/mia.attacks.test.ts checks that the attacks separate members on an overfit model).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { membershipGame, parseScenario, receiverGameSlice, sharerGameSlice } from '../shared/scenario';
import { readAuditLog } from '../broker/audit';
import { membershipSection } from '../cli/studies/membership';
import { scoreMembershipEvidence } from '../receiver/moves/membership/score';
import { runCli } from './helpers/cli';
import { loadDataset } from '../shared/data/loadDataset';
import { Rng, deriveSeed } from '../shared/random';

const TINY_MIA = path.join(repoRoot(), 'test', 'fixtures', 'tiny-mia.yaml');
const SOURCE = fs.readFileSync(TINY_MIA, 'utf8');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-mia-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const parse = (text: string) => parseScenario(text, TINY_MIA);

describe('the access ladder through the CLI', () => {
  let report: any;
  const out = () => path.join(tmp, 'run');

  beforeAll(async () => {
    const { code, stderr } = await runCli(['run', TINY_MIA, '--out', out(), '--cache', path.join(tmp, 'cache'), '--quiet']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    report = JSON.parse(fs.readFileSync(path.join(out(), 'report.json'), 'utf8'));
  }, 60_000);

  test('the report carries the ladder, the log-log ROC and the marginal plots, each with its data and its SVG file', () => {
    const ids = report.plots.map((p: any) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['membership-ladder', 'membership-roc', 'marginals']));
    for (const id of ['membership-ladder', 'membership-roc', 'marginals']) {
      expect(fs.readFileSync(path.join(out(), `plot-${id}.svg`), 'utf8')).toMatch(/^<svg/);
      expect(report.plots.find((p: any) => p.id === id).spec.data.values.length).toBeGreaterThan(0);
    }
    // The ROC copy in the report is a bounded subset of the best score's roc file, from FPR = 1/non-members.
    const rung = report.membership.byAccess['white-box'];
    const file = JSON.parse(fs.readFileSync(path.join(out(), `roc-${rung.best}.json`), 'utf8'));
    expect(rung.roc.length).toBeLessThanOrEqual(60);
    for (const p of rung.roc) {
      expect(p.fpr).toBeGreaterThanOrEqual(0.01);
      expect(file.points).toContainEqual(expect.objectContaining(p));
    }
    expect(report.fidelity.marginals.columns[0].bins.length).toBeGreaterThan(1);
  });

  test('every score of every rung is reported with AUC, conservative TPRs and intervals, and its ROC file', () => {
    const m = report.membership;
    expect(m.game).toMatchObject({ pool: 'pool', poolRows: 400, members: 100, nonMembers: 100, challenge: 200, nonMemberCopiesReplaced: 0 });
    // Every non-member is counted once by how many columns separate it from its nearest member, never 0 (no copies).
    const near = m.game.nonMembersByColumnsFromNearestMember;
    expect(Object.values(near).reduce((a: number, b: any) => a + b, 0)).toBe(100);
    expect(near['0']).toBeUndefined();
    const aggs = ['mean', 'median', 'min', 'max', 'sum', 'trimmed'];
    expect(Object.keys(m.scores).sort()).toEqual(
      ['nearest-synthetic', 'secmi', 'pia', 'trajectory-mean', 'trajectory-min', ...aggs.map((a) => `loss-${a}`), ...aggs.map((a) => `x0-error-${a}`)].sort(),
    );
    for (const [key, e] of Object.entries<any>(m.scores)) {
      expect(e.nMembers).toBe(100);
      expect(e.nNonMembers).toBe(100);
      expect(e.auc.low).toBeLessThanOrEqual(e.auc.estimate);
      expect(e.auc.high).toBeGreaterThanOrEqual(e.auc.estimate);
      expect(Object.keys(e.tprAt)).toEqual(['0.001', '0.01', '0.1']);
      expect(e.aucOverChance.estimate).toBeCloseTo(e.auc.estimate - 0.5, 12);
      const roc = JSON.parse(fs.readFileSync(path.join(out(), e.rocFile), 'utf8'));
      expect(e.rocFile).toBe(`roc-${key}.json`);
      expect(roc.auc).toBe(e.auc.estimate);
      expect(roc.points[0]).toEqual({ fpr: 0, tpr: 0, threshold: null });
      expect(roc.points.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    }
    expect(m.scores['loss-trimmed'].access).toEqual(['white-box']);
    expect(m.scores.secmi.access).toEqual(['gray-box']);
    // The trajectory attack: the low-noise half of the 20 sampler steps (t ≤ 9), 4 of them; 50 chains per class.
    expect(m.scores['trajectory-mean'].access).toEqual(['gray-box']);
    expect(m.scores['trajectory-mean'].details).toMatchObject({ timesteps: [0, 3, 6, 9], samplerSteps: 20, samplesPerClass: 50, classes: [0, 1] });
    expect(Object.keys(m.byAccess)).toEqual(['black-box', 'gray-box', 'white-box']);
    expect(m.trimmedVsMean.loss.difference.estimate).toBeCloseTo(m.scores['loss-trimmed'].auc.estimate - m.scores['loss-mean'].auc.estimate, 12);
    // With its paired bootstrap interval (pairedAucDifference, tested in metrics.roc.test.ts).
    const paired = m.trimmedVsMean.loss.difference;
    expect(paired.low).toBeLessThanOrEqual(paired.estimate);
    expect(paired.high).toBeGreaterThanOrEqual(paired.estimate);
    expect(m.trimmedVsMean.loss.verdict).toBe(paired.low > 0 ? 'trimmed-better' : paired.high < 0 ? 'mean-better' : 'tie');
    const x = m.extraction['carlini-extraction'];
    expect(x.training).toMatchObject({ generations: 200, referenceRecords: 100, neighbours: 10 });
    expect(x.nonMemberBaseline.referenceRecords).toBe(100);
    expect(x.training.counts.map((c: any) => c.threshold)).toEqual([1, 0.5]);
    // The raw scores beside the truth, for re-analysis.
    const raw = JSON.parse(fs.readFileSync(path.join(out(), 'membership-scores.json'), 'utf8'));
    expect(raw.isMember.filter(Boolean)).toHaveLength(100);
    expect(Object.keys(raw.scores).sort()).toEqual(Object.keys(m.scores).sort());
    expect(raw.scores.secmi).toHaveLength(200);
  });

  test('each rung reports, at every FPR, the largest TPR of any of its scores and which score it is', () => {
    for (const [grant, rung] of Object.entries(report.membership.byAccess) as Array<[string, any]>) {
      const scores = Object.entries(report.membership.scores).filter(([, e]: [string, any]) => e.access.includes(grant)) as Array<[string, any]>;
      for (const level of ['0.001', '0.01', '0.1']) {
        const largest = Math.max(...scores.map(([, e]) => e.tprAt[level]));
        expect(rung.maxTprAt[level].tpr).toBe(largest);
        expect(report.membership.scores[rung.maxTprAt[level].score].tprAt[level]).toBe(largest);
        expect(rung.maxTprAt[level].tpr).toBeGreaterThanOrEqual(rung.tprAt[level]);
      }
    }
  });

  test('the sharer trained on the members only; every query is in the audit log and matches the receiver', () => {
    expect(report.sharer.trainingData.rows).toBe(100);
    expect(report.audit.consistentWithReceiver).toBe(true);
    const methods = new Set(readAuditLog(path.join(out(), 'audit.jsonl')).map((r) => r.method));
    expect([...methods].sort()).toEqual(['BlackBox.Sample', 'Gateway.Describe', 'GrayBox.Encode', 'GrayBox.PredictX0', 'GrayBox.Trajectory', 'WhiteBox.TimestepLoss']);
    // The trajectory attack's calls: 50 chains of S = 20 steps for each of the two classes, x̂₀ at the kept steps.
    const trajectory = readAuditLog(path.join(out(), 'audit.jsonl')).filter((r) => r.method === 'GrayBox.Trajectory');
    expect(trajectory.map((r) => (r.arguments as any).classIndex).sort()).toEqual([0, 1]);
    expect(trajectory.every((r) => r.samplesReturned === 50 * 20 && (r.arguments as any).includePredictedX0 === true)).toBe(true);
    const run = report.receiver.attacks.find((a: any) => a.kind === 'mia-trajectory');
    expect(run.queryUnits).toBe(200 + 2 * 50 * 20);
    expect(report.broker.budgetSamplesUsed).toBe(report.audit.samplesReturned);
    const md = fs.readFileSync(path.join(out(), 'report.md'), 'utf8');
    expect(md).toContain('## Membership inference: the access ladder');
    expect(md).toMatch(/\| white-box \| loss-trimmed \|/);
    // Raw scores stay out of report.json (they are in the ROC files); the challenge labels never appear.
    expect(report.receiver.attacks.every((a: any) => a.scores === undefined)).toBe(true);
  });
});

describe('the game', () => {
  const s = parse(SOURCE);
  const game = membershipGame(s)!;

  test('members and non-members are disjoint draws from the one pool, the same every time', () => {
    expect(game.members.rows).toHaveLength(100);
    expect(game.nonMembers.rows).toHaveLength(100);
    const key = (r: number[]) => r.join(',');
    const memberKeys = new Set(game.members.rows.map(key));
    expect(game.nonMembers.rows.some((r) => memberKeys.has(key(r)))).toBe(false);
    expect(game.isMember.filter(Boolean)).toHaveLength(100);
    game.challenge.rows.forEach((r, i) => expect(r).toEqual((game.isMember[i] ? game.members : game.nonMembers).rows[game.sourceIndex[i]]));
    // Shuffled: members are not simply first.
    expect(game.isMember.slice(0, 100).every(Boolean)).toBe(false);
    expect(membershipGame(parse(SOURCE))!.challenge).toEqual(game.challenge);
    expect(membershipGame(parse(SOURCE.replace('seed: 21', 'seed: 22')))!.challenge).not.toEqual(game.challenge);
  });

  test('no non-member is an exact copy of a member in the shared columns; the members are the plain draw', () => {
    // Hiding the numeric columns leaves five categorical ones: many records of the pool are exact copies of others.
    const copies = parse(SOURCE.replace('  data: pool\n', '  data: pool\n  hideColumns: [age, hours_per_week, capital_gain, education_years]\n'));
    const g = membershipGame(copies)!;
    const key = (r: number[]) => r.join(',');
    const shared = (t: { schema: { columns: Array<{ name: string }> }; rows: number[][] }) => {
      const keep = t.schema.columns.map((c, j) => (copies.sharer.hideColumns.includes(c.name) ? -1 : j)).filter((j) => j >= 0);
      return t.rows.map((r) => key(keep.map((j) => r[j])));
    };
    const memberKeys = new Set(shared(g.members));
    expect(shared(g.nonMembers).filter((k) => memberKeys.has(k))).toEqual([]);
    // The plain i.i.d. draw of the same seed: the members are its first N, and the replaced copies are its non-members
    // whose shared columns equal a member's.
    const pool = loadDataset(copies.datasets.pool, deriveSeed(copies.seed, 'dataset/pool'));
    const plain = new Rng(deriveSeed(copies.seed, 'membership/split')).sampleIndices(pool.rows.length, 200);
    expect(g.members.rows).toEqual(plain.slice(0, 100).map((i) => pool.rows[i]));
    const plainNonMembers = shared({ schema: pool.schema, rows: plain.slice(100).map((i) => pool.rows[i]) });
    expect(g.nonMemberCopiesReplaced).toBe(plainNonMembers.filter((k) => memberKeys.has(k)).length);
    expect(g.nonMemberCopiesReplaced).toBeGreaterThan(10);
    // Without copies in the pool nothing is replaced, and the game is the plain draw.
    expect(game.nonMemberCopiesReplaced).toBe(0);
    expect(game.nonMembers.rows).toEqual(plain.slice(100).map((i) => pool.rows[i]));
  });

  test('duplicated members: a seeded draw of members is in the training set `copies` times, the challenge holds each member once', () => {
    const dup = parse(SOURCE.replace('nonMembers: 100 }', 'nonMembers: 100, duplicates: { members: 10, copies: 4 } }'));
    const g = membershipGame(dup)!;
    // The members, the non-members and the challenge are those of the game without duplicates.
    expect(g.members.rows).toEqual(game.members.rows);
    expect(g.challenge.rows).toEqual(game.challenge.rows);
    expect(g.memberCopies.filter((c) => c === 4)).toHaveLength(10);
    expect(g.memberCopies.filter((c) => c === 1)).toHaveLength(90);
    expect(g.trainingSet.rows).toHaveLength(90 + 10 * 4);
    const key = (r: number[]) => r.join(',');
    const count = new Map<string, number>();
    for (const r of g.trainingSet.rows) count.set(key(r), (count.get(key(r)) ?? 0) + 1);
    g.members.rows.forEach((r, i) => expect(count.get(key(r))).toBe(g.memberCopies[i]));
    // By challenge position: a member's copies, 0 for a non-member.
    g.challengeCopies.forEach((c, i) => expect(c).toBe(g.isMember[i] ? g.memberCopies[g.sourceIndex[i]] : 0));
    // The scorer reports duplicated and single members apart: here only the duplicated ones score above every non-member.
    const scores = g.challengeCopies.map((c, i) => (c > 1 ? 10 + i : i % 7));
    const evidence = { kind: 'mia-loss', index: 0, access: ['white-box'], samplesDrawn: 0, queryUnits: 0, seconds: 0, details: {}, scores: { score: scores } };
    const entry = (scoreMembershipEvidence(evidence, { game: g, seed: 1 }, 'loss', { resamples: 50 }).report as any).membership.scores.loss;
    expect(entry.byCopies).toMatchObject({ nDuplicated: 10, nSingle: 90, duplicated: { estimate: 1 } });
    expect(entry.byCopies.single.estimate).toBeLessThan(0.6);
    expect((scoreMembershipEvidence(evidence, { game, seed: 1 }, 'loss', { resamples: 50 }).report as any).membership.scores.loss.byCopies).toBeUndefined();
    // Without duplicates the training set is the members themselves.
    expect(game.trainingSet).toBe(game.members);
    expect(sharerGameSlice(dup, g.trainingSet).trainingRecords.rows).toHaveLength(130);
    expect(() => parse(SOURCE.replace('nonMembers: 100 }', 'nonMembers: 100, duplicates: { members: 101, copies: 4 } }'))).toThrow(
      /membership\.duplicates\.members.*at most membership\.members \(100\)/,
    );
  });

  test('the sharer is handed exactly the members, never the pool; the receiver the challenge, never the labels', () => {
    const sharer = sharerGameSlice(s, game.members);
    expect(sharer.trainingRecords.rows).toEqual(game.members.rows);
    expect(sharer.data).toEqual({ source: 'membership', name: 'pool', seed: expect.any(Number) });
    expect(JSON.stringify(sharer)).not.toContain('"rows":400');
    const receiver = receiverGameSlice(s, game.challenge);
    expect(receiver.membershipChallenge.rows).toEqual(game.challenge.rows);
    const text = JSON.stringify(receiver);
    for (const word of ['isMember', 'sourceIndex', 'nonMembers', '"members"', 'trainingRecords']) expect(text).not.toContain(word);
  });

  /** One membership move's scores through its scorer and the referee's section, as the referee runs them. */
  function scoreMembership(kind: string, label: string, scores: Record<string, number[]>, resamples?: number) {
    const evidence = { kind, index: 0, access: ['gray-box'], samplesDrawn: 0, queryUnits: 0, seconds: 0, details: {}, scores };
    const scored = scoreMembershipEvidence(evidence, { game, seed: 1 }, label, { resamples });
    const { section, files } = membershipSection(game, scored.report.membership as object, [{ label, scores }]);
    return { section, rocFiles: { ...scored.files, ...files } };
  }

  test('the referee scores against the truth: perfect scores give AUC 1 and TPR 1 at every FPR', () => {
    const perfect = game.isMember.map((m) => (m ? 1 : 0));
    const { section, rocFiles } = scoreMembership('mia-secmi', 'secmi', { score: perfect }, 50);
    expect(section.scores.secmi.auc.estimate).toBe(1);
    expect(section.scores.secmi.tprAt).toEqual({ '0.001': 1, '0.01': 1, '0.1': 1 });
    expect(Object.keys(rocFiles)).toEqual(['roc-secmi.json', 'membership-scores.json']);
    const inverted = scoreMembership('mia-secmi', 'secmi', { score: perfect.map((v) => -v) }, 50);
    expect(inverted.section.scores.secmi.auc.estimate).toBe(0);
    expect(() => scoreMembership('mia-pia', 'pia', { score: [1, 2] })).toThrow(
      /receiver\.attacks\[0\] \(mia-pia\): 2 scores "score" for 200 challenge records/,
    );
  });
});

describe('scenario rules name the field at fault', () => {
  test.each([
    ['a membership attack without the game', SOURCE.replace('membership: { members: 100, nonMembers: 100 }\n', ''), /receiver\.attacks\.0\.kind: needs the top-level `membership` section/],
    ['more members and non-members than the pool holds', SOURCE.replace('nonMembers: 100', 'nonMembers: 301'), /membership\.nonMembers: expected membership\.members \+ membership\.nonMembers ≤ the pool's rows \(sharer\.data "pool": 400\), got 401/],
    ['a gray-box attack under black-box and white-box access', SOURCE.replace('access: [black-box, gray-box, white-box, class-shares]', 'access: [black-box, white-box]'), /receiver\.attacks\.1\.kind: attack needs gray-box access, which broker\.access \(black-box, white-box\) does not grant/],
    ['a truncation past the schedule', SOURCE.replace('{ kind: mia-x0-error, timesteps: { count: 5 } }', '{ kind: mia-x0-error, timesteps: { count: 5, max: 20 } }'), /receiver\.attacks\.1\.timesteps\.max: expected at most T − 1 = 19 \(got 20\)/],
    ['trimming every step', SOURCE.replace('trimLargest: 1', 'trimLargest: 5'), /receiver\.attacks\.4\.trimLargest: expected at most 4 for a grid of 5 timesteps \(got 5\)/],
    ['SecMI stepping off the schedule', SOURCE.replace('{ kind: mia-secmi }', '{ kind: mia-secmi, tSec: 18, stride: 2 }'), /receiver\.attacks\.2\.tSec: tSec \+ stride: expected at most T − 1 = 19/],
    ['a gray-box attack on a model without timesteps', SOURCE.replace('{ kind: tabular-ddpm, timesteps: 20, hidden: [32, 32], trainSteps: 60, batchSize: 64, warmupSteps: 5 }', '{ kind: tabular-vae }'), /receiver\.attacks\.1\.kind: mia-x0-error needs a diffusion model with timesteps/],
    ['a budget that cannot pay for the ladder', SOURCE.replace('samples: 10000', 'samples: 5000'), /broker\.budget\.samples: expected at least 7500 units: receiver\.draw\.samples \(100\) \+ mia-nearest-synthetic 200 \+ mia-x0-error 1200 \+ mia-secmi 1000 \+ mia-pia 600 \+ mia-loss 2000 \+ carlini-extraction 200 \+ mia-trajectory 2200/],
    ['the trajectory attack under black-box access only', SOURCE.replace('access: [black-box, gray-box, white-box, class-shares]', 'access: [black-box]'), /receiver\.attacks\.6\.kind: attack needs gray-box access, which broker\.access \(black-box\) does not grant/],
    ['trajectory steps below the sampler\'s first', SOURCE.replace('{ kind: tabular-ddpm, timesteps: 20,', '{ kind: tabular-ddpm, sampler: { steps: 1 }, timesteps: 20,'), /receiver\.attacks\.6\.timesteps\.max: the sampler visits no timestep ≤ 9 \(its first is 19\)/],
    ['trimming every trajectory step', SOURCE.replace('timesteps: { count: 4 }, aggregations: [mean, min]', 'timesteps: { count: 4 }, aggregations: [mean, min], trimLargest: 4'), /receiver\.attacks\.6\.trimLargest: expected at most 3 for a grid of 4 timesteps \(got 4\)/],
    ['an unknown aggregation', SOURCE.replace('noiseDraws: 2, trimLargest: 1', 'noiseDraws: 2, trimLargest: 1, aggregations: [mean, average]'), /receiver\.attacks\.4\.aggregations\.1/],
    ['a typo in the game', SOURCE.replace('nonMembers: 100', 'nonMembers: 100, member: 3'), /membership\.member/],
  ])('%s', (_name, text, message) => {
    expect(() => parse(text)).toThrow(message);
  });
});
