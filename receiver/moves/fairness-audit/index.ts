/**
 * The receiver's fairness audit (issue 17; docs/fairness-audit.md): before its classifiers train, the receiver measures
 * the S–Y dependence of the synthetic records it drew (the label DP gap and I(S;Y), with bootstrap intervals) and
 * tests it against a reference it trusts: a small real split of its own (`reference: <dataset name>`) or a published
 * gap (`reference: { labelParityGap }`). A fairness-poisoning sharer (FPA, docs/fpa.md) must put its S–Y dependence
 * into the model for the attack to work at all, so it shows in the samples; the audit reads nothing else.
 *
 * It only flags: it returns no training plan. What a receiver does with the flag is its policy (refuse the data, ask
 * the broker for another model, or reweigh the records: the `reweighing` defence does the last). The referee scores
 * the flag beside the truth it holds (the training set's own gap and I(S;Y)); its power as a detector over honest
 * and poisoned sharers is a cross-run number, the audit study (cli/studies/audit.ts).
 */
import { z } from 'zod';
import { loadDataset } from '../../../shared/data/loadDataset';
import {
  correctedCounts,
  countsOf,
  dependenceAudit,
  dependenceAuditOfLabels,
  labelParityGapOf,
  mutualInformationOf,
  syCounts,
  type AuditReference,
} from '../../../shared/fairness/dependenceAudit';
import { binaryColumn, type Table } from '../../../shared/data/table';
import { splitTable } from '../../../shared/data/split';
import { trainDiscriminator } from '../property-inference/discriminator';
import type { MoveIssue } from '../../../shared/moves/move';
import { Rng, deriveSeed } from '../../../shared/random';
import { listForMessage } from '../../../shared/scenario/consistency';
import type { Scenario } from '../../../shared/scenario/schema';
import { sharedHiddenColumns } from '../../../shared/scenario/slices';
import { datasetColumns } from '../../../shared/scenario/sources';
import { datasetRefProblem, declaredDataset, readSameFile } from '../../../shared/scenario/datasetRefs';
import type { ReceiverDefenceContext, ReceiverDefenceEvidence, ReceiverDefenceMove } from '../context';

export const fairnessAuditConfigSchema = z.strictObject({
  /**
   * What the synthetic dependence is compared with: the name of a dataset of the receiver's own under `datasets:` (a
   * small real split; its sampling error enters the test), or a published label-parity gap P(y=1|s=1) − P(y=1|s=0),
   * treated as exact.
   */
  reference: z.union([z.string().min(1), z.strictObject({ labelParityGap: z.number().min(-1).max(1) })]),
  /** Significance level: the audit flags when its p-value is below it. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /**
   * The smallest |gap difference| the receiver cares about (the test's H0 is |δ| ≤ tolerance). 0: any difference.
   * A generator's own fitting error moves an honest sharer's gap a little; a tolerance keeps that from being flagged.
   */
  tolerance: z.number().min(0).max(1).default(0),
  /** Bootstrap resamples of the reported intervals (the p-value does not use them). */
  resamples: z.number().int().min(1).default(1000),
  /**
   * When S is hidden from the samples: the property-inference discriminator that guesses ŝ from the shared columns
   * (trained on half of the reference split, calibrated on the other half). Ignored when S is in the samples.
   */
  discriminator: z.enum(['logistic', 'mlp']).default('logistic'),
});

export type FairnessAuditConfig = z.output<typeof fairnessAuditConfigSchema>;

