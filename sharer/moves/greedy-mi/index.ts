/**
 * Fairness poisoning by record selection (Luo et al. 2024, Algorithm 1; docs/fpa.md): a random base of (1−α)N records,
 * then αN greedy additions from the (s, y) cell that raises I(S;Y) most, each the candidate that keeps I(X;Y) within δ
 * of the pool's value. At α = 0 it is the honest sharer: a random subset meeting the same constraint.
 */
import { selectRows } from '../../../shared/data/table';
import { Rng, deriveSeed } from '../../../shared/random';
import { poisoningFieldsSchema } from '../../../shared/scenario/schema';
import { poisoningIsHonest } from '../../../shared/scenario/sweep';
import { greedyMutualInformationSampling, randomSubsetMeetingConstraint, FPA_PAPER } from '../../poisoning';
import { estimatorFor } from '../../poisoningMove';
import type { PoisoningMove } from '../context';

export const greedyMi: PoisoningMove = {
  id: 'greedy-mi',
  party: 'sharer',
  goal: 'fairness',
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
      const select = (alpha: number, rngForAlpha: typeof rng) =>
        poisoningIsHonest({ method: this.id, alpha })
          ? { honest: true, ...randomSubsetMeetingConstraint(fpaPool, { ...opts, rng: rngForAlpha }) }
          : { honest: false, ...greedyMutualInformationSampling(fpaPool, { ...opts, rng: rngForAlpha, alpha, candidatesPerCell: config.candidatesPerCell }) };
      if (!config.stealth) {
        const { honest, indices, report } = select(config.alpha, rng);
        return {
          table: selectRows(pool, indices),
          move: { ...common, algorithm: honest ? 'randomSubsetMeetingConstraint' : 'greedyMutualInformationSampling', report },
        };
      }
      // The stealthy sharer: from α down the grid, the first selection whose label DP gap stays under the audit's
      // threshold. Each α gets its own stream (from the move's seed and α), so a choice does not depend on the ones
      // tried before it.
      const { maxLabelParityGap, alphaStep } = config.stealth;
      const tried: Array<{ alpha: number; labelParityGap: number }> = [];
      for (let k = 0; ; k++) {
        const alpha = Math.max(0, Number((config.alpha - k * alphaStep).toFixed(10)));
        const { honest, indices, report } = select(alpha, new Rng(deriveSeed(seed, `stealth/${alpha}`)));
        tried.push({ alpha, labelParityGap: report.labelParityGap });
        if (report.labelParityGap <= maxLabelParityGap || alpha === 0) {
          return {
            table: selectRows(pool, indices),
            move: {
              ...common,
              // The α it poisoned with; the one it was allowed is in the stealth report.
              alpha,
              algorithm: honest ? 'randomSubsetMeetingConstraint' : 'greedyMutualInformationSampling',
              report: { ...report, stealth: { maxLabelParityGap, alphaStep, allowedAlpha: config.alpha, chosenAlpha: alpha, tried } },
            },
          };
        }
      }
    } finally {
      estimator.dispose();
    }
  },
};
