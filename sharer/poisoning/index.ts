/**
 * The sharer's fairness-poisoning moves (FPA, docs/fpa.md) and the I(X;Y) estimators they use. Each move
 * carries metadata (`id`, `describe`, `paper`) that the CLI and the report can show beside its result; the
 * scenario wiring (a config schema and `run`) comes with the runner integration.
 */
import { LogisticMiEstimator, type LogisticMiOptions } from './fastMi';
import { MineMiEstimator, type MineMiOptions } from './mine';
import type { MiEstimator } from './greedyMutualInformation';

export * from './greedyMutualInformation';
export { LogisticMiEstimator, fitLogisticLogits } from './fastMi';
export type { LogisticMiOptions } from './fastMi';
export { MineNetwork, MineMiEstimator, donskerVaradhanBits, MINE_DEFAULT_FIT } from './mine';
export type { MineFitOptions, MineMiOptions, MineNetworkOptions } from './mine';

export interface PoisoningMoveInfo {
  id: 'greedy-mi' | 'label-flipping' | 'random-subset';
  describe: string;
  paper: string;
  /** Whether the move changes labels (label flipping) or only selects records. */
  altersLabels: boolean;
  /** The honest or weaker move this one is compared with in reports. */
  baseline?: PoisoningMoveInfo['id'];
}

const FPA_PAPER = 'Luo et al. 2024, "Exploring Privacy and Fairness Risks in Sharing Diffusion Models: An Adversarial Perspective", IEEE TIFS, arXiv 2402.18607';

export const POISONING_MOVES: ReadonlyMap<PoisoningMoveInfo['id'], PoisoningMoveInfo> = new Map([
  [
    'greedy-mi',
    {
      id: 'greedy-mi',
      describe:
        'Selects N records: a random base of (1−α)N, then αN greedy additions from the (s, y) cell that raises I(S;Y) most, ' +
        'each the candidate keeping I(X;Y) within δ of the pool value (Algorithm 1, with the tie and silent-violation fixes)',
      paper: `${FPA_PAPER}, Algorithm 1`,
      altersLabels: false,
      baseline: 'random-subset',
    },
  ],
  [
    'label-flipping',
    {
      id: 'label-flipping',
      describe: 'N random records; y := s on the last ⌊αN⌋ of them (the strongest S–Y correlation, but labels are altered)',
      paper: `${FPA_PAPER}, baseline "LabelFlipping"`,
      altersLabels: true,
      baseline: 'random-subset',
    },
  ],
  [
    'random-subset',
    {
      id: 'random-subset',
      describe: 'The honest sharer: N uniformly random records whose I(X;Y) is within δ of the pool value (greedy at α = 0)',
      paper: `${FPA_PAPER}, "no attack" baseline`,
      altersLabels: false,
    },
  ],
]);

export type MiEstimatorSpec = { kind: 'logistic-ce'; options?: LogisticMiOptions } | { kind: 'mine'; options: MineMiOptions };

export const MI_ESTIMATORS = [
  { id: 'logistic-ce', describe: 'H(Y) − cross-entropy of a ridge logistic p(y|x) fitted once on the pool; O(1) per candidate', paper: 'Barber & Agakov 2003 (variational bound)' },
  { id: 'mine', describe: 'MINE statistics network (d+1)→100→20→1, Donsker–Varadhan bound, EMA-corrected; O(1) per candidate from T tables', paper: 'Belghazi et al. 2018' },
] as const;

/** An unprepared estimator from its spec (call `prepare(pool)` next). */
export function createMiEstimator(spec: MiEstimatorSpec): MiEstimator {
  return spec.kind === 'logistic-ce' ? new LogisticMiEstimator(spec.options) : new MineMiEstimator(spec.options);
}
