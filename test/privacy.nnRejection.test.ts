/**
 * The data owner's deduplication and nearest-neighbour rejection (docs/privacy.md), and the attacker who uses the
 * refusals. Fast: a fake generator and a fake diffusion model over a two-column table, run through the real ModelHost
 * handlers (so a guard that is not applied where the sharer releases records fails these tests), the real release
 * gate and the real refusal attack.
 */
import { EventEmitter } from 'events';
import type { Table, TableSchema } from '../shared/data/table';
import { dropColumns } from '../shared/data/table';
import { RecordSpace, nearestDistances, nearestOtherDistances, withinRadius } from '../shared/data/recordDistance';
import { Rng } from '../shared/random';
import { auc } from '../shared/metrics/roc';
import { asBroker, testBrokerGate } from './helpers/brokerCredentials';
import { matrixFromChunk, MODEL_ENCODING, recordEncoding, rowsFromChunk, tableChunk } from '../shared/grpc/records';
import { modelHostHandlers } from '../sharer/modelHost';
import { ReleaseGate } from '../sharer/releaseGuard';
import type { SampledRecords, TabularGenerator } from '../sharer/tabularGenerator';
import type { TimestepModel } from '../sharer/timestepAccess';
import { deduplicate, deduplicateRecords } from '../sharer/moves/deduplicate';
import { nearestNeighbourGuard, nnRejection } from '../sharer/moves/nn-rejection';
import { refusalAttack } from '../receiver/moves/membership/scores';
import type { GrayBoxOracle } from '../receiver/moves/membership/oracle';
import { miaRefusal } from '../receiver/moves/mia-refusal';
import { runQueryAttack, WITHHELD_SCORE } from '../receiver/moves/membership/run';
import { aggregateLosses } from '../receiver/moves/membership/aggregate';

const SCHEMA: TableSchema = {
  columns: [
    { name: 'x', type: 'numeric' },
    { name: 'y', type: 'numeric' },
    { name: 'c', type: 'categorical', categories: ['a', 'b'] },
  ],
};
const CLASSES = { column: 'c', values: ['a', 'b'], shares: [0.5, 0.5] };
const TOKEN = 'b'.repeat(32);

/** `n` records spread over [0, 10]², classes alternating. */
function spreadRecords(n: number, seed: number): Table {
  const rng = new Rng(seed);
  return { schema: SCHEMA, rows: Array.from({ length: n }, (_, i) => [rng.next() * 10, rng.next() * 10, i % 2]) };
}

const TRAINING = spreadRecords(60, 1);
const NON_MEMBERS = spreadRecords(60, 2);

/**
 * A generator that memorised its training set: half of its draws are a training record of the drawn class plus a
 * small jitter, the rest uniform over the box. Deterministic in its seed.
 */
function memorisingGenerator(training: Table): TabularGenerator {
  const byClass = [0, 1].map((k) => training.rows.filter((r) => r[2] === k));
  return {
    kind: 'fake',
    supportsTimesteps: false,
    schema: SCHEMA,
    classes: CLASSES,
    async sample(n, classIndex, seed, rngForClasses): Promise<SampledRecords> {
      const rng = new Rng(seed);
      const classes = Int32Array.from({ length: n }, () => classIndex ?? (rngForClasses() < 0.5 ? 0 : 1));
      const rows = Array.from(classes, (k) => {
        if (rng.next() < 0.5) {
          const r = byClass[k][rng.int(byClass[k].length)];
          return [r[0] + 0.01 * rng.normal(), r[1] + 0.01 * rng.normal(), k];
        }
        return [rng.next() * 10, rng.next() * 10, k];
      });
      return { table: { schema: SCHEMA, rows }, classes };
    },
    dispose() {},
  };
}

/** Whether each record lies strictly within τ of a training record, by brute force in the one record distance. */
function withinTauOfTraining(records: Table, tau: number): boolean[] {
  const space = RecordSpace.fit(TRAINING);
  return Array.from(nearestDistances(space.encode(records), space.encode(TRAINING), space.width), (d) => d < tau);
}

/** A fake server-stream call for a ModelHost handler; resolves with the messages written, rejects with its error. */
function callHandler<Msg>(handler: (call: any) => void, rpc: string, request: unknown): Promise<Msg[]> {
  const written: Msg[] = [];
  return new Promise((resolve, reject) => {
    const call = Object.assign(new EventEmitter(), {
      metadata: asBroker(TOKEN, rpc),
      request,
      cancelled: false,
      write: (m: Msg) => (written.push(m), true),
      end: () => resolve(written),
    });
    call.on('error', reject);
    handler(call);
  });
}

