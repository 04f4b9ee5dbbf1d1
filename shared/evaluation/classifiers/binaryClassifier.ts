/**
 * What every downstream classifier is (BinaryClassifier) and what it trains on (FeatureMatrix, TrainOptions). The
 * kinds (mlp.ts, cnn.ts) implement it and their shared training loop (minibatchTraining.ts) takes its inputs, so it
 * stands apart from index.ts, which creates the kinds and re-exports it.
 */

/** Row-major feature matrix: feature j of record i is data[i * cols + j]. */
export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export interface TrainOptions {
  /**
   * One finite weight ≥ 0 per training row (not all 0), multiplying that row's loss (a receiver's fairness defence:
   * reweighing, or a reduction's cost-sensitive step); default all 1. The loss is normalised by the weight sum, and
   * the feed-forward kinds standardise their inputs with the weighted mean and std, so a weight of 2 fits like the row
   * twice and a weight of 0 like the row removed (sklearn's sample_weight; minibatchTraining.ts recordWeights).
   * Combined with classWeight by multiplication ('balanced' then uses the weighted class totals).
   */
  sampleWeights?: Float64Array;
  epochs: number;
  batchSize: number;
  /** Adam step size. */
  learningRate: number;
  /** Seeds the initial weights and the minibatch order (nothing else is random). */
  seed: number;
  /** Called after every epoch with the mean training loss of that epoch (weighted cross-entropy + L2). */
  onEpoch?: (epoch: number, loss: number) => void;
  /**
   * 'balanced' weighs class c by rows / (2 · count_c), so both classes contribute equally to the loss
   * (sklearn's class_weight='balanced'); default 'none'.
   */
  classWeight?: 'balanced' | 'none';
}

export interface BinaryClassifier {
  readonly id: string;
  /** Trains from scratch (a second call discards the previous weights). */
  fit(x: FeatureMatrix, y: Uint8Array, opts: TrainOptions): Promise<void>;
  /** P(y = 1 | x) per row. Throws before `fit`. */
  predictProbability(x: FeatureMatrix): Float32Array;
  /** 1 where P(y = 1 | x) ≥ threshold (default 0.5). */
  predict(x: FeatureMatrix, threshold?: number): Uint8Array;
  /** Frees the tensors; the classifier cannot predict afterwards. */
  dispose(): void;
}
