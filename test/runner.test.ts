/**
 * `sharebox run` as a user runs it: the compiled CLI, three real child processes, a report at the end.
 * Also the failure paths: a party that dies fails the run loudly, and nobody is left behind.
 */
import { waitUntil } from './helpers/waitUntil';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { CLI, runCli } from './helpers/cli';

const TINY = path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml');
const TINY_SLOW = path.join(repoRoot(), 'test', 'fixtures', 'tiny-slow.yaml');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-runner-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Pids of the runner's children, with their command lines. */
function childrenOf(pid: number): Array<{ pid: number; command: string }> {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const m = /^\s*(\d+)\s+(.*)$/.exec(l)!;
        return { pid: Number(m[1]), command: m[2] };
      });
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}


function metrics(reportFile: string): unknown {
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  return {
    downstream: report.receiver.downstream,
    fidelity: report.fidelity,
    losses: report.sharer.model.losses,
    trainingData: report.sharer.trainingData,
  };
}

test('a tiny scenario runs end to end, writes the reports, and the same seed gives the same numbers', async () => {
  const a = await runCli(['run', TINY, '--out', path.join(tmp, 'a'), '--cache', path.join(tmp, 'cache-a')]);
  expect(a.stderr).not.toMatch(/sharebox run:/);
  expect(a.code).toBe(0);
  expect(a.stdout).toMatch(/PASS\s+receiver\.draw\.received/);
  for (const f of ['report.json', 'report.md', 'report.html', 'audit.jsonl']) expect(fs.existsSync(path.join(tmp, 'a', f))).toBe(true);
  const report = JSON.parse(fs.readFileSync(path.join(tmp, 'a', 'report.json'), 'utf8'));
  expect(report.audit.consistentWithReceiver).toBe(true);
  expect(report.broker.budgetSamplesUsed).toBe(1000);
  expect(report.sharer.model.cached).toBe(false);
  // Each party's log carries the progress it reported, not only what it printed: the log a failure names tells how far it got.
  expect(fs.readFileSync(path.join(tmp, 'a', 'logs', 'sharer.log'), 'utf8')).toMatch(/^\[sharer\] train 150\/150 /m);
  expect(fs.readFileSync(path.join(tmp, 'a', 'logs', 'receiver.log'), 'utf8')).toMatch(/^\[receiver\] draw 1000\/1000 /m);

  // A separate cache, so the model is trained again from scratch: identical numbers all the same.
  const b = await runCli(['run', TINY, '--out', path.join(tmp, 'b'), '--cache', path.join(tmp, 'cache-b')]);
  expect(b.code).toBe(0);
  expect(metrics(path.join(tmp, 'b', 'report.json'))).toEqual(metrics(path.join(tmp, 'a', 'report.json')));

  // The same cache: training is skipped, and the numbers are still the same.
  const c = await runCli(['run', TINY, '--out', path.join(tmp, 'c'), '--cache', path.join(tmp, 'cache-a')], undefined);
  expect(c.code).toBe(0);
  const cached = JSON.parse(fs.readFileSync(path.join(tmp, 'c', 'report.json'), 'utf8'));
  expect(cached.sharer.model.cached).toBe(true);
  expect(metrics(path.join(tmp, 'c', 'report.json'))).toEqual(metrics(path.join(tmp, 'a', 'report.json')));

  // A run directory that already holds a run is refused (the audit log is append-only).
  const again = await runCli(['run', TINY, '--out', path.join(tmp, 'a')]);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/expected a new or empty directory, but it already holds audit\.jsonl/);
}, 180_000);