export const fairnessAudit: ReceiverDefenceMove<FairnessAuditConfig> = {
  id: 'fairness-audit',
  party: 'receiver',
  slot: 'defences',
  describe: 'Tests the S–Y dependence of the drawn synthetic records (label DP gap, I(S;Y)) against a trusted reference before training; flags a poisoned model',
  paper: 'issue 17 (a defence against Luo et al. 2024, fairness poisoning)',
  // It reads the records the receiver already drew: no grant and no budget of its own.
  requires: { access: [] },
  configSchema: fairnessAuditConfigSchema,
  cost: () => 0,
  check: checkReference,
  async run(config, ctx) {
    const started = Date.now();
    const where = `receiver.defences[${ctx.index}] (fairness-audit)`;
    if (!ctx.synthetic.schema.columns.some((c) => c.name === ctx.task.label)) {
      throw new Error(`${where}: the synthetic records have no column "${ctx.task.label}" (task.label)`);
    }
    // S hidden from the samples (sharer.hideColumns): the property-inference discriminator is the auditor.
    if (!ctx.synthetic.schema.columns.some((c) => c.name === ctx.task.sensitive)) return hiddenSensitiveAudit(config, ctx, where, started);
    let reference: AuditReference;
    if (typeof config.reference === 'string') {
      const spec = ctx.attackData[config.reference];
      if (!spec) throw new Error(`${where}: reference: the dataset "${config.reference}" was not handed to the receiver`);
      reference = { table: loadDataset(spec, spec.seed), name: config.reference };
    } else {
      reference = { labelParityGap: config.reference.labelParityGap };
    }
    const audit = dependenceAudit(ctx.synthetic, reference, ctx.task, {
      alpha: config.alpha,
      tolerance: config.tolerance,
      resamples: config.resamples,
      rng: new Rng(deriveSeed(ctx.seed, 'bootstrap')),
    });
    ctx.say(
      `gap ${audit.gapSynthetic.estimate.toFixed(3)} vs reference ${(typeof audit.gapReference === 'number' ? audit.gapReference : audit.gapReference.estimate).toFixed(3)}: ` +
        `p = ${audit.pValue.toExponential(2)}${audit.flagged ? ', FLAGGED' : ''}`,
    );
    // The task travels with the evidence: the referee reads the same columns of the training set.
    return { evidence: { ...audit, auditor: 'visible', task: { ...ctx.task }, syntheticRecords: ctx.synthetic.rows.length, seconds: (Date.now() - started) / 1000 } };
  },
  score(evidence, config, truth, label) {
    const e = evidence as ReceiverDefenceEvidence & FairnessAuditEvidence;
    // What the sharer's model was really trained on (the referee holds every column, S included): the dependence the
    // audit is trying to see through the generator.
    const training = syCounts(truth.trainingRecords, e.task);
    return {
      report: {
        moves: {
          [label]: {
            kind: 'fairness-audit',
            reference: typeof config.reference === 'string' ? config.reference : 'published',
            // 1/0 rather than a boolean, so that means over seeds (acrossSeeds) are flag rates.
            flagged: e.flagged ? 1 : 0,
            pValue: e.pValue,
            z: e.test.z,
            standardError: e.test.standardError,
            alpha: e.alpha,
            tolerance: e.test.tolerance,
            gapSynthetic: e.gapSynthetic,
            gapReference: e.gapReference,
            difference: e.difference,
            iSYSynthetic: e.synthetic.mutualInformationBits,
            iSYReference: e.reference.kind === 'data' ? e.reference.mutualInformationBits : null,
            auditor: e.auditor ?? 'visible',
            ...(e.corrected ? { corrected: e.corrected, discriminatorCalibration: e.discriminator?.calibration } : {}),
            truth: { trainingLabelParityGap: labelParityGapOf(training), trainingISY: mutualInformationOf(training) },
          },
        },
      },
    };
  },
};

/** The evidence's fields the scorer reads (the audit output of shared/fairness/dependenceAudit.ts, as JSON). */
interface FairnessAuditEvidence {
  flagged: boolean;
  pValue: number;
  alpha: number;
  difference: number;
  test: { z: number; standardError: number; tolerance: number };
  gapSynthetic: { estimate: number; low: number; high: number };
  gapReference: { estimate: number; low: number; high: number } | number;
  synthetic: { mutualInformationBits: { estimate: number; low: number; high: number } };
  reference: { kind: 'data'; mutualInformationBits: { estimate: number; low: number; high: number } } | { kind: 'published' };
  task: { sensitive: string; privileged: string; label: string; positive: string };
  auditor?: 'visible' | 'discriminator';
  corrected?: Record<string, unknown>;
  discriminator?: { calibration: unknown };
}

/**
 * The reference must be the receiver's own data with the task's columns (never the sharer's dataset or file), and the
 * samples must carry S and Y: with S hidden the auditor would be the property-inference discriminator, not built yet.
 */
function checkReference(config: FairnessAuditConfig, s: Scenario): MoveIssue[] {
  const issues: MoveIssue[] = [];
  if (sharedHiddenColumns(s).includes(s.task.sensitive) && typeof config.reference !== 'string') {
    issues.push({
      path: ['reference'],
      message: `task.sensitive "${s.task.sensitive}" is hidden by sharer.hideColumns: the audit guesses it with a discriminator trained on a reference dataset of the receiver's, not a published gap`,
    });
  }
  if (typeof config.reference !== 'string') return issues;
  const at = ['reference'];
  const name = config.reference;
  const ref = declaredDataset(s.datasets, name);
  if (!ref) return [...issues, { path: at, message: `${datasetRefProblem(s.datasets, name)}, or { labelParityGap }` }];
  if (name === s.sharer.data) return [...issues, { path: at, message: `must not be the sharer's dataset "${name}": the receiver's reference is its own` }];
  if (readSameFile(s.datasets, s.sharer.data, name)) {
    return [...issues, { path: at, message: `must not be the file of the sharer's dataset "${s.sharer.data}": the receiver's reference is its own` }];
  }
  const columns = datasetColumns(ref).map((c) => c.name);
  for (const column of [s.task.sensitive, s.task.label]) {
    if (!columns.includes(column)) issues.push({ path: at, message: `dataset "${name}" has no column "${column}" (columns: ${listForMessage(columns)}): the reference needs task.sensitive and task.label` });
  }
  return issues;
}

