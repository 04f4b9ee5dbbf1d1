/**
 * The fairness-poisoning algorithms (FPA, docs/fpa.md) and the I(X;Y) estimators they use. The moves that run them,
 * with their metadata, are sharer/moves/greedy-mi and sharer/moves/label-flipping.
 */
import { LogisticMiEstimator, type LogisticMiOptions } from './fastMi';
import { MineMiEstimator, type MineMiOptions } from './mine';
import type { MiEstimator } from './greedyMutualInformation';

export * from './greedyMutualInformation';
export { LogisticMiEstimator, fitLogisticLogits } from './fastMi';
export type { LogisticMiOptions } from './fastMi';
export { MineNetwork, MineMiEstimator, donskerVaradhanBits, MINE_DEFAULT_FIT } from './mine';
export type { MineFitOptions, MineMiOptions, MineNetworkOptions } from './mine';

/** The paper the fairness-poisoning moves implement (sharer/moves/greedy-mi, sharer/moves/label-flipping). */
export const FPA_PAPER = 'Luo et al. 2024, "Exploring Privacy and Fairness Risks in Sharing Diffusion Models: An Adversarial Perspective", IEEE TIFS, arXiv 2402.18607';

export type MiEstimatorSpec = { kind: 'logistic-ce'; options?: LogisticMiOptions } | { kind: 'mine'; options: MineMiOptions };

export const MI_ESTIMATORS = [
  { id: 'logistic-ce', describe: 'H(Y) − cross-entropy of a ridge logistic p(y|x) fitted once on the pool; O(1) per candidate', paper: 'Barber & Agakov 2003 (variational bound)' },
  { id: 'mine', describe: 'MINE statistics network (d+1)→100→20→1, Donsker–Varadhan bound, EMA-corrected; O(1) per candidate from T tables', paper: 'Belghazi et al. 2018' },
] as const;

/** An unprepared estimator from its spec (call `prepare(pool)` next). */
export function createMiEstimator(spec: MiEstimatorSpec): MiEstimator {
  return spec.kind === 'logistic-ce' ? new LogisticMiEstimator(spec.options) : new MineMiEstimator(spec.options);
}