test('a sweep runs each variant with its own processes and reports them side by side', async () => {
  const text =
    fs.readFileSync(TINY, 'utf8').replace(/expect:[\s\S]*$/, '') +
    [
      'sweep:',
      '  - path: receiver.draw.samples',
      '    values: [400, 700]',
      'expect:',
      '  - metric: variants[samples=400].receiver.draw.received',
      '    min: 400',
      '    max: 400',
      '  - metric: variants[samples=700].broker.budgetSamplesUsed',
      '    min: 700',
      '    max: 700',
      '',
    ].join('\n');
  const file = path.join(tmp, 'tiny-sweep.yaml');
  fs.writeFileSync(file, text);
  const r = await runCli(['run', file, '--out', path.join(tmp, 'sweep'), '--cache', path.join(tmp, 'cache-a')]);
  expect(r.stderr).not.toMatch(/sharebox run:/);
  expect(r.code).toBe(0);
  const report = JSON.parse(fs.readFileSync(path.join(tmp, 'sweep', 'report.json'), 'utf8'));
  expect(Object.keys(report.variants)).toEqual(['samples=400', 'samples=700']);
  expect(report.variants['samples=700'].overrides).toEqual({ 'receiver.draw.samples': 700 });
  for (const label of ['samples=400', 'samples=700']) {
    expect(fs.existsSync(path.join(tmp, 'sweep', 'variants', label, 'audit.jsonl'))).toBe(true);
    expect(fs.existsSync(path.join(tmp, 'sweep', 'variants', label, 'report.json'))).toBe(true);
  }
  // Same seed in both variants: the same sharer, so the same trained model.
  expect(report.variants['samples=400'].sharer.model.cacheKey).toBe(report.variants['samples=700'].sharer.model.cacheKey);
}, 120_000);

test('an expectation that fails makes the run exit 1 and says which, with the measured value', async () => {
  const text = fs.readFileSync(TINY, 'utf8').replace(/min: 1000\n\s+max: 1000/, 'min: 1001');
  const file = path.join(tmp, 'tiny-failing.yaml');
  fs.writeFileSync(file, text);
  const r = await runCli(['run', file, '--out', path.join(tmp, 'failing'), '--cache', path.join(tmp, 'cache-a')]);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/FAIL\s+receiver\.draw\.received = 1000.*expected ≥ 1001/);
});

test('replicates run the scenario once per seed; a scenario without expectations says it is report-only', async () => {
  // tiny.yaml without its expectation, at two seeds (the first is tiny.yaml's own, cached by the first test).
  const text = fs.readFileSync(TINY, 'utf8').replace(/expect:[\s\S]*$/, '') + ['replicates:', '  seeds: [7, 8]', ''].join('\n');
  const file = path.join(tmp, 'tiny-replicates.yaml');
  fs.writeFileSync(file, text);
  const r = await runCli(['run', file, '--out', path.join(tmp, 'replicates'), '--cache', path.join(tmp, 'cache-a')]);
  expect(r.stderr).not.toMatch(/sharebox run:/);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^report only: nothing asserted$/m);
  const report = JSON.parse(fs.readFileSync(path.join(tmp, 'replicates', 'report.json'), 'utf8'));
  expect(report.verdict).toBe('report-only');
  expect(report.expectations).toEqual([]);
  expect(fs.readFileSync(path.join(tmp, 'replicates', 'report.md'), 'utf8')).toContain('report only: nothing asserted');
  expect(Object.keys(report.replicates.runs)).toEqual(['seed=7', 'seed=8']);
  // Seed 7 is tiny.yaml's own run: the same numbers as the first test's, from the same cache.
  const seed7 = report.replicates.runs['seed=7'];
  expect(seed7.sharer.model.cached).toBe(true);
  expect(seed7.fidelity).toEqual(JSON.parse(fs.readFileSync(path.join(tmp, 'a', 'report.json'), 'utf8')).fidelity);
  const seed8 = report.replicates.runs['seed=8'];
  expect(seed8.sharer.model.cacheKey).not.toBe(seed7.sharer.model.cacheKey);
  // acrossSeeds: the mean over the two seeds, with the per-seed values behind it.
  expect(report.acrossSeeds.receiver).toBeUndefined();
  const accuracy = report.acrossSeeds.fidelity.logistic.syntheticAccuracy;
  expect(accuracy.values).toEqual([seed7.fidelity.logistic.syntheticAccuracy, seed8.fidelity.logistic.syntheticAccuracy]);
  expect(accuracy.estimate).toBeCloseTo((accuracy.values[0] + accuracy.values[1]) / 2, 12);
  expect(accuracy.low).toBeLessThanOrEqual(accuracy.estimate);
  for (const label of ['seed=7', 'seed=8']) {
    expect(fs.existsSync(path.join(tmp, 'replicates', 'replicates', label, 'audit.jsonl'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'replicates', 'replicates', label, 'report.json'), 'utf8')).scenario.seed).toBe(Number(label.slice(5)));
  }
}, 120_000);

