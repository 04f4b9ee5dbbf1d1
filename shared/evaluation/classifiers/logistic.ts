/**
 * Logistic regression: P(y=1|x) = σ(w·x̃ + b) on standardised features x̃, fitted by minibatch Adam on the
 * (optionally class-weighted) cross-entropy with an optional L2 penalty λ‖w‖². It is the feed-forward
 * classifier of mlp.ts with no hidden layer, so both kinds share one training loop and one loss.
 */
import { FeedForwardClassifier } from './mlp';

export class LogisticClassifier extends FeedForwardClassifier {
  constructor(opts: { l2?: number } = {}) {
    super({ id: 'logistic', hidden: [], l2: opts.l2 ?? 0 });
  }
}
