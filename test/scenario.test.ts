import { registerMove, unregisterMove } from '../shared/moves/registry';
import type { AnyMove } from '../shared/moves/move';
import { scenarioVariants } from '../shared/scenario';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import {
  brokerSlice,
  loadScenario,
  parseScenario,
  partySeeds,
  receiverSlice,
  refereeSlice,
  ScenarioError,
  sharerSlice,
  type Scenario,
  type ScenarioIssue,
} from '../shared/scenario';

const SCENARIOS = path.join(__dirname, '..', 'scenarios');
const QUICKSTART = path.join(SCENARIOS, 'quickstart.yaml');
const ADULT_HONEST = path.join(SCENARIOS, 'adult-honest.yaml');
const ADULT_DIR = path.resolve(SCENARIOS, '../../shared/datasets/adult');
const itWithAdult = fs.existsSync(path.join(ADULT_DIR, 'adult.data')) && fs.existsSync(path.join(ADULT_DIR, 'adult.test')) ? it : it.skip;

/** A small valid scenario, one line per entry so tests can compute exact line numbers. */
const BASE_LINES = [
  'name: unit', //                          1
  'seed: 3', //                              2
  'datasets:', //                            3
  '  private:', //                           4
  '    source: census', //                   5
  '    rows: 500', //                        6
  '  test:', //                              7
  '    source: census', //                   8
  '    rows: 200', //                        9
  'task:', //                               10
  '  label: income', //                     11
  '  positive: ">50K"', //                  12
  '  sensitive: sex', //                    13
  '  privileged: Male', //                  14
  'sharer:', //                             15
  '  data: private', //                     16
  '  model:', //                            17
  '    kind: tabular-ddpm', //              18
  '    trainSteps: 10', //                  19
  'broker:', //                             20
  '  access: [black-box]', //               21
  '  budget:', //                           22
  '    samples: 1000', //                   23
  'receiver:', //                           24
  '  testData: test', //                    25
  '  draw:', //                             26
  '    samples: 300', //                    27
  'expect:', //                             28
  '  - metric: fidelity.logistic.accuracyGap', // 29
  '    max: 0.03', //                       30
];