async function sampleThroughHost(gate: ReleaseGate | undefined, count: number, seed: number): Promise<Table> {
  const handlers = modelHostHandlers({ model: memorisingGenerator(TRAINING), modelKind: 'fake', ...(gate ? { release: gate } : {}) }, testBrokerGate(TOKEN));
  const chunks = await callHandler<any>(handlers.Sample.bind(handlers), 'ModelHost.Sample', { count, seed, conditional: false, classIndex: 0 });
  return { schema: SCHEMA, rows: chunks.flatMap((c) => rowsFromChunk(c, SCHEMA)) };
}

describe('the record distance', () => {
  test('withinRadius agrees with the nearest distance (d < radius), and the encoding standardises numerics, one-hots categories', () => {
    const space = RecordSpace.fit(TRAINING);
    expect(space.width).toBe(4);
    const q = space.encode(NON_MEMBERS);
    const ref = space.encode(TRAINING);
    const nearest = nearestDistances(q, ref, space.width);
    for (const radius of [0.05, 0.2, 0.5, 1]) expect(Array.from(withinRadius(q, ref, space.width, radius))).toEqual(Array.from(nearest, (d) => (d < radius ? 1 : 0)));
    // Two records that differ only in the category are √2 apart.
    const two = space.encode({ schema: SCHEMA, rows: [[3, 3, 0], [3, 3, 1]] });
    expect(nearestDistances(two.subarray(0, 4), two.subarray(4), 4)[0]).toBeCloseTo(Math.SQRT2, 6);
  });

  test('nearestOtherDistances: each row to its nearest other row of the same set (itself excluded)', () => {
    // 1-D rows 0, 1, 3, 3.5: nearest others 1, 1, 0.5, 0.5.
    expect(Array.from(nearestOtherDistances(Float32Array.from([0, 1, 3, 3.5]), 1))).toEqual([1, 1, 0.5, 0.5]);
    // Equal to nearestDistances against the set without the row.
    const rows = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.7) * 3);
    const other = nearestOtherDistances(rows, 3);
    for (let i = 0; i < 10; i++) {
      const rest = Float32Array.from([...rows.subarray(0, 3 * i), ...rows.subarray(3 * i + 3)]);
      expect(other[i]).toBeCloseTo(nearestDistances(rows.subarray(3 * i, 3 * i + 3), rest, 3)[0], 12);
    }
  });
});

describe('deduplicate', () => {
  const withDuplicates: Table = {
    schema: { columns: [...SCHEMA.columns, { name: 'id', type: 'numeric' }] },
    rows: [
      [1, 1, 0, 100],
      [2, 2, 1, 101],
      [1, 1, 0, 102], // the first record again, but for the hidden id: a duplicate to the model
      [1, 1, 1, 103], // the first record with the other label: a different training pair
      [2, 2, 1, 104], // the second again
      [2, 2, 1, 105], // and again
      [2.001, 2, 1, 106], // near the second
      [5, 5, 0, 107],
    ],
  };

  test('removes exactly the duplicates on the columns the model sees, keeping the first of each', async () => {
    const result = await deduplicate.run({}, { trainingSet: withDuplicates, task: { label: 'c' } as any, model: {} as any, hideColumns: ['id'], index: 0, seed: 1 });
    expect(result.trainingSet!.rows.map((r) => r[3])).toEqual([100, 101, 103, 106, 107]);
    expect(result.evidence).toMatchObject({ recordsBefore: 8, recordsAfter: 5, duplicatesRemoved: 3, nearDuplicatesRemoved: 0, largestGroup: 3 });
    // With every column visible, the id makes each record unique: nothing removed, the set unchanged (the model's cache key too).
    const all = await deduplicate.run({}, { trainingSet: withDuplicates, task: { label: 'c' } as any, model: {} as any, hideColumns: [], index: 0, seed: 1 });
    expect(all.trainingSet).toBeUndefined();
    expect(all.evidence).toMatchObject({ duplicatesRemoved: 0, largestGroup: 1 });
  });

  test('near-duplicates within a distance (the record distance) go too; the exact pass is unchanged', () => {
    const visible = dropColumns(withDuplicates, ['id']);
    expect(deduplicateRecords(visible, 0.1)).toMatchObject({ keep: [0, 1, 3, 7], duplicatesRemoved: 3, nearDuplicatesRemoved: 1 });
    expect(deduplicateRecords(visible)).toMatchObject({ keep: [0, 1, 3, 6, 7], nearDuplicatesRemoved: 0 });
  });

  test('a bad config names the field', () => {
    expect(deduplicate.configSchema.safeParse({ withinDistance: 0 }).success).toBe(false);
    expect(deduplicate.configSchema.safeParse({ within: 1 }).success).toBe(false);
  });
});

