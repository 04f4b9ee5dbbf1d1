/**
 * Images end to end (issue 5; docs/images.md): the `mnist` dataset source and its parts, image records as rows
 * with the image shape in the schema, the `image-ddpm` sharer model and the scenario rules around it, image
 * schemas on the wire, and a tiny run through the CLI (image records through the broker, a CNN classifier and a
 * CNN property discriminator, the real-vs-synthetic grid beside the report).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { repoRoot } from '../shared/repoRoot';
import { parseScenario, sharerSlice } from '../shared/scenario';
import { loadDataset } from '../shared/data/loadDataset';
import { dropColumns } from '../shared/data/table';
import { imageShapeOf, imageSummaryTable, pixelsOf, INK_MASS_COLUMN } from '../shared/data/imageTable';
import { splitMnist } from '../shared/data/mnist';
import { IMAGE_ENCODING, rowsFromChunk, schemaFromWire, schemaToWire, tableChunk } from '../shared/grpc/records';
import type { RecordChunk__Output } from '../shared/grpc/generated/sharebox/RecordChunk';
import { splitChunk } from '../broker/chunks';
import type { RecordSchema__Output } from '../shared/grpc/generated/sharebox/RecordSchema';
import { runCli } from './helpers/cli';

const TINY = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny-mnist.yaml'), 'utf8');
const parse = (yaml: string) => parseScenario(yaml, '/virtual/images.yaml');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-images-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the mnist dataset source', () => {
  const s = parse(TINY);

  test('parts are the split of mnist.ts as image records: attributes, then 784 pixel columns', () => {
    const pool = loadDataset(s.datasets.pool, 1);
    const test = loadDataset(s.datasets.test, 2);
    const { pool: poolImages, test: testImages } = splitMnist({ digits: [0, 1] }, 0);
    expect(pool.rows.length).toBe(poolImages.n);
    expect(test.rows.length).toBe(testImages.n);
    expect(pool.schema.columns.slice(0, 2)).toEqual([
      { name: 'digit', type: 'categorical', categories: ['0', '1'] },
      { name: 'stroke', type: 'categorical', categories: ['thin', 'thick'] },
    ]);
    expect(imageShapeOf(pool.schema)).toEqual({ height: 28, width: 28, channels: 1 });
    const { pixels } = pixelsOf(pool);
    expect(Array.from(pixels.subarray(0, 784))).toEqual(Array.from(poolImages.data.subarray(0, 784)));
    expect(pool.rows.map((r) => r[0])).toEqual(Array.from(poolImages.labels));
    expect(pool.rows.map((r) => r[1])).toEqual(Array.from(poolImages.s));
    // The dataset's own seed does not cut the split (splitSeed does), so every declaration sees the same parts.
    expect(loadDataset(s.datasets.pool, 99).rows).toEqual(pool.rows);
  });

  test('the image shape survives dropping attribute columns, not pixel columns; the summary has the ink mass', () => {
    const pool = loadDataset(s.datasets.pool, 1);
    expect(imageShapeOf(dropColumns(pool, ['stroke']).schema)).toEqual({ height: 28, width: 28, channels: 1 });
    expect(imageShapeOf(dropColumns(pool, ['px5']).schema)).toBeNull();
    const summary = imageSummaryTable(pool);
    expect(summary.schema.columns.map((c) => c.name)).toEqual(['digit', 'stroke', INK_MASS_COLUMN]);
    const ink = pool.rows[3].slice(2).reduce((a, b) => a + b, 0);
    expect(summary.rows[3][2]).toBeCloseTo(ink, 4);
  });

  test('parity task: a parity column and every digit', () => {
    const parity = parse(TINY.replace(/digits: \[0, 1\]/g, 'parity: true').replace('label: digit, positive: "1"', 'label: parity, positive: odd'));
    const table = loadDataset(parity.datasets.test, 0);
    expect(table.schema.columns.slice(0, 3).map((c) => c.name)).toEqual(['digit', 'parity', 'stroke']);
    expect(table.schema.columns[0].categories).toHaveLength(10);
    for (const row of table.rows.slice(0, 50)) expect(row[1]).toBe(Number(table.schema.columns[0].categories![row[0]]) % 2);
  });

  test('an image model hides every attribute column but the label', () => {
    expect(sharerSlice(s).hideColumns).toEqual(['stroke']);
  });
});

describe('scenario rules for images', () => {
  const issue = (yaml: string) => {
    try {
      parse(yaml);
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };

  test('defaults of image-ddpm', () => {
    expect(parse(TINY.replace(/model: \{ kind: image-ddpm[^\n]*/, 'model: { kind: image-ddpm }')).sharer.model).toEqual({
      kind: 'image-ddpm',
      baseChannels: 16,
      channelMults: [1, 2, 2],
      timesteps: 1000,
      schedule: 'linear',
      trainSteps: 1500,
      batchSize: 32,
      learningRate: 2e-3,
      warmupSteps: 50,
      lrSchedule: 'cosine',
      emaDecay: 0.995,
      condDropProb: 0.1,
      guidanceScale: 1,
      sampler: { kind: 'ddpm', steps: 50, eta: 0 },
    });
  });

  test('each mistake names its field', () => {
    expect(issue(TINY.replace('part: test }', 'part: pool }'))).toMatch(/receiver\.testData: expected another part of the MNIST split than the sharer's "pool"/);
    expect(issue(TINY.replace('test: { source: mnist, digits: [0, 1], part: test }', 'test: { source: mnist, digits: [0, 1], part: test, splitSeed: 3 }'))).toMatch(
      /receiver\.testData: dataset "test" must be cut from the same MNIST split/,
    );
    expect(issue(TINY.replace('aux:  { source: mnist, digits: [0, 1], part: aux }', 'aux:  { source: mnist, digits: [0, 1], part: aux, split: { pool: 0.5, aux: 0.2, test: 0.2 } }'))).toMatch(
      /receiver\.attacks\.0\.auxData: dataset "aux" must be cut from the same MNIST split/,
    );
    expect(issue(TINY.replace('kind: image-ddpm, baseChannels: 8, channelMults: [1, 2], timesteps: 100,', 'kind: tabular-ddpm, timesteps: 100,').replace(', sampler: { steps: 5 }', ''))).toMatch(
      /sharer\.model\.kind: expected an image model \(image-ddpm\): sharer\.data "pool" holds images/,
    );
    // Gray- and white-box access work for image-ddpm (issue 6; test/mia.images.test.ts).
    expect(issue(TINY.replace('access: [black-box, class-shares]', 'access: [black-box, gray-box, white-box, class-shares]'))).toBe('no error');
    expect(issue(TINY.replace('steps: 5 }', 'steps: 500 }'))).toMatch(/sharer\.model\.sampler\.steps: expected at most sharer\.model\.timesteps \(100\)/);
    expect(issue(TINY.replace('digits: [0, 1], part: pool', 'digits: [1, 1], part: pool'))).toMatch(/datasets\.pool\.digits.*two different digits/);
    expect(issue(TINY.replace('digits: [0, 1], part: pool', 'parity: true, digits: [0, 1], part: pool'))).toMatch(/datasets\.pool\.digits: expected exactly one task/);
    expect(issue(TINY.replace('label: digit, positive: "1"', 'label: digit, positive: "7"'))).toMatch(/task\.positive: expected a value of column "digit" \(0, 1\)/);
  });

  test('the CNN reads images only', () => {
    const census = fs.readFileSync(path.join(repoRoot(), 'scenarios', 'quickstart.yaml'), 'utf8');
    expect(issue(census.replace(/classifiers: \[[^\]]*\]/, 'classifiers: [logistic, cnn]'))).toMatch(/receiver\.classifiers\.1: cnn reads images/);
  });
});