function text(lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** BASE_LINES with line `n` (1-based) replaced by `replacement` (a string or several lines; [] deletes it). */
function withLine(n: number, replacement: string | string[]): string[] {
  return withLines(n, n, replacement);
}

/** BASE_LINES with lines `from`..`to` (1-based, inclusive) replaced. */
function withLines(from: number, to: number, replacement: string | string[]): string[] {
  const lines = [...BASE_LINES];
  lines.splice(from - 1, to - from + 1, ...(Array.isArray(replacement) ? replacement : [replacement]));
  return lines;
}

function issuesOf(source: string, file = '/virtual/unit.yaml'): readonly ScenarioIssue[] {
  try {
    parseScenario(source, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).issues;
  }
  throw new Error('expected the scenario to be rejected');
}

function errorOf(source: string, file = '/virtual/unit.yaml'): ScenarioError {
  try {
    parseScenario(source, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('valid scenarios', () => {
  it('the base fixture is valid and gets its defaults', () => {
    const s = parseScenario(text(BASE_LINES), '/virtual/unit.yaml');
    expect(s.sharer.model).toEqual({
      kind: 'tabular-ddpm',
      timesteps: 200,
      schedule: 'cosine',
      hidden: [256, 256, 256],
      timeEmbedding: 64,
      trainSteps: 10,
      batchSize: 256,
      learningRate: 2e-3,
      lrSchedule: 'cosine',
      warmupSteps: 200,
      emaDecay: 0.999,
      guidanceScale: 1,
      condDropProb: 0.1,
      sampler: { kind: 'ddpm' },
    });
    expect(s.datasets.private).toEqual({ source: 'census', rows: 500, pSensitive: 0.5, dependence: 0.3 });
    expect(s.broker.maxChunkRecords).toBe(1000);
    expect(s.receiver.draw!.classBalance).toBe('match');
    expect(s.receiver.classifiers).toEqual(['logistic', 'mlp']);
    expect(s.receiver.classifierEpochs).toBe(30);
    expect(s.receiver.attacks).toEqual([]);
    expect(s.sharer.hideColumns).toEqual([]);
  });

  it('defaults are fresh objects, not shared between parses', () => {
    const a = parseScenario(text(BASE_LINES), '/virtual/unit.yaml');
    a.sharer.model.kind === 'tabular-ddpm' && a.sharer.model.hidden.push(1);
    const b = parseScenario(text(BASE_LINES), '/virtual/unit.yaml');
    expect(b.sharer.model).toMatchObject({ kind: 'tabular-ddpm', hidden: [256, 256, 256] });
  });

  it('scenarios/quickstart.yaml parses', () => {
    const s = loadScenario(QUICKSTART);
    expect(s.name).toBe('quickstart');
    expect(s.datasets.private).toMatchObject({ source: 'census', rows: 8000 });
    expect(s.datasets.test).toMatchObject({ source: 'census', rows: 4000 });
    expect(s.broker.access).toEqual(['black-box', 'class-shares']);
    expect(s.broker.budget.samples).toBe(20000);
    expect(s.receiver.draw!.samples).toBe(8000);
    expect(s.expect).toEqual([
      { metric: 'fidelity.logistic.accuracyBelowReal.high', max: 0.03 },
      { metric: 'fidelity.marginals.maxTotalVariation', max: 0.05 },
    ]);
  });

  itWithAdult('scenarios/adult-honest.yaml parses, with dataset paths made absolute', () => {
    const s = loadScenario(ADULT_HONEST);
    const train = s.datasets[s.sharer.data];
    const test = s.datasets[s.receiver.testData];
    expect(train).toMatchObject({ source: 'adult', path: path.join(ADULT_DIR, 'adult.data'), dropColumns: ['fnlwgt', 'education'] });
    expect(test).toMatchObject({ source: 'adult', path: path.join(ADULT_DIR, 'adult.test') });
  });

  it('resolves csv paths relative to the scenario file, whatever the working directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-scenario-'));
    try {
      fs.mkdirSync(path.join(dir, 'data'));
      fs.writeFileSync(path.join(dir, 'data', 'mine.csv'), 'x,sex,y\n1,F,a\n');
      const lines = withLines(7, 9, [
        '  test:',
        '    source: csv',
        '    path: data/mine.csv',
        '    columns: { x: numeric, sex: categorical, income: categorical }',
      ]);
      const file = path.join(dir, 'unit.yaml');
      fs.writeFileSync(file, text(lines));
      const s = loadScenario(path.relative(process.cwd(), file));
      expect(s.datasets.test).toMatchObject({ source: 'csv', path: path.join(dir, 'data', 'mine.csv'), separator: ',' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('structural errors point at the YAML', () => {
  it('an unknown field is reported at its key, with its path', () => {
    const issues = issuesOf(text(withLine(19, ['    trainSteps: 10', '    timestep: 100'])));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 20, col: 5, path: ['sharer', 'model', 'timestep'] });
    expect(issues[0].message).toContain('did you mean "timesteps"');
  });

  it('an unknown top-level field is an error too', () => {
    const issues = issuesOf(text([...BASE_LINES, 'defences: []']));
    expect(issues.map((i) => [i.line, i.col, i.path.join('.')])).toEqual([[31, 1, 'defences']]);
  });

  it('replicates need at least two distinct seeds', () => {
    expect(issuesOf(text([...BASE_LINES, 'replicates:', '  seeds: [1]'])).map((i) => [i.line, i.path.join('.'), i.message])).toEqual([
      [32, 'replicates.seeds', 'expected at least 2 items (got a list of 1)'],
    ]);
    expect(issuesOf(text([...BASE_LINES, 'replicates:', '  seeds: [1, 1]']))[0].message).toBe('expected distinct seeds (got a list of 2)');
    expect(parseScenario(text([...BASE_LINES, 'replicates:', '  seeds: [1, 2]']), '/virtual/unit.yaml').replicates).toEqual({ seeds: [1, 2] });
  });

  it('a wrong type is reported at the value, with what was found', () => {
    const err = errorOf(text(withLine(6, '    rows: many')), 'scenarios/unit.yaml');
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ line: 6, col: 11, path: ['datasets', 'private', 'rows'] });
    expect(err.message).toContain('scenarios/unit.yaml:6:11: datasets.private.rows: expected a number (got "many")');
  });

  it('a missing required field points at the enclosing mapping', () => {
    const issues = issuesOf(text(withLine(14, [])));
    expect(issues).toHaveLength(1);
    // `task:` is line 10; its mapping starts at `label` on line 11, column 3.
    expect(issues[0]).toMatchObject({ line: 11, col: 3, path: ['task', 'privileged'] });
    expect(issues[0].message).toContain('required field is missing');
  });

  it('an empty section points at its key', () => {
    const issues = issuesOf(text(withLine(22, '  budget:').filter((l) => l !== '    samples: 1000')));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 22, col: 3, path: ['broker', 'budget'] });
  });

  it('an unknown enum value names the allowed values', () => {
    const issues = issuesOf(text(withLine(21, '  access: [black-box, grey-box]')));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 21, col: 23, path: ['broker', 'access', 1] });
    expect(issues[0].message).toBe('expected one of black-box | gray-box | white-box | fine-tune | class-shares (got "grey-box")');
  });

  it('lists every structural issue at once, in file order', () => {
    const lines = withLine(2, 'seed: -1');
    lines[5] = '    rows: 0'; // line 6
    lines[17] = '    kind: tabular-flow'; // line 18 (no such model kind)
    const err = errorOf(text(lines));
    expect(err.issues.map((i) => `${i.line}:${i.col} ${i.path.join('.')}`)).toEqual([
      '2:7 seed',
      '6:11 datasets.private.rows',
      '18:11 sharer.model.kind',
    ]);
    expect(err.message.split('\n')).toHaveLength(4);
  });

  it('an invalid metric path is rejected', () => {
    const issues = issuesOf(text(withLine(29, '  - metric: fidelity..accuracyGap')));
    expect(issues[0]).toMatchObject({ line: 29, col: 13, path: ['expect', 0, 'metric'] });
  });

  it('a YAML syntax error is reported with file:line:col', () => {
    const err = errorOf(text(withLine(21, '  access: [black-box')), 'scenarios/broken.yaml');
    expect(err.issues.length).toBeGreaterThan(0);
    expect(err.issues.every((i) => i.kind === 'yaml')).toBe(true);
    expect(err.message).toMatch(/scenarios\/broken\.yaml:2[12]:\d+: YAML syntax: /);
  });

  it('a duplicate key is a YAML error at the duplicate', () => {
    const issues = issuesOf(text(withLine(2, ['seed: 3', 'seed: 4'])));
    expect(issues).toEqual([expect.objectContaining({ kind: 'yaml', line: 3, col: 1 })]);
  });

  it('a missing scenario file is a ScenarioError naming the file', () => {
    expect(() => loadScenario('/nonexistent/scenario.yaml')).toThrow(/^invalid scenario \/nonexistent\/scenario\.yaml: cannot read the scenario file: no such file$/);
  });
});