describe('nn-rejection: BlackBox Sample through ModelHost', () => {
  const TAU = 0.3;
  const gate = () => new ReleaseGate([{ index: 0, guard: nearestNeighbourGuard(TRAINING, TAU, 50) }]);

  test('without the guard the memorising generator releases near-copies (the property below is not vacuous)', async () => {
    const released = await sampleThroughHost(undefined, 400, 7);
    expect(withinTauOfTraining(released, TAU).filter(Boolean).length).toBeGreaterThan(100);
  });

  test('never releases a record within τ of a training record, over many draws; keeps the count; counts refusals', async () => {
    const g = gate();
    let refusedSeen = 0;
    for (let seed = 0; seed < 12; seed++) {
      const released = await sampleThroughHost(g, 300, 1000 + seed);
      expect(released.rows).toHaveLength(300);
      expect(withinTauOfTraining(released, TAU).some(Boolean)).toBe(false);
      refusedSeen = g.countsOf(0)!.sample.refused;
    }
    const counts = g.countsOf(0)!.sample;
    expect(counts.released).toBe(12 * 300);
    // About half the draws are near-copies, and a redraw is refused as often.
    expect(refusedSeen / (counts.released + refusedSeen)).toBeGreaterThan(0.35);
    expect(counts.mostRounds).toBeGreaterThan(1);
  });

  test('is deterministic for a seed, and leaves unrefused draws where they were', async () => {
    const a = await sampleThroughHost(gate(), 300, 42);
    const b = await sampleThroughHost(gate(), 300, 42);
    expect(b.rows).toEqual(a.rows);
    const unguarded = await sampleThroughHost(undefined, 300, 42);
    const kept = withinTauOfTraining(unguarded, TAU).map((refused, i) => (refused ? null : unguarded.rows[i]));
    kept.forEach((row, i) => row && expect(a.rows[i]).toEqual(row));
    // Replacements keep each record's class.
    expect(a.rows.map((r) => r[2])).toEqual(unguarded.rows.map((r) => r[2]));
  });

  test('a τ nothing can satisfy fails the call naming τ, instead of releasing fewer or unchecked records', async () => {
    const hopeless = new ReleaseGate([{ index: 0, guard: nearestNeighbourGuard(TRAINING, 100, 3) }]);
    await expect(sampleThroughHost(hopeless, 10, 1)).rejects.toThrow(/still refused after 3 rounds of fresh draws \(nn-rejection tau = 100\); lower tau or raise maxRedraws/);
  });

  test('bad configs are refused naming the field', () => {
    expect(nnRejection.configSchema.safeParse({}).success).toBe(false);
    expect(nnRejection.configSchema.safeParse({ tau: 0 }).success).toBe(false);
    expect(nnRejection.configSchema.safeParse({ tau: 1, maxRedraws: 0 }).success).toBe(false);
    expect(nnRejection.check!({ tau: 1, maxRedraws: 50 }, { sharer: { model: { kind: 'image-ddpm' } } } as any)).toEqual([
      { path: ['kind'], message: expect.stringMatching(/guards table records only/) },
    ]);
  });
});

/**
 * A fake diffusion model in the coordinates of the table's two numeric columns: x̂₀(x_t, t) of a training record is
 * the record itself (memorised) for t ≤ 10; of any other record, the record plus a jitter growing with t.
 */
function memorisingDiffusion(training: Table): TimestepModel & TabularGenerator {
  const isTraining = new Set(training.rows.map((r) => r.join(',')));
  return {
    ...memorisingGenerator(training),
    diffusionSchedule: { timesteps: 20, kind: 'cosine', alphaBars: Array.from({ length: 20 }, (_, t) => 1 - t / 20), modelWidth: 2, samplerTimesteps: [] },
    encodeRecords: (table) => ({ x: Float32Array.from(table.rows.flatMap((r) => [r[0], r[1]])), classes: Int32Array.from(table.rows, (r) => r[2]) }),
    predictX0: (xt) => xt,
    predictX0AtTimesteps(table, timesteps, noiseSeed) {
      const rng = new Rng(noiseSeed);
      return Float32Array.from(
        table.rows.flatMap((r) =>
          timesteps.flatMap((t) => {
            const jitter = isTraining.has(r.join(',')) && t <= 10 ? 0 : 0.02 * (1 + t);
            return [r[0] + jitter * rng.normal(), r[1] + jitter * rng.normal()];
          }),
        ),
      );
    },
    timestepLoss: () => new Float32Array(0),
    decodeRecords: (x, classes) => ({ schema: SCHEMA, rows: Array.from(classes, (k, i) => [x[2 * i], x[2 * i + 1], k]) }),
  };
}

