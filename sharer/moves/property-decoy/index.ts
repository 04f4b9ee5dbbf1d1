/**
 * The property decoy (issue 16; docs/privacy.md): the data owner's defence against property inference (Luo et al.
 * 2024 §3). The model is trained on a set resampled so that the share of task.sensitive = task.privileged is a decoy
 * p₀ (decoy.ts); a receiver estimating the share from samples then finds p₀, not the owner's p. It acts on the whole
 * training set, hidden columns included: a hidden sensitive column still decides which records are kept.
 *
 * What it costs: subsample trains on fewer records; oversample repeats records of the under-represented group, and a
 * repeated record is easier to memorise and extract (docs/mia.md), a privacy cost of its own.
 *
 * Its score is the decoy as the referee sees it (the owner's p, p₀, the share achieved). How far the receiver's
 * estimate followed it, |p̂ − p₀| against the attack's own bound, is completed by the referee from the PIA section
 * (cli/studies/decoy.ts), and the paired deltas against the undefended twin by the sweep's decoy study.
 */
import { z } from 'zod';
import { binaryColumn } from '../../../shared/data/table';
import { describeProperty } from '../../../shared/propertyInference/property';
import type { SharerDefenceMove } from '../context';
import { DecoyError, propertyDecoy, type DecoyReport } from './decoy';

const configSchema = z.strictObject({
  /** p₀: the share of task.sensitive = task.privileged the training set should show. */
  decoyShare: z.number().gt(0).lt(1),
  /** subsample (default): drop records, no duplicates, N shrinks. oversample: keep N, draw with replacement. */
  method: z.enum(['subsample', 'oversample']).default('subsample'),
  /** Draw within (s, y) cells so that P(Y | S) stays the owner's (default); false: at random within each s group. */
  keepLabelShares: z.boolean().default(true),
});
export type PropertyDecoyConfig = z.output<typeof configSchema>;

export const propertyDecoyMove: SharerDefenceMove<PropertyDecoyConfig> = {
  id: 'property-decoy',
  party: 'sharer',
  slot: 'defences',
  describe: 'Trains on a set resampled so that the share of the sensitive value is a decoy p₀, not the owner\'s (against property inference)',
  paper: 'Luo et al. 2024 §3 (the property inference it defends against)',
  requires: { access: [] },
  configSchema,
  // The sharer spends nothing of the receiver's budget.
  cost: () => 0,
  check(_config, scenario) {
    // In a membership game the members are the training set by definition: a decoy that drops or repeats members would
    // make the game's truth (who is a member) wrong.
    return scenario.membership
      ? [{ path: ['kind'], message: 'changes which records are trained on, which would falsify the membership game\'s members; use it without `membership`' }]
      : [];
  },
  async run(config, ctx) {
    try {
      const { table, report } = propertyDecoy(ctx.trainingSet, ctx.task, config, ctx.seed);
      return { trainingSet: table, evidence: { ...report } };
    } catch (err) {
      if (err instanceof DecoyError) throw new Error(`sharer.defences[${ctx.index}] (property-decoy): ${err.message}`);
      throw err;
    }
  },
  score(evidence, config, truth, label) {
    const e = evidence as unknown as DecoyReport;
    // p is the share in the owner's records, the truth property inference is scored against (the referee's own count).
    const s = binaryColumn(truth.trainingRecords, e.column, e.value);
    const ownerShare = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
    return {
      report: {
        moves: {
          [label]: {
            property: describeProperty({ column: e.column, value: e.value }),
            method: config.method,
            keepLabelShares: config.keepLabelShares,
            ownerShare,
            decoyShare: e.decoyShare,
            achievedShare: e.achievedShare,
            // What the decoy moved: the share itself, beside the trivial decoy (none: the owner's p).
            shareMoved: e.achievedShare - ownerShare,
            rowsBefore: e.rowsBefore,
            rowsAfter: e.rowsAfter,
            recordsDropped: e.recordsDropped,
            duplicates: e.duplicates,
            positiveShareBefore: e.positiveShareBefore,
            positiveShareAfter: e.positiveShareAfter,
          },
        },
      },
    };
  },
};