test('image schemas cross the wire with their shape; a shape that does not match the columns is refused', () => {
  const s = parse(TINY);
  const pool = loadDataset(s.datasets.pool, 1);
  const shared = dropColumns(pool, ['stroke']);
  const classes = { column: 'digit', values: ['0', '1'], shares: [0.5, 0.5] };
  const wire = schemaToWire(shared.schema, classes);
  expect(wire.modality).toBe('image');
  expect(wire.shape).toEqual([28, 28, 1]);
  const back = schemaFromWire(wire as RecordSchema__Output);
  expect(back.schema).toEqual(shared.schema);
  expect(() => schemaFromWire({ ...wire, shape: [14, 14, 1] } as RecordSchema__Output)).toThrow(/must end with the pixel columns px0 … px195/);
  expect(() => schemaFromWire({ ...wire, shape: [28, 28] } as RecordSchema__Output)).toThrow(/shape \[height, width, channels\]/);
});

test('image records travel as float32 attributes and 8-bit pixels, in chunks the broker can split', () => {
  const s = parse(TINY);
  const shared = dropColumns(loadDataset(s.datasets.pool, 1), ['stroke']);
  const records = { schema: shared.schema, rows: shared.rows.slice(0, 10).map((row, i) => (i === 0 ? [row[0], ...row.slice(1).map((v, k) => (k === 0 ? 1.7 : k === 1 ? -0.2 : v))] : row)) };
  const chunk = tableChunk(records, records.rows.map((r) => r[0]), 0, 10);
  expect(chunk.encoding).toBe(IMAGE_ENCODING);
  expect(chunk.shape).toEqual([10, 1, 784]);
  expect((chunk.data as Buffer).length).toBe(10 * (4 + 784));
  const wire = chunk as unknown as RecordChunk__Output;
  const back = rowsFromChunk(wire, shared.schema);
  back.forEach((row, i) => {
    expect(row[0]).toBe(records.rows[i][0]);
    row.slice(1).forEach((v, k) => expect(Math.abs(v - Math.min(1, Math.max(0, records.rows[i][1 + k])))).toBeLessThanOrEqual(0.5 / 255 + 1e-7));
  });
  expect(back[0].slice(1, 3)).toEqual([1, 0]); // clipped to [0, 1]
  const pieces = splitChunk(wire, 4);
  expect(pieces.map((p) => p.count)).toEqual([4, 4, 2]);
  expect(pieces.flatMap((p) => rowsFromChunk(p, shared.schema))).toEqual(back);
  expect(() => rowsFromChunk({ ...wire, shape: [10, 2, 783] }, shared.schema)).toThrow(/does not match 10 image records of 1 attributes and 784 pixels/);
  expect(() => rowsFromChunk({ ...wire, encoding: 'f32le-rows' }, shared.schema)).toThrow(/expected "f32le-u8-image-rows" for image records/);
});