async function predictX0ThroughHost(gate: ReleaseGate | undefined, records: Table, timesteps: number[], noiseSeed: number): Promise<Float32Array> {
  const model = memorisingDiffusion(TRAINING);
  const handlers = modelHostHandlers({ model, modelKind: 'fake', ...(gate ? { release: gate } : {}) }, testBrokerGate(TOKEN));
  const chunks = await callHandler<any>(handlers.PredictX0.bind(handlers), 'ModelHost.PredictX0', {
    records: { ...tableChunk(records, records.rows.map((r) => r[2]), 0, records.rows.length), encoding: recordEncoding(SCHEMA) },
    timesteps,
    noiseSeed,
    noiseDraws: 0,
  });
  const parts = chunks.map((c) => matrixFromChunk(c, MODEL_ENCODING, 2).values);
  return Float32Array.from(parts.flatMap((p) => Array.from(p)));
}

/** The gray-box oracle of the refusal attack on the fake model, through the real ModelHost handler. */
function oracleThroughHost(gate: ReleaseGate | undefined): GrayBoxOracle {
  const s = memorisingDiffusion(TRAINING).diffusionSchedule;
  return {
    schedule: { timesteps: s.timesteps, alphaBars: s.alphaBars, modelWidth: s.modelWidth },
    encode: async () => {
      throw new Error('not used');
    },
    predictX0AtTimesteps: (rows, timesteps, seed) => predictX0ThroughHost(gate, { schema: SCHEMA, rows }, timesteps, seed),
    predictX0: async () => {
      throw new Error('not used');
    },
    trajectory: async () => {
      throw new Error('not used');
    },
  };
}

describe('nn-rejection: gray-box PredictX0 through ModelHost', () => {
  const TAU = 0.3;

  test('withholds (NaN) exactly the x̂₀ rows whose decoded record is within τ of a training record', async () => {
    const gate = new ReleaseGate([{ index: 0, guard: nearestNeighbourGuard(TRAINING, TAU, 50) }]);
    const records: Table = { schema: SCHEMA, rows: [...TRAINING.rows.slice(0, 20), ...NON_MEMBERS.rows.slice(0, 20)] };
    const timesteps = [0, 5, 15];
    const open = await predictX0ThroughHost(undefined, records, timesteps, 3);
    const guarded = await predictX0ThroughHost(gate, records, timesteps, 3);
    const decoded: Table = { schema: SCHEMA, rows: records.rows.flatMap((r) => timesteps.map((_, k) => r)).map((r, row) => [open[2 * row], open[2 * row + 1], r[2]]) };
    const expected = withinTauOfTraining(decoded, TAU);
    const withheld = Array.from({ length: expected.length }, (_, row) => Number.isNaN(guarded[2 * row]) && Number.isNaN(guarded[2 * row + 1]));
    expect(withheld).toEqual(expected);
    // Rows not withheld are the model's answer unchanged; both kinds occur.
    expected.forEach((w, row) => !w && expect([guarded[2 * row], guarded[2 * row + 1]]).toEqual([open[2 * row], open[2 * row + 1]]));
    expect(expected.filter(Boolean).length).toBeGreaterThan(20);
    expect(expected.filter((w) => !w).length).toBeGreaterThan(20);
    expect(gate.countsOf(0)!.predictX0).toEqual({ rows: 120, withheld: expected.filter(Boolean).length });
  });

  test('the refusal attack scores members above non-members; without a guard it has no signal at all', async () => {
    const gate = new ReleaseGate([{ index: 0, guard: nearestNeighbourGuard(TRAINING, TAU, 50) }]);
    const rows = [...TRAINING.rows, ...NON_MEMBERS.rows];
    const config = { timesteps: [0, 2, 5, 10], noiseDraws: 2, batchRecords: 50 };
    const guarded = await refusalAttack(oracleThroughHost(gate), rows, config, 9);
    const members = guarded.scores.score.slice(0, 60);
    const nonMembers = guarded.scores.score.slice(60);
    expect(members.every((s) => s === 1)).toBe(true);
    // A non-member is refused too when it lies within τ of a training record itself (about a third do here).
    expect(auc(members, nonMembers)).toBeGreaterThan(0.75);
    const open = await refusalAttack(oracleThroughHost(undefined), rows, config, 9);
    expect(open.scores.score.every((s) => s === 0)).toBe(true);
    expect(auc(open.scores.score.slice(0, 60), open.scores.score.slice(60))).toBe(0.5);
  });

  test('its cost is exactly the units PredictX0 charges (K per record per noise draw), and it checks t against T', () => {
    const view = { challenge: 1300, T: 200, generation: null };
    expect(miaRefusal.cost(miaRefusal.configSchema.parse({}), view)).toBe(1300 * 4 * 2);
    expect(miaRefusal.cost(miaRefusal.configSchema.parse({ timesteps: [0, 1], noiseDraws: 3 }), view)).toBe(1300 * 2 * 3);
    expect(() => miaRefusal.cost(miaRefusal.configSchema.parse({ timesteps: [200] }), view)).toThrow(/^timesteps: expected at most T − 1 = 199 \(got 200\)$/);
    expect(miaRefusal.configSchema.safeParse({ timesteps: [1, 1] }).success).toBe(false);
    expect(() => miaRefusal.cost(miaRefusal.configSchema.parse({}), { challenge: 10, T: null, generation: null })).toThrow(/^kind: mia-refusal needs a diffusion model/);
  });

  test('a naive attack reads a withheld answer as the lowest score (finite, so it survives JSON)', async () => {
    expect(Number.isNaN(aggregateLosses([1, NaN, 2], 'median'))).toBe(true);
    const evidence = await runQueryAttack(
      { id: 'fake', requires: { access: ['gray-box'] }, cost: () => 0 },
      {},
      { index: 0, seed: 1, description: {}, challenge: { schema: SCHEMA, rows: [[0, 0, 0], [1, 1, 1]] } } as any,
      async () => ({ scores: { score: [NaN, -2] }, details: {} }),
    );
    expect(evidence.scores!.score).toEqual([WITHHELD_SCORE, -2]);
    expect(JSON.parse(JSON.stringify(evidence.scores)).score[0]).toBe(WITHHELD_SCORE);
    expect(evidence.details).toEqual({ scoresFromWithheldAnswers: 1 });
  });
});

