/**
 * fair-reduction: the receiver fits its classifiers under a demographic-parity constraint with the
 * exponentiated-gradient reduction (Agarwal, Beygelzimer, Dudík, Langford, Wallach 2018, "A Reductions Approach to
 * Fair Classification", Algorithm 1; shared/fairness/exponentiatedGradient.ts), on the synthetic records it drew. A
 * buyer who suspects a sharer of fairness poisoning (docs/fpa.md) cannot see the sharer's data, but it can refuse to
 * learn the S–Y dependence the poisoned generator reproduces: the constraint holds on the synthetic records, where the
 * poisoning lives, and the price is measured on the receiver's real test split like any classifier's.
 *
 * Cost: every round of Algorithm 1 is one training of a fresh classifier of the scenario's kind (logistic or MLP),
 * plus one to four more for the duality gap (the best responses to 1, 2, 5, 10 × λ̂; docs/fairness-defences.md, "The reduction").
 * A run of T rounds costs between 2T and 5T trainings, at most 250 with Fairlearn's T = 50; `innerEpochs` lowers the
 * epochs of each. It spends no budget at the broker.
 *
 * It needs the sensitive attribute on the records: a sharer that hides the column (sharer.hideColumns) leaves
 * nothing to constrain, and the move refuses at load and at run.
 */
import { z } from 'zod';
import { deriveSeed } from '../../../shared/random';
import { exponentiatedGradient, predictDrawn, predictThresholded, type ReductionResult, type TrainingFairness } from '../../../shared/fairness/exponentiatedGradient';
import type { FeatureMatrix } from '../../../shared/evaluation/classifiers';
import type { ReceiverDefenceMove } from '../context';

const configSchema = z.strictObject({
  /** The constraint: demographic parity, |P(h=1 | s=g) − P(h=1)| ≤ ε for both groups (the only one for now). */
  constraint: z.literal('demographic-parity').default('demographic-parity'),
  /** ε of the constraint; Fairlearn's default 0.01. The gap between the groups is then at most ε / max(p₀, p₁) ≤ 2ε. */
  epsilon: z.number().gt(0).max(1).default(0.01),
  /** T, the most rounds; Fairlearn's default 50. */
  maxIterations: z.number().int().min(1).max(500).default(50),
  /** η₀, the λ-player's initial step (η = η₀ ε); Fairlearn's default 2. */
  eta0: z.number().gt(0).default(2),
  /** Epochs of each inner fit; absent: receiver.classifierEpochs (each round trains a fresh classifier). */
  innerEpochs: z.number().int().min(1).optional(),
  /**
   * How the randomized classifier predicts the test split: 'draw' (default) a seeded draw per record from the mixture
   * (Fairlearn's predict with a random_state), whose DP gap is the mixture's in expectation; 'threshold' the mixture's
   * P(h = 1) at 0.5, deterministic but without the constraint's guarantee.
   */
  prediction: z.enum(['draw', 'threshold']).default('draw'),
});
type FairReductionConfig = z.output<typeof configSchema>;

/**
 * What one classifier kind's reduction did, on the training (synthetic) records: the reduction's own summary (its
 * fields documented in shared/fairness/exponentiatedGradient.ts), without the fitted classifiers themselves.
 */
export type ReductionFitEvidence = Pick<
  ReductionResult<FeatureMatrix>,
  'iterations' | 'converged' | 'gap' | 'nu' | 'oracleCalls' | 'constantResponses' | 'classifiersFound' | 'weights' | 'lambda' | 'training'
> & {
  /** Classifiers with weight in the mixture. */
  supportSize: number;
  /** The first best response: the unconstrained classifier on the same records (the baseline). */
  unconstrained: TrainingFairness;
  seconds: number;
};

function fitEvidence(result: ReductionResult<FeatureMatrix>, seconds: number): ReductionFitEvidence {
  return {
    iterations: result.iterations,
    converged: result.converged,
    gap: result.gap,
    nu: result.nu,
    oracleCalls: result.oracleCalls,
    constantResponses: result.constantResponses,
    classifiersFound: result.classifiersFound,
    supportSize: result.predictors.length,
    weights: result.weights,
    lambda: result.lambda,
    training: result.training,
    unconstrained: result.unconstrained,
    seconds,
  };
}

function sensitiveHiddenMessage(sensitive: string): string {
  return `the synthetic records have no column "${sensitive}" (task.sensitive): the sharer hides it (sharer.hideColumns), and a demographic-parity constraint needs S on the training records`;
}

