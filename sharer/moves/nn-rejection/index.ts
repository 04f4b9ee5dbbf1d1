/**
 * Nearest-neighbour rejection (issue 16; docs/privacy.md): the data owner refuses to release any generated record
 * within distance τ of one of its training records, the filter synthetic-data vendors ship against verbatim copies
 * (a "distance to closest record" privacy filter). The distance is the project's one record distance
 * (shared/data/recordDistance.ts): ℓ2 with numerics standardised and categories one-hot, fitted on the final training
 * set as the model sees it (hidden columns dropped, the label kept), the space in which the referee counts Carlini
 * extraction; τ = 1 is one standard deviation of one numeric column, and two records differing in one category
 * only are √2 apart.
 *
 * What is refused, and how (sharer/releaseGuard.ts): BlackBox draws are replaced by fresh draws of the same class
 * (the count is kept); gray-box x̂₀ rows and trajectories are withheld as NaN, which the receiver sees. That makes the
 * refusal an oracle: a member's x̂₀ at a small t sits on its own training record and is refused, a non-member's is
 * not (receiver/moves/mia-refusal). The refusal counts are the defence's evidence.
 */
import { z } from 'zod';
import { RECORD_DISTANCE_NAME, RecordSpace, nearestDistances, withinRadius } from '../../../shared/data/recordDistance';
import { dropColumns, type Table } from '../../../shared/data/table';
import type { SharerDefenceMove } from '../context';
import type { ReleaseCounts, ReleaseGuard } from '../../releaseGuard';

const configSchema = z.strictObject({
  /** τ: records closer than this to a training record (d < τ) are not released. */
  tau: z.number().gt(0),
  /** Rounds of fresh draws a BlackBox batch may make for its refused records before the call fails. */
  maxRedraws: z.number().int().min(1).max(1000).default(50),
});
type NnRejectionConfig = z.output<typeof configSchema>;

/** Records within `tau` of a training record (as the model sees it): the guard of the release gate. */
export function nearestNeighbourGuard(trainingSet: Table, tau: number, maxRedraws: number): ReleaseGuard {
  const space = RecordSpace.fit(trainingSet);
  const reference = space.encode(trainingSet);
  return {
    describe: `nn-rejection tau = ${tau}`,
    maxRedraws,
    refuses: (records) => withinRadius(space.encode(records), reference, space.width, tau),
  };
}

/** Records of the leave-one-out nearest-distance summary (the first ones of the set): what τ compares with. */
const NEAREST_SUMMARY_RECORDS = 2000;

/**
 * Quantiles of each training record's distance to its nearest other training record: a τ above the typical value
 * refuses records that are no closer to their neighbour than training records are to each other.
 */
function trainingNearestDistances(table: Table): Record<string, number> {
  const space = RecordSpace.fit(table);
  const x = space.encode(table);
  const D = space.width;
  const n = Math.min(table.rows.length, NEAREST_SUMMARY_RECORDS);
  const d: number[] = [];
  for (let i = 0; i < n; i++) {
    const others = new Float32Array(x.length - D);
    others.set(x.subarray(0, i * D));
    others.set(x.subarray((i + 1) * D), i * D);
    d.push(nearestDistances(x.subarray(i * D, (i + 1) * D), others, D)[0]);
  }
  d.sort((a, b) => a - b);
  const q = (p: number) => (d.length === 0 ? NaN : d[Math.min(d.length - 1, Math.floor(p * d.length))]);
  return { min: q(0), p10: q(0.1), median: q(0.5), p90: q(0.9) };
}

export const nnRejection: SharerDefenceMove<NnRejectionConfig> = {
  id: 'nn-rejection',
  party: 'sharer',
  slot: 'defences',
  describe: 'Refuses to release any generated record (or gray-box x̂0) within τ of a training record; draws are replaced, x̂0 rows withheld',
  paper: 'the distance-to-closest-record filter of synthetic-data vendors; Carlini et al. 2023 §4 (the extraction it aims at)',
  requires: { access: [] },
  configSchema,
  // The sharer spends nothing of the receiver's budget (its redraws are its own compute).
  cost: () => 0,
  check(_config, scenario) {
    const kind = scenario.sharer.model.kind;
    return kind === 'image-ddpm' ? [{ path: ['kind'], message: 'guards table records only (sharer.model.kind is image-ddpm: its x̂0 is not decoded into records yet)' }] : [];
  },
  async run(config, ctx) {
    const visible = dropColumns(ctx.trainingSet, ctx.hideColumns);
    return {
      release: (trainingSet) => nearestNeighbourGuard(trainingSet, config.tau, config.maxRedraws),
      evidence: {
        tau: config.tau,
        distance: RECORD_DISTANCE_NAME,
        maxRedraws: config.maxRedraws,
        // On the set as this defence receives it (a later defence may still change it).
        trainingNearestDistance: trainingNearestDistances(visible),
      },
    };
  },
  // The refusals (the sharer's ground truth, counted while serving) beside τ.
  score: (evidence, _config, _truth, label) => {
    const release = evidence.release as ReleaseCounts | undefined;
    const s = release?.sample;
    return {
      report: {
        moves: {
          [label]: {
            tau: evidence.tau,
            distance: evidence.distance,
            trainingNearestDistance: evidence.trainingNearestDistance,
            refusals: release ?? null,
            // Share of black-box draws refused (each was replaced by a fresh draw).
            sampleRefusedShare: s && s.released + s.refused > 0 ? s.refused / (s.released + s.refused) : 0,
            predictX0WithheldShare: release && release.predictX0.rows > 0 ? release.predictX0.withheld / release.predictX0.rows : 0,
          },
        },
      },
    };
  },
};