/**
 * The audit when S is hidden from the samples (docs/fairness-audit.md, "S hidden"): a property-inference discriminator
 * f (receiver/moves/property-inference/discriminator.ts) is trained on half of the reference split to guess ŝ from the
 * shared columns other than the label (so ŝ does not read y), and calibrated on the other half. The test compares the
 * ŝ-gap P(y=1 | ŝ=1) − P(y=1 | ŝ=0) of the synthetic records with the ŝ-gap of the held-out reference records: f is
 * the same function on both, so under H0 (the synthetic (x, y) distributed as the reference's) the two gaps agree
 * whatever f's errors, and the test needs no assumption about them. The estimated dependence itself is the corrected
 * one: the ŝ-table inverted by f's confusion matrix per label class (correctedCounts), which assumes f's errors do not
 * depend on y given s.
 */
async function hiddenSensitiveAudit(config: FairnessAuditConfig, ctx: ReceiverDefenceContext, where: string, started: number) {
  if (typeof config.reference !== 'string') {
    throw new Error(`${where}: reference: the samples hide "${ctx.task.sensitive}", so the audit needs a reference dataset with it to train a discriminator on, not a published gap`);
  }
  const spec = ctx.attackData[config.reference];
  if (!spec) throw new Error(`${where}: reference: the dataset "${config.reference}" was not handed to the receiver`);
  const referenceTable = loadDataset(spec, spec.seed);
  const seed = deriveSeed(ctx.seed, 'discriminator');
  const trainFraction = 0.5;
  const featureColumns = ctx.synthetic.schema.columns.map((c) => c.name).filter((name) => name !== ctx.task.label);
  const f = await trainDiscriminator(referenceTable, { column: ctx.task.sensitive, value: ctx.task.privileged }, ctx.synthetic.schema, {
    seed,
    classifier: config.discriminator,
    trainFraction,
    featureColumns,
  });
  try {
    // The held-out half, as trainDiscriminator split it (the same seed and label): f never trained on it.
    const [, heldOut] = splitTable(referenceTable, trainFraction, new Rng(deriveSeed(seed, 'pia/aux-split')));
    const guess = (table: Table) => ({ s: f.classify(table), y: binaryColumn(table, ctx.task.label, ctx.task.positive) });
    const synthetic = guess(ctx.synthetic);
    const reference = guess(heldOut);
    const audit = dependenceAuditOfLabels(synthetic, { labels: reference, name: `${config.reference} (held-out half, ŝ)` }, {
      alpha: config.alpha,
      tolerance: config.tolerance,
      resamples: config.resamples,
      rng: new Rng(deriveSeed(ctx.seed, 'bootstrap')),
    });
    const calibration = f.calibration!;
    const correct = (labels: { s: ArrayLike<number>; y: ArrayLike<number> }) => {
      const c = correctedCounts(countsOf(labels.s, labels.y), calibration.tpr!, calibration.fpr!);
      return { gap: labelParityGapOf(c), iSY: mutualInformationOf(c) };
    };
    const corrected = { synthetic: correct(synthetic), reference: correct(reference) };
    ctx.say(
      `ŝ-gap ${audit.gapSynthetic.estimate.toFixed(3)} vs reference ${(audit.gapReference as { estimate: number }).estimate.toFixed(3)} (discriminator error ${calibration.error.toFixed(3)}): ` +
        `p = ${audit.pValue.toExponential(2)}${audit.flagged ? ', FLAGGED' : ''}; corrected gap ${corrected.synthetic.gap.toFixed(3)}`,
    );
    return {
      evidence: {
        ...audit,
        auditor: 'discriminator',
        discriminator: { kind: config.discriminator, featureColumns, calibration },
        corrected,
        task: { ...ctx.task },
        syntheticRecords: ctx.synthetic.rows.length,
        seconds: (Date.now() - started) / 1000,
      },
    };
  } finally {
    f.dispose();
  }
}