export const fairReduction: ReceiverDefenceMove<FairReductionConfig> = {
  id: 'fair-reduction',
  party: 'receiver',
  slot: 'defences',
  describe: 'Fits the classifiers under a demographic-parity constraint with the exponentiated-gradient reduction (a randomized mixture of weighted fits)',
  paper: 'Agarwal, Beygelzimer, Dudík, Langford, Wallach 2018 (ICML), "A Reductions Approach to Fair Classification", Algorithm 1',
  requires: { access: [] },
  configSchema,
  // It trains on the records the receiver already drew; nothing is drawn or queried.
  cost: () => 0,
  check(_config, scenario) {
    return scenario.sharer.hideColumns.includes(scenario.task.sensitive) ? [{ path: [], message: sensitiveHiddenMessage(scenario.task.sensitive) }] : [];
  },
  async run(config, ctx) {
    const where = `receiver.defences[${ctx.index}] (fair-reduction)`;
    if (!ctx.synthetic.schema.columns.some((c) => c.name === ctx.task.sensitive)) throw new Error(`${where}: ${sensitiveHiddenMessage(ctx.task.sensitive)}`);
    // Filled by the plan's fit, once per classifier kind, while the receiver trains: the receiver returns this object
    // after its classifiers are trained (receiver/moves/context.ts ReceiverDefenceResult).
    const fits: Record<string, ReductionFitEvidence> = {};
    const evidence = {
      constraint: config.constraint,
      epsilon: config.epsilon,
      maxIterations: config.maxIterations,
      innerEpochs: config.innerEpochs ?? null,
      prediction: config.prediction,
      records: ctx.synthetic.rows.length,
      fits,
    };
    return {
      evidence,
      plan: {
        async fit(fitWeighted, data) {
          if (data.s === null) throw new Error(`${where}: ${sensitiveHiddenMessage(ctx.task.sensitive)}`);
          const started = Date.now();
          const learner = {
            async fit(weights: Float64Array, labels: Uint8Array) {
              const classifier = await fitWeighted(weights, labels, config.innerEpochs !== undefined ? { epochs: config.innerEpochs } : undefined);
              return (x: FeatureMatrix) => classifier.predictProbability(x);
            },
          };
          const result = await exponentiatedGradient(learner, { x: data.x, y: data.y, s: data.s, rows: data.x.rows }, {
            epsilon: config.epsilon,
            maxIterations: config.maxIterations,
            eta0: config.eta0,
          });
          fits[data.kind] = fitEvidence(result, (Date.now() - started) / 1000);
          ctx.say(
            `${data.kind}: ${result.iterations} rounds, ${result.oracleCalls} fits, ${result.predictors.length} classifiers in the mixture, ` +
              `training DP gap ${result.training.dpGap.toFixed(3)} (unconstrained ${result.unconstrained.dpGap.toFixed(3)})`,
          );
          const drawSeed = deriveSeed(ctx.seed, `draw/${data.kind}`);
          return (x: FeatureMatrix) => (config.prediction === 'draw' ? predictDrawn(result, x, x.rows, drawSeed) : predictThresholded(result, x, x.rows));
        },
      },
    };
  },
  score(evidence, config, _truth, label) {
    const fits = (evidence.fits ?? {}) as Record<string, ReductionFitEvidence>;
    const perKind: Record<string, unknown> = {};
    for (const [kind, f] of Object.entries(fits)) {
      perKind[kind] = {
        iterations: f.iterations,
        converged: f.converged,
        oracleCalls: f.oracleCalls,
        supportSize: f.supportSize,
        seconds: f.seconds,
        // On the synthetic (training) records: what the constraint bounds, beside the unconstrained classifier.
        trainingMaxGroupDeviation: f.training.maxGroupDeviation,
        withinEpsilon: f.training.maxGroupDeviation <= config.epsilon,
        trainingDpGap: f.training.dpGap,
        trainingError: f.training.error,
        unconstrained: { trainingDpGap: f.unconstrained.dpGap, trainingMaxGroupDeviation: f.unconstrained.maxGroupDeviation, trainingError: f.unconstrained.error },
      };
    }
    return { report: { moves: { [label]: { constraint: config.constraint, epsilon: config.epsilon, prediction: config.prediction, ...perKind } } } };
  },
};
