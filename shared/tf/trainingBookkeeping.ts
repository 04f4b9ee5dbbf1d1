/**
 * What the training loops keep besides the gradient step (the DDPMs in sharer/diffusion, the GAN and VAE through
 * runTrainingLoop in sharer/generative), and every long loop's pause for the event loop: one implementation, so the
 * models cannot drift apart (they did: the image DDPM's weight average got a warm-up the tabular one has not, which
 * is now an explicit option of `WeightAverage`).
 */
import * as tf from '@tensorflow/tfjs';

/** Resolves on the next turn of the event loop (setImmediate), so a long loop lets I/O and timers run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Yields to the event loop when at least `everyMs` have passed since the last yield. */
export class PeriodicYield {
  private last = performance.now();

  constructor(private readonly everyMs: number) {}

  /** True when it yielded (the caller may then check that its model was not disposed meanwhile). */
  async maybeYield(): Promise<boolean> {
    if (performance.now() - this.last < this.everyMs) return false;
    await yieldToEventLoop();
    this.last = performance.now();
    return true;
  }
}

/**
 * The mean training loss over windows of `every` steps. The losses are summed on the backend, so a step never waits
 * for a read-back; the sum is read once per window.
 */
export class LossWindow {
  readonly losses: number[] = [];
  /** The step (1-based) each entry of `losses` ends at. */
  readonly lossSteps: number[] = [];
  private readonly sum = tf.tidy(() => tf.variable(tf.scalar(0), false));
  private count = 0;

  constructor(
    private readonly every: number,
    private readonly totalSteps: number,
  ) {}

  /** Adds one step's loss; call it inside the step's tidy. */
  add(loss: tf.Scalar): void {
    this.sum.assign(tf.add(this.sum, loss));
  }

  /** Ends step `step` (1-based): at the end of a window (or of the run) records and returns the window's mean loss. */
  endStep(step: number): number | null {
    this.count++;
    if (step % this.every !== 0 && step !== this.totalSteps) return null;
    const mean = this.sum.dataSync()[0] / this.count;
    this.losses.push(mean);
    this.lossSteps.push(step);
    tf.tidy(() => this.sum.assign(tf.zerosLike(this.sum)));
    this.count = 0;
    return mean;
  }

  dispose(): void {
    this.sum.dispose();
  }
}

/**
 * An exponential moving average of the weights (Polyak averaging), which replaces them at the end of training.
 * With `warmUp`, update n (0-based) uses min(decay, (1 + n)/(10 + n)), as diffusers' EMAModel does, so the average
 * forgets the random initial weights within ~10 updates; without it, a plain `decay` average still holds decay^n of
 * them after n updates (0.999^1500 ≈ 22%, which measured as garbage images: docs/images.md).
 */
export class WeightAverage {
  private readonly averages: tf.Variable[];
  private updates = 0;

  constructor(
    private readonly weights: tf.Variable[],
    private readonly decay: number,
    private readonly warmUp: boolean,
  ) {
    this.averages = weights.map((w) => tf.tidy(() => tf.variable(tf.clone(w), false)));
  }

  /** Folds the current weights into the average; call it inside the step's tidy, after the optimiser step. */
  update(): void {
    const n = this.updates++;
    const decay = this.warmUp ? Math.min(this.decay, (1 + n) / (10 + n)) : this.decay;
    this.averages.forEach((average, k) => average.assign(tf.add(tf.mul(average, decay), tf.mul(this.weights[k], 1 - decay))));
  }

  /** Makes the average the weights. */
  commit(): void {
    this.averages.forEach((average, k) => this.weights[k].assign(average));
  }

  dispose(): void {
    tf.dispose(this.averages);
  }
}