describe('nn-rejection: gray-box Trajectory', () => {
  test('a refused final record withholds its whole trajectory; of the others, only refused x̂₀ rows', () => {
    const TAU = 0.3;
    const gate = new ReleaseGate([{ index: 0, guard: nearestNeighbourGuard(TRAINING, TAU, 50) }]);
    const model = memorisingDiffusion(TRAINING);
    // Record 0 is a training record; record 1 is far from every one, but its second x̂₀ is a training record.
    const member = TRAINING.rows[0];
    const far = [50, 50, 1];
    const records = { table: { schema: SCHEMA, rows: [member, far] }, classes: Int32Array.from([member[2], far[2]]) };
    const states = Float32Array.from({ length: 2 * 2 * 2 }, (_, i) => i);
    const x0 = TRAINING.rows[1];
    const predictedX0 = Float32Array.from([member[0], member[1], 40, 40, 50, 50, x0[0], x0[1]]);
    const out = gate.withholdTrajectory({ records, states, predictedX0 }, 2, 2, model.decodeRecords!.bind(model));
    expect(out.records.table.rows[0].every(Number.isNaN)).toBe(true);
    expect(out.records.table.rows[1]).toEqual(far);
    expect(Array.from(out.states).map((v) => (Number.isNaN(v) ? null : v))).toEqual([null, null, null, null, 4, 5, 6, 7]);
    // Record 1's second x̂₀ has class 1 (its record's): withheld only if training record 1 is of class 1 too.
    const secondWithheld = x0[2] === far[2];
    expect(Array.from(out.predictedX0!).map((v) => (Number.isNaN(v) ? null : v))).toEqual([null, null, null, null, 50, 50, ...(secondWithheld ? [null, null] : [x0[0], x0[1]])]);
    expect(gate.countsOf(0)!.trajectory).toEqual({ records: 2, withheld: 1, predictedX0Rows: 4, predictedX0Withheld: 1 + (secondWithheld ? 1 : 0) });
  });
});

describe('mia-hole', () => {
  test('scores −|d − τ| per radius, named without a dot; the cost is its draws', async () => {
    const { holeScores, miaHole } = await import('../receiver/moves/mia-hole');
    expect(holeScores([0.1, 0.5, 1.2], [0.5, 1])).toEqual({ tau0p5: [-0.4, 0, -0.7], tau1: [-0.9, -0.5, -0.19999999999999996] });
    expect(miaHole.cost(miaHole.configSchema.parse({ samples: 300, taus: [1] }), { challenge: 10, T: null, generation: null })).toBe(300);
    expect(miaHole.configSchema.safeParse({ taus: [] }).success).toBe(false);
    expect(miaHole.configSchema.safeParse({ taus: [0] }).success).toBe(false);
  });
});