test('a bad scenario exits 2 with file:line:col and the field', async () => {
  const file = path.join(tmp, 'bad.yaml');
  fs.writeFileSync(file, fs.readFileSync(TINY, 'utf8').replace('classifierEpochs: 5', 'classifierEpochs: 5\n  colour: blue'));
  const r = await runCli(['run', file, '--out', path.join(tmp, 'bad')]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: receiver\\.colour`));
  const v = await runCli(['validate', file]);
  expect(v.code).toBe(2);
  const ok = await runCli(['validate', TINY]);
  expect(ok.code).toBe(0);
  // It says what a run would check: the seed(s) and how many expectations, or that it is report-only.
  expect(ok.stdout).toMatch(/valid scenario "tiny" \(seed 7; 1 expectation\)/);
});

test('a party killed mid-training fails the run loudly, and no process is left behind', async () => {
  let runnerPid = 0;
  let killed: { pid: number; command: string } | null = null;
  let others: number[] = [];
  const r = await runCli(['run', TINY_SLOW, '--out', path.join(tmp, 'killed'), '--cache', path.join(tmp, 'cache-slow')], (stderr, child) => {
    if (killed || !/\[sharer\] train /.test(stderr)) return;
    runnerPid = child.pid!;
    const kids = childrenOf(runnerPid);
    const sharer = kids.find((k) => k.command.includes(path.join('sharer', 'main.js')));
    if (!sharer) return;
    killed = sharer;
    others = kids.filter((k) => k.pid !== sharer.pid).map((k) => k.pid);
    process.kill(sharer.pid, 'SIGKILL');
  });
  expect(killed).not.toBeNull();
  expect(others).toHaveLength(2);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/sharer exited unexpectedly \(signal SIGKILL\)/);
  // The log the message names says how far the sharer got (its progress went to the console, and to the log).
  const sharerLog = path.join(tmp, 'killed', 'logs', 'sharer.log');
  expect(r.stderr).toContain(`log: ${sharerLog}`);
  expect(fs.readFileSync(sharerLog, 'utf8')).toMatch(/^\[sharer\] train \d+\/\d+ /m);
  expect(await waitUntil(() => others.every((pid) => !alive(pid)), 5000)).toBe(true);
  expect(fs.existsSync(path.join(tmp, 'killed', 'report.json'))).toBe(false);
}, 60_000);

test('if the runner itself is killed, its parties exit on their own (no orphans)', async () => {
  let kids: number[] = [];
  const done = runCli(['run', TINY_SLOW, '--out', path.join(tmp, 'runner-killed'), '--cache', path.join(tmp, 'cache-slow2')], (stderr, child) => {
    if (kids.length || !/\[sharer\] train /.test(stderr)) return;
    kids = childrenOf(child.pid!).map((k) => k.pid);
    child.kill('SIGKILL');
  });
  await done;
  expect(kids).toHaveLength(3);
  expect(await waitUntil(() => kids.every((pid) => !alive(pid)), 8000)).toBe(true);
}, 60_000);

test('SIGINT stops the run and every party', async () => {
  let kids: number[] = [];
  const r = await runCli(['run', TINY_SLOW, '--out', path.join(tmp, 'interrupted'), '--cache', path.join(tmp, 'cache-slow3')], (stderr, child) => {
    if (kids.length || !/\[sharer\] train /.test(stderr)) return;
    kids = childrenOf(child.pid!).map((k) => k.pid);
    child.kill('SIGINT');
  });
  expect(r.code).toBe(130);
  expect(kids).toHaveLength(3);
  expect(await waitUntil(() => kids.every((pid) => !alive(pid)), 5000)).toBe(true);
}, 60_000);

test('the built CLI is executable, so `npx sharebox` can run it from a fresh clone', () => {
  // tsc writes plain files; `npm run build` (also run by `npm ci` and `npm test`) sets the mode.
  expect(fs.statSync(CLI).mode & 0o111).not.toBe(0);
});
