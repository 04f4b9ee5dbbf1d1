/**
 * Fairness poisoning by record selection (Luo et al. 2024, Algorithm 1; docs/fpa.md): a random base of (1−α)N records,
 * then αN greedy additions from the (s, y) cell that raises I(S;Y) most, each the candidate that keeps I(X;Y) within δ
 * of the pool's value. At α = 0 it is the honest sharer: a random subset meeting the same constraint.
 */
import { selectRows } from '../../../shared/data/table';
import { deriveSeed } from '../../../shared/random';
import { poisoningFieldsSchema } from '../../../shared/scenario/schema';
import { poisoningIsHonest } from '../../../shared/scenario/sweep';
import { greedyMutualInformationSampling, randomSubsetMeetingConstraint, FPA_PAPER } from '../../poisoning';
import { estimatorFor } from '../../poisoningMove';
import type { PoisoningMove } from '../context';

export const greedyMi: PoisoningMove = {
  id: 'greedy-mi',
  party: 'sharer',
  slot: 'poisoning',
  describe:
    'Selects N records: a random base of (1−α)N, then αN greedy additions from the (s, y) cell that raises I(S;Y) most, ' +
    'each the candidate keeping I(X;Y) within δ of the pool value (Algorithm 1, with the tie and silent-violation fixes)',
  paper: `${FPA_PAPER}, Algorithm 1`,
  requires: { access: [] },
  configSchema: poisoningFieldsSchema,
  // The sharer spends no broker budget.
  cost: () => 0,
  async run(config, { pool, fpaPool, n, rng, seed, common }) {
    const estimator = estimatorFor(config.estimator, deriveSeed(seed, 'mine'));
    try {
      await estimator.prepare(fpaPool);
      const opts = { n, deltaFraction: config.deltaFraction, estimator, rng };
      const honest = poisoningIsHonest({ method: this.id, alpha: config.alpha });
      const { indices, report } = honest
        ? randomSubsetMeetingConstraint(fpaPool, opts)
        : greedyMutualInformationSampling(fpaPool, { ...opts, alpha: config.alpha, candidatesPerCell: config.candidatesPerCell });
      return {
        table: selectRows(pool, indices),
        move: { ...common, algorithm: honest ? 'randomSubsetMeetingConstraint' : 'greedyMutualInformationSampling', report },
      };
    } finally {
      estimator.dispose();
    }
  },
};