test('a tiny image run through the CLI: images through the broker, CNN classifier and discriminator, sample grid', async () => {
  const file = path.join(tmp, 'tiny-mnist.yaml');
  fs.writeFileSync(file, TINY);
  const out = path.join(tmp, 'run');
  const { code, stderr } = await runCli(['run', file, '--out', out, '--cache', path.join(tmp, 'cache'), '--quiet']);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  expect(report.sharer.model).toMatchObject({ kind: 'image-ddpm', cached: false });
  expect(report.sharer.trainingData).toMatchObject({ rows: 1277, hiddenColumns: ['stroke'] });
  expect(report.receiver.describe.columns.slice(0, 2)).toEqual(['digit', 'px0']);
  expect(report.receiver.describe.columns).toHaveLength(785);
  expect(report.receiver.draw.received).toBe(64);
  expect(report.receiver.downstream.cnn.features).toBe(784);
  expect(report.receiver.downstream.cnn.evaluation.accuracy.estimate).toBeGreaterThan(0);
  expect(Object.keys(report.fidelity).sort()).toEqual(['cnn', 'dependence', 'detection', 'joint', 'logistic', 'marginals']);
  // Joint fidelity on the image summaries; the sensitive column (stroke) is hidden, so the records' S–Y gap is not measured.
  expect(report.fidelity.joint.pairs.map((p: { columns: string[] }) => p.columns)).toEqual([['digit', INK_MASS_COLUMN]]);
  expect(report.fidelity.dependence.unavailable).toMatch(/no column "stroke"/);
  expect(report.fidelity.cnn.realAccuracy).toBeGreaterThan(0.95); // the CNN trained on the sharer's real digits
  expect(report.fidelity.marginals.columns.map((c: { column: string }) => c.column)).toEqual(['digit', INK_MASS_COLUMN]);
  expect(report.audit.consistentWithReceiver).toBe(true);
  const attack = report.receiver.attacks[0];
  expect(attack).toMatchObject({ kind: 'property-inference', discriminator: { kind: 'aux-trained' }, samplesDrawn: 100 });
  expect(attack.discriminator.calibration.error).toBeLessThan(0.3); // a CNN reads stroke thickness off real digits
  expect(report.pia.attacks[0].truth).toBeCloseTo(0.4996, 3);
  expect(report.images).toEqual({ grid: 'samples.png', rows: ['real digit = 0', 'synthetic digit = 0', 'real digit = 1', 'synthetic digit = 1'] });
  const png = PNG.sync.read(fs.readFileSync(path.join(out, 'samples.png')));
  expect([png.width, png.height]).toEqual([8 * (56 + 2) + 2, 4 * (56 + 2) + 2]);
  expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toContain('![real vs synthetic images](samples.png)');
  expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('<img alt="real vs synthetic images" src="data:image/png;base64,');
}, 120_000);
