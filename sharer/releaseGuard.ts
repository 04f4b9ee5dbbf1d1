/**
 * The sharer's release guards (docs/privacy.md, "Nearest-neighbour rejection"): a defence of the data owner may refuse
 * to let some generated records out (nn-rejection refuses those within τ of a training record). ModelHost asks the
 * gate about everything it releases that is a record or decodes to one:
 *
 * - BlackBox Sample: a refused record is replaced by a fresh draw of the same class, seeded from the batch's seed and
 *   the round, for at most `maxRedraws` rounds; the count stays what was asked (the receiver's budget and the broker's
 *   audit see the asked count). A record still refused after the last round fails the call (RESOURCE_EXHAUSTED naming
 *   τ): the radius is too large for this model, and silently returning fewer or unchecked records would be worse.
 * - Gray-box PredictX0: every x̂₀ row, decoded into a record of its class, is withheld (returned as a row of NaN) when
 *   refused. The refusal is therefore visible, and it is an oracle: that is the point of the refusal attack
 *   (receiver/moves/mia-refusal).
 * - Gray-box Trajectory: a trajectory whose final record is refused is withheld whole (its final record, states and
 *   x̂₀ all NaN); of the others, each refused x̂₀ row is withheld.
 * - Encode (the receiver's own records) and white-box TimestepLoss (losses, not records) are not guarded.
 *
 * Refusals are counted per guard; the counts join the defence's evidence (the sharer's ground truth).
 */
import * as grpc from '@grpc/grpc-js';
import type { Table } from '../shared/data/table';
import { rpcError } from '../shared/grpc/errors';
import { deriveSeed } from '../shared/random';
import type { SampledRecords, TabularGenerator } from './tabularGenerator';

/** One defence's rule: which records must not be released. */
export interface ReleaseGuard {
  /** For messages, e.g. "nn-rejection τ = 0.5". */
  readonly describe: string;
  /** 1 for each record (rows in the shared schema, label included) that must not be released. */
  refuses(records: Table): Uint8Array;
  /** Rounds of fresh draws BlackBox Sample makes for refused records before it fails the call. */
  readonly maxRedraws: number;
}

/** What one guard refused, by channel: the defence's evidence `release`. */
export interface ReleaseCounts {
  /** BlackBox Sample: records released, draws refused (each replaced by a fresh draw), the most rounds one batch needed. */
  sample: { released: number; refused: number; mostRounds: number };
  /** PredictX0: x̂₀ rows answered and rows withheld (NaN). */
  predictX0: { rows: number; withheld: number };
  /**
   * Trajectory: trajectories, those withheld whole (final record refused), and x̂₀ rows the guard refused (of every
   * trajectory; the other rows of a trajectory withheld whole are not counted here).
   */
  trajectory: { records: number; withheld: number; predictedX0Rows: number; predictedX0Withheld: number };
}

function emptyCounts(): ReleaseCounts {
  return {
    sample: { released: 0, refused: 0, mostRounds: 0 },
    predictX0: { rows: 0, withheld: 0 },
    trajectory: { records: 0, withheld: 0, predictedX0Rows: 0, predictedX0Withheld: 0 },
  };
}

/** Decodes model-space rows (one class each) into records of the shared schema. */
export type DecodeRows = (x: Float32Array, classes: Int32Array) => Table;

/** Every guard of the run together, with each one's counts (keyed by its defence's index in sharer.defences). */
export class ReleaseGate {
  private readonly counts = new Map<number, ReleaseCounts>();

  constructor(private readonly guards: ReadonlyArray<{ index: number; guard: ReleaseGuard }>) {
    for (const { index } of guards) this.counts.set(index, emptyCounts());
  }

  get active(): boolean {
    return this.guards.length > 0;
  }

  /** The counts of the defence at `index` (a copy). */
  countsOf(index: number): ReleaseCounts | undefined {
    const c = this.counts.get(index);
    return c ? (JSON.parse(JSON.stringify(c)) as ReleaseCounts) : undefined;
  }

  /** Refused by any guard; each guard's own refusals are added to its counts by `count`. */
  private refused(records: Table, count: (c: ReleaseCounts, refused: number) => void): Uint8Array {
    const out = new Uint8Array(records.rows.length);
    for (const { index, guard } of this.guards) {
      const r = guard.refuses(records);
      let n = 0;
      for (let i = 0; i < r.length; i++) {
        if (r[i]) {
          out[i] = 1;
          n++;
        }
      }
      count(this.counts.get(index)!, n);
    }
    return out;
  }

