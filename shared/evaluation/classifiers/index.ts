/**
 * Downstream binary classifiers the receiver trains on synthetic data (to measure utility and fairness).
 * 'logistic' and 'mlp' are feed-forward networks trained with plain tf ops (see mlp.ts): logistic regression is
 * the network without hidden layers. 'cnn' (cnn.ts) is a small convolutional network for image records (rows are
 * images flattened NHWC), trained the same way. Training is deterministic given `TrainOptions.seed`.
 */
import { CnnClassifier } from './cnn';
import { LogisticClassifier } from './logistic';
import { MlpClassifier } from './mlp';
import type { BinaryClassifier } from './binaryClassifier';
import { CLASSIFIER_KINDS, type ClassifierKind } from '../../scenario/lists';

export type { BinaryClassifier, FeatureMatrix, TrainOptions } from './binaryClassifier';
export { CLASSIFIER_KINDS, type ClassifierKind };

export interface ClassifierOptions {
  /** Hidden layer widths of the MLP (default [32, 32]); ignored by 'logistic'. */
  hidden?: number[];
  /** L2 penalty coefficient λ on the weight matrices (loss += λ · Σ w²); default 0. */
  l2?: number;
  /**
   * Shape of each image record (rows are images flattened NHWC): required by 'cnn', ignored by 'logistic' and
   * 'mlp' (they take the flattened pixels as features).
   */
  image?: { height: number; width: number; channels: number };
}

export function createClassifier(kind: ClassifierKind, opts: ClassifierOptions = {}): BinaryClassifier {
  switch (kind) {
    case 'logistic':
      if (opts.hidden && opts.hidden.length > 0) {
        throw new Error(`createClassifier: 'logistic' has no hidden layers, but hidden = [${opts.hidden}] was given; use 'mlp'`);
      }
      return new LogisticClassifier({ l2: opts.l2 });
    case 'mlp':
      return new MlpClassifier({ hidden: opts.hidden, l2: opts.l2 });
    case 'cnn':
      if (!opts.image) {
        throw new Error(
          "createClassifier: the 'cnn' classifier needs image records (a dataset whose schema has an image shape: " +
            'height, width, channels); none was given',
        );
      }
      if (opts.hidden && opts.hidden.length > 0) {
        throw new Error(
          `createClassifier: 'cnn' takes no hidden widths (hidden = [${opts.hidden}]); use CnnClassifier's filters/dense options`,
        );
      }
      return new CnnClassifier({ ...opts.image, l2: opts.l2 });
    default:
      throw new Error(`createClassifier: unknown kind "${kind as string}" (known: ${CLASSIFIER_KINDS.join(', ')})`);
  }
}

export { CnnClassifier, DEFAULT_CNN_DENSE, DEFAULT_CNN_FILTERS } from './cnn';
export type { CnnOptions } from './cnn';
export { LogisticClassifier } from './logistic';
export { MlpClassifier, FeedForwardClassifier } from './mlp';
