/**
 * DP-SGD training of the tabular DDPM at a target ε (issue 16; docs/privacy.md): the data owner's defence against
 * membership inference and extraction. It chooses the noise multiplier σ that spends exactly the target ε over the
 * model's training steps at Poisson rate q = expectedBatch / N (shared/privacy/rdpAccountant.ts), and the sharer trains
 * with DP-SGD (sharer/diffusion/dpSgd.ts). The accountant's transcript is the sharer's ground truth; the referee
 * reports it beside what the attacks measure.
 */
import { z } from 'zod';
import { noiseMultiplierFor, type DpTranscript } from '../../../shared/privacy/rdpAccountant';
import type { SharerDefenceMove } from '../context';

const configSchema = z.strictObject({
  /** The privacy budget ε the whole training may spend (at δ). */
  targetEpsilon: z.number().gt(0),
  /** δ of the (ε, δ) guarantee; should be below 1/N. */
  delta: z.number().gt(0).lt(1).default(1e-5),
  /** C: every record's gradient is clipped to this L2 norm. */
  clipNorm: z.number().gt(0).default(1),
  /** Expected records per step (q = expectedBatch / N); default sharer.model.batchSize. */
  expectedBatch: z.number().int().min(1).optional(),
  /** K: (t, ε) draws per record, averaged before clipping (DPDM's noise multiplicity). */
  noiseDraws: z.number().int().min(1).max(64).default(1),
});
type DpTrainingConfig = z.output<typeof configSchema>;

export const dpTraining: SharerDefenceMove<DpTrainingConfig> = {
  id: 'dp-training',
  party: 'sharer',
  slot: 'defences',
  describe: 'Trains the tabular DDPM with DP-SGD (Poisson sampling, per-record clipping, Gaussian noise) at a target ε',
  paper: 'Abadi et al. 2016 (DP-SGD); Dockhorn et al. 2023 (DPDM, noise multiplicity); Mironov et al. 2019 (RDP accountant)',
  requires: { access: [] },
  configSchema,
  // The sharer spends nothing of the receiver's budget.
  cost: () => 0,
  check(_config, scenario) {
    const kind = scenario.sharer.model.kind;
    return kind === 'tabular-ddpm' ? [] : [{ path: ['kind'], message: `trains the tabular DDPM only (sharer.model.kind is ${kind}): the image U-Net has no per-record clipping yet` }];
  },
  async run(config, ctx) {
    const model = ctx.model;
    if (model.kind !== 'tabular-ddpm') throw new Error(`sharer.defences[${ctx.index}] (dp-training): trains the tabular DDPM only, not ${model.kind}`);
    const expectedBatch = config.expectedBatch ?? model.batchSize;
    const trainRows = ctx.trainingSet.rows.length;
    const samplingRate = Math.min(1, expectedBatch / trainRows);
    const transcript: DpTranscript = noiseMultiplierFor({ targetEpsilon: config.targetEpsilon, samplingRate, steps: model.trainSteps, delta: config.delta });
    return {
      dp: { samplingRate, clipNorm: config.clipNorm, noiseMultiplier: transcript.noiseMultiplier, noiseDraws: config.noiseDraws },
      evidence: { ...transcript, clipNorm: config.clipNorm, noiseDraws: config.noiseDraws, expectedBatch, trainRows },
    };
  },
  // The guarantee the sharer bought, beside what the attacks measure (the report's membership section).
  score: (evidence, _config, _truth, label) => ({
    report: {
      moves: {
        [label]: {
          epsilon: evidence.epsilon,
          delta: evidence.delta,
          noiseMultiplier: evidence.noiseMultiplier,
          samplingRate: evidence.samplingRate,
          steps: evidence.steps,
          clipNorm: evidence.clipNorm,
          noiseDraws: evidence.noiseDraws,
          order: evidence.order,
        },
      },
    },
  }),
};