describe('cross-field rules', () => {
  it('a dangling dataset reference is reported at the reference', () => {
    const issues = issuesOf(text(withLine(25, '  testData: tset')));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 25, col: 13, path: ['receiver', 'testData'], kind: 'consistency' });
    expect(issues[0].message).toContain('declared: private, test');
    expect(issues[0].message).toContain('(got "tset")');
  });

  it('the receiver cannot test on the sharer\'s dataset', () => {
    const issues = issuesOf(text(withLine(25, '  testData: private')));
    expect(issues.map((i) => i.path.join('.'))).toEqual(['receiver.testData']);
  });

  it('a draw larger than the budget is reported at receiver.draw.samples', () => {
    const err = errorOf(text(withLine(27, '    samples: 1001')));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ line: 27, col: 14, path: ['receiver', 'draw', 'samples'] });
    expect(err.message).toContain('expected at most broker.budget.samples (1000) (got 1001)');
  });

  it('a draw equal to the budget is fine', () => {
    expect(() => parseScenario(text(withLine(27, '    samples: 1000')), '/virtual/unit.yaml')).not.toThrow();
  });

  it('an expectation needs min or max', () => {
    const issues = issuesOf(text(withLine(30, [])));
    expect(issues).toEqual([expect.objectContaining({ path: ['expect', 0], line: 29, col: 5 })]);
  });

  it('census task columns are income and sex, with their values', () => {
    const lines = withLine(11, '  label: occupation');
    lines[13] = '  privileged: male'; // line 14
    const issues = issuesOf(text(lines));
    expect(issues.map((i) => `${i.line} ${i.path.join('.')}`)).toEqual(['11 task.label', '14 task.privileged']);
  });

  it('csv task columns must be declared and categorical', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-scenario-'));
    try {
      fs.writeFileSync(path.join(dir, 'mine.csv'), 'age,sex,income\n');
      const lines = withLines(7, 9, ['  test:', '    source: csv', '    path: mine.csv', '    columns: { age: numeric, sex: numeric }']);
      const issues = issuesOf(text(lines), path.join(dir, 'unit.yaml'));
      expect(issues.map((i) => i.path.join('.'))).toEqual(['task.label', 'task.sensitive']);
      expect(issues[0].message).toContain('expected a column of dataset "test"');
      expect(issues[1].message).toContain('categorical');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a dataset file that does not exist is reported at its path field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-scenario-'));
    try {
      const lines = withLines(7, 9, ['  test:', '    source: adult', '    path: nowhere/adult.test']);
      const issues = issuesOf(text(lines), path.join(dir, 'unit.yaml'));
      expect(issues).toEqual([expect.objectContaining({ kind: 'files', path: ['datasets', 'test', 'path'], line: 9, col: 11 })]);
      expect(issues[0].message).toContain(path.join(dir, 'nowhere', 'adult.test'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A receiver move that only declares itself: the registry mechanism is all these tests exercise. */
function probeMove(id: string, configSchema: z.ZodType): AnyMove {
  return {
    id,
    party: 'receiver',
    describe: 'test-only entry exercising the registry mechanism',
    requires: { access: ['gray-box'] },
    configSchema,
    cost: () => 0,
    run: async () => {
      throw new Error('not run');
    },
    score: () => ({ report: {} }),
  };
}

describe('move registry', () => {
  const kind = 'registry-mechanism-probe';
  beforeAll(() => {
    registerMove(probeMove(kind, z.strictObject({ shadowModels: z.number().int().min(1).default(4) })));
  });
  afterAll(() => {
    unregisterMove(kind);
  });

  it('rejects non-strict config schemas at registration', () => {
    expect(() =>
      registerMove(probeMove('loose-probe', z.object({}))),
    ).toThrow(/strictObject/);
  });

  it('parses a registered attack with its own defaults', () => {
    const lines = withLine(21, '  access: [black-box, gray-box]');
    lines.splice(27, 0, '  attacks:', `    - kind: ${kind}`);
    const s = parseScenario(text(lines), '/virtual/unit.yaml');
    expect(s.receiver.attacks).toEqual([{ kind, shadowModels: 4 }]);
    expect(receiverSlice(s).attacks).toEqual([{ kind, shadowModels: 4 }]);
  });

  it('reports unknown kinds, unknown fields inside an attack, and missing access', () => {
    const lines = [...BASE_LINES];
    lines.splice(27, 0, '  attacks:', `    - kind: ${kind}`, '      shadowModel: 2', '    - kind: nope');
    const issues = issuesOf(text(lines));
    expect(issues.map((i) => `${i.line}:${i.col} ${i.path.join('.')}`)).toEqual([
      '30:7 receiver.attacks.0.shadowModel',
      '31:13 receiver.attacks.1.kind',
    ]);
    const access = issuesOf(text([...lines.slice(0, 29), ...lines.slice(30)].filter((l) => l !== '    - kind: nope')));
    expect(access).toEqual([expect.objectContaining({ path: ['receiver', 'attacks', 0, 'kind'], kind: 'consistency' })]);
    expect(access[0].message).toContain('gray-box');
  });
});

describe('party slices', () => {
  let adult: Scenario | null = null;
  const quick = () => loadScenario(QUICKSTART);
  beforeAll(() => {
    if (fs.existsSync(path.join(ADULT_DIR, 'adult.data'))) adult = loadScenario(ADULT_HONEST);
  });

  itWithAdult('the receiver slice holds no trace of the sharer\'s dataset or model', () => {
    const s = adult!;
    const sharerData = s.datasets[s.sharer.data];
    if (!('path' in sharerData)) throw new Error('adult-honest: the sharer dataset should be a file');
    const serialised = JSON.stringify(receiverSlice(s));
    expect(serialised).not.toContain(sharerData.path);
    expect(serialised).not.toContain('adult.data');
    expect(serialised).not.toContain(`"${s.sharer.data}"`);
    expect(serialised).not.toContain('tabular-ddpm');
    expect(serialised).not.toContain('trainSteps');
    // ...while it does hold its own test file.
    expect(serialised).toContain('adult.test');
  });

  itWithAdult('the sharer slice holds no trace of the receiver\'s test data; the broker slice holds no data at all', () => {
    const s = adult!;
    const sharer = JSON.stringify(sharerSlice(s));
    expect(sharer).not.toContain('adult.test');
    expect(sharer).toContain('adult.data');
    const broker = brokerSlice(s);
    expect(Object.keys(broker).sort()).toEqual(['access', 'budgetSamples', 'defences', 'maxChunkRecords', 'scenario', 'seed']);
    expect(JSON.stringify(broker)).not.toMatch(/adult\.(data|test)|income|tabular-ddpm/);
  });

  it('the quickstart receiver slice does not name the sharer\'s dataset', () => {
    const s = quick();
    const receiver = receiverSlice(s);
    expect(JSON.stringify(receiver)).not.toContain('private');
    expect(receiver.testData).toMatchObject({ name: 'test', source: 'census', rows: 4000 });
    expect(Object.keys(receiver).sort()).toEqual(
      ['attackData', 'attacks', 'balanceTest', 'classifierEpochs', 'classifiers', 'defences', 'draw', 'scenario', 'seed', 'task', 'testData'].sort(),
    );
  });

  it('slices are plain JSON and do not alias the scenario', () => {
    const s = quick();
    for (const slice of [sharerSlice(s), brokerSlice(s), receiverSlice(s), refereeSlice(s)]) {
      expect(JSON.parse(JSON.stringify(slice))).toEqual(slice);
    }
    const sharer = sharerSlice(s);
    sharer.task.label = 'changed';
    expect(s.task.label).toBe('income');
  });

  it('seeds are deterministic and distinct per party', () => {
    const s = quick();
    const seeds = partySeeds(s);
    expect(partySeeds(quick())).toEqual(seeds);
    const values = Object.values(seeds);
    expect(new Set(values).size).toBe(4);
    expect(values).not.toContain(s.seed);
    expect(sharerSlice(s).seed).toBe(seeds.sharer);
    expect(brokerSlice(s).seed).toBe(seeds.broker);
    expect(receiverSlice(s).seed).toBe(seeds.receiver);
    expect(refereeSlice(s).seed).toBe(seeds.referee);
    // A different scenario seed changes every party's seed.
    const other = partySeeds({ seed: s.seed + 1 });
    for (const party of ['sharer', 'broker', 'receiver', 'referee'] as const) expect(other[party]).not.toBe(seeds[party]);
  });

  it('datasets get distinct seeds, so two census datasets are independent draws', () => {
    const s = quick();
    expect(sharerSlice(s).data.seed).not.toBe(receiverSlice(s).testData.seed);
  });
});

describe('sweep', () => {
  const SWEEP_BASE = fs.readFileSync(path.join(__dirname, 'fixtures', 'tiny.yaml'), 'utf8');

  it('expands the cartesian product of its entries into validated variants', () => {
    const s = parseScenario(
      SWEEP_BASE + 'sweep:\n  - { path: receiver.draw.samples, values: [100, 200] }\n  - { path: receiver.classifierEpochs, values: [1, 2, 3] }\n',
      path.join(__dirname, 'fixtures', 'sweep.yaml'),
    );
    const variants = scenarioVariants(s);
    expect(variants.map((v) => v.label)).toEqual([
      'samples=100,classifierEpochs=1', 'samples=100,classifierEpochs=2', 'samples=100,classifierEpochs=3',
      'samples=200,classifierEpochs=1', 'samples=200,classifierEpochs=2', 'samples=200,classifierEpochs=3',
    ]);
    expect(variants[4].scenario.receiver.draw!.samples).toBe(200);
    expect(variants[4].scenario.receiver.classifierEpochs).toBe(2);
    expect(variants[4].scenario.sweep).toBeUndefined();
  });

  it('rejects a variant that breaks a rule, at the sweep, naming the variant', () => {
    // budget is 1200: a draw of 5000 breaks receiver.draw.samples ≤ broker.budget.samples.
    const file = path.join(__dirname, 'fixtures', 'sweep-bad.yaml');
    const text = SWEEP_BASE + 'sweep:\n  - path: receiver.draw.samples\n    values: [100, 5000]\n';
    expect(() => parseScenario(text, file)).toThrow(/sweep-bad\.yaml:\d+:\d+: sweep: sweep variant samples=5000: receiver\.draw\.samples/);
  });
});


describe('sweep cases: one axis whose points set several fields', () => {
  const BASE = fs.readFileSync(path.join(__dirname, 'fixtures', 'tiny.yaml'), 'utf8');
  const file = path.join(__dirname, 'fixtures', 'sweep-cases.yaml');
  it('expands each case into a variant labelled <name>=<label>, setting every field of the case', () => {
    const s = parseScenario(
      BASE +
        'sweep:\n  - name: setting\n    cases:\n      - { label: base }\n      - { label: both, set: { receiver.draw.samples: 200, receiver.classifierEpochs: 3 } }\n' +
        '  - { path: sharer.model.trainSteps, values: [10, 20] }\n',
      file,
    );
    const variants = scenarioVariants(s);
    expect(variants.map((v) => v.label)).toEqual(['setting=base,trainSteps=10', 'setting=base,trainSteps=20', 'setting=both,trainSteps=10', 'setting=both,trainSteps=20']);
    expect(variants[0].scenario.receiver.draw!.samples).toBe(s.receiver.draw!.samples);
    expect(variants[3].scenario.receiver.draw!.samples).toBe(200);
    expect(variants[3].scenario.receiver.classifierEpochs).toBe(3);
    expect(variants[3].overrides).toEqual({ 'receiver.draw.samples': 200, 'receiver.classifierEpochs': 3, 'sharer.model.trainSteps': 20 });
  });
  it('refuses a field set by two entries, and repeated case labels', () => {
    expect(() =>
      parseScenario(BASE + 'sweep:\n  - name: a\n    cases: [{ label: x }, { label: y, set: { receiver.classifierEpochs: 3 } }]\n  - { path: receiver.classifierEpochs, values: [1, 2] }\n', file),
    ).toThrow(/sweep\[1\]: receiver\.classifierEpochs is also set by sweep\[0\]/);
    expect(() => parseScenario(BASE + 'sweep:\n  - name: a\n    cases: [{ label: x }, { label: y, set: { receiver: { testData: test } } }]\n  - { path: receiver.classifierEpochs, values: [1, 2] }\n', file)).toThrow(
      /receiver\.classifierEpochs is also set by sweep\[0\] \(receiver\)/,
    );
    expect(() => parseScenario(BASE + 'sweep:\n  - name: a\n    cases: [{ label: x }, { label: x }]\n', file)).toThrow(/expected distinct case labels/);
  });
});