  /**
   * `n` records as `model.sample` draws them, each refused one replaced by a fresh draw of its class (round r's draws
   * of class k seeded deriveSeed(seed, "release/<r>/class/<k>")), so the same seed gives the same records.
   */
  async sample(model: TabularGenerator, n: number, classIndex: number | null, seed: number, rngForClasses: () => number): Promise<SampledRecords> {
    const first = await model.sample(n, classIndex, seed, rngForClasses);
    if (!this.active) return first;
    const rows = first.table.rows.slice();
    const classes = first.classes;
    let pending = indicesOf(this.refused(first.table, (c, k) => (c.sample.refused += k)));
    let round = 0;
    while (pending.length > 0) {
      round++;
      if (round > this.maxRedraws()) {
        throw rpcError(
          grpc.status.RESOURCE_EXHAUSTED,
          `ModelHost.Sample: ${pending.length} of ${n} records still refused after ${round - 1} rounds of fresh draws (${this.describe()}); lower tau or raise maxRedraws`,
        );
      }
      const replaced: number[] = [];
      const fresh: number[][] = [];
      for (const k of [...new Set(pending.map((i) => classes[i]))].sort((a, b) => a - b)) {
        const at = pending.filter((i) => classes[i] === k);
        const drawn = await model.sample(at.length, k, deriveSeed(seed, `release/${round}/class/${k}`), () => 0);
        at.forEach((i, j) => {
          rows[i] = drawn.table.rows[j];
          replaced.push(i);
          fresh.push(drawn.table.rows[j]);
        });
      }
      const again = this.refused({ schema: first.table.schema, rows: fresh }, (c, k) => (c.sample.refused += k));
      pending = replaced.filter((_, j) => again[j]);
    }
    for (const c of this.counts.values()) {
      c.sample.released += n;
      c.sample.mostRounds = Math.max(c.sample.mostRounds, round);
    }
    return { table: { schema: first.table.schema, rows }, classes };
  }

  /** PredictX0's answer: each x̂₀ row (`width` values, class `classes[i]`) whose record is refused becomes NaN. */
  withholdPredictedX0(values: Float32Array, width: number, classes: ArrayLike<number>, decode: DecodeRows): Float32Array {
    if (!this.active) return values;
    const rows = values.length / width;
    const refused = this.refused(decode(values, Int32Array.from(classes)), (c, k) => {
      c.predictX0.rows += rows;
      c.predictX0.withheld += k;
    });
    return withholdRows(values, width, refused);
  }

  /**
   * Trajectory's answer for n records with K kept steps: a trajectory whose final record is refused is withheld
   * whole; of the others, each refused x̂₀ row.
   */
  withholdTrajectory(
    out: { records: SampledRecords; states: Float32Array; predictedX0: Float32Array | null },
    K: number,
    width: number,
    decode: DecodeRows,
  ): { records: SampledRecords; states: Float32Array; predictedX0: Float32Array | null } {
    if (!this.active) return out;
    const n = out.records.table.rows.length;
    const finalRefused = this.refused(out.records.table, (c, k) => {
      c.trajectory.records += n;
      c.trajectory.withheld += k;
    });
    const rows = out.records.table.rows.map((row, i) => (finalRefused[i] ? row.map(() => NaN) : row));
    const perStep = new Uint8Array(n * K);
    for (let i = 0; i < n; i++) if (finalRefused[i]) perStep.fill(1, i * K, (i + 1) * K);
    let predictedX0 = out.predictedX0;
    if (predictedX0) {
      const stepClasses = Int32Array.from({ length: n * K }, (_, r) => out.records.classes[Math.floor(r / K)]);
      const refusedX0 = this.refused(decode(predictedX0, stepClasses), (c, k) => {
        c.trajectory.predictedX0Rows += n * K;
        c.trajectory.predictedX0Withheld += k;
      });
      const both = perStep.map((v, r) => v | refusedX0[r]);
      predictedX0 = withholdRows(predictedX0, width, both);
    }
    return {
      records: { table: { schema: out.records.table.schema, rows }, classes: out.records.classes },
      states: withholdRows(out.states, width, perStep),
      predictedX0,
    };
  }

  private maxRedraws(): number {
    return Math.min(...this.guards.map((g) => g.guard.maxRedraws));
  }

  private describe(): string {
    return this.guards.map((g) => g.guard.describe).join(', ');
  }
}

function indicesOf(flags: Uint8Array): number[] {
  const out: number[] = [];
  flags.forEach((f, i) => f && out.push(i));
  return out;
}

/** A copy of `values` (rows of `width`) with the flagged rows set to NaN. */
function withholdRows(values: Float32Array, width: number, flags: Uint8Array): Float32Array {
  const out = Float32Array.from(values);
  flags.forEach((f, r) => f && out.fill(NaN, r * width, (r + 1) * width));
  return out;
}
