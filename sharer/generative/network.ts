/**
 * The common shape of the VAE and GAN baselines (docs/generators.md): a class-conditional network that maps a
 * latent draw z ~ N(0, I) and the class one-hot to a record's numeric values and categorical logits. Sampling,
 * saving and loading are the same for both; only the network and its training differ.
 *
 * Like TabularDdpm, a network works on the encoded matrix (n × dataWidth; here `categorical: 'onehot'`, 0/1
 * blocks) and never sees a Table. Sampled records come back in the encoded layout with exact one-hot blocks.
 */
import { tf } from '../../shared/tf';
import { Rng, deriveSeed } from '../../shared/random';
import { fillStandardNormal } from '../diffusion/standardNormal';
import { ParameterSet, classOneHot, type Tensor2D } from './parameters';
import { GroupedLayout, checkTrainingData } from './tabularLayout';

export interface TabularNetworkConfig {
  /** Width of an encoded record. */
  dataWidth: number;
  /** [start, end) of each categorical one-hot block in the encoded record. */
  oneHotBlocks: Array<[number, number]>;
  /** Classes of the conditioning label (≥ 1). */
  numClasses: number;
  /** Size of the latent z. */
  latentDim: number;
  /** Seed of the weight initialisation and the default training seed. */
  seed: number;
}

export interface NetworkTrainOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Seed of minibatches and noise (default derived from config.seed). */
  seed?: number;
  onProgress?: (step: number, loss: number) => void;
  progressEvery?: number;
}

export interface NetworkTrainResult {
  /** Mean loss per progress window (the VAE's negative ELBO; the GAN's discriminator hinge loss). */
  losses: number[];
}

/** Records generated per forward pass when sampling. */
const SAMPLE_BATCH = 4096;

export abstract class TabularGenerativeNetwork<C extends TabularNetworkConfig> {
  readonly layout: GroupedLayout;
  protected readonly params: ParameterSet;
  private disposed = false;

  protected constructor(
    readonly config: C,
    initialWeights?: Map<string, Float32Array>,
  ) {
    const { dataWidth, numClasses, latentDim, oneHotBlocks } = config;
    if (!(Number.isInteger(dataWidth) && dataWidth >= 1)) throw new Error(`${this.format()}: dataWidth must be a positive integer, got ${dataWidth}`);
    if (!(Number.isInteger(numClasses) && numClasses >= 1)) throw new Error(`${this.format()}: numClasses must be ≥ 1, got ${numClasses}`);
    if (!(Number.isInteger(latentDim) && latentDim >= 1)) throw new Error(`${this.format()}: latentDim must be ≥ 1, got ${latentDim}`);
    for (const [s, e] of oneHotBlocks) {
      if (!(s >= 0 && e > s + 1 && e <= dataWidth)) throw new Error(`${this.format()}: one-hot block [${s}, ${e}) is not inside [0, ${dataWidth}) with ≥ 2 categories`);
    }
    this.layout = new GroupedLayout(dataWidth, oneHotBlocks);
    this.params = new ParameterSet(config.seed, initialWeights);
  }

  /** The save format's name, e.g. "sharebox-tabular-vae" (also the prefix of error messages). */
  protected abstract format(): string;

  /**
   * The generative map for a batch (inside a tidy): numeric values (n × numericWidth, before any observation
   * noise) and categorical logits (n × categoricalWidth), in the grouped layout.
   */
  protected abstract generate(z: Tensor2D, cond: Tensor2D): { numeric: Tensor2D; logits: Tensor2D };

  /** Per-coordinate std of the numeric observation noise added when sampling (the VAE's σ), or null (GAN). */
  protected numericNoiseStd(): Float32Array | null {
    return null;
  }

  abstract train(x: Float32Array, labels: Int32Array, opts: NetworkTrainOptions): Promise<NetworkTrainResult>;

  /** Checks the training data; returns it in the grouped layout and the seeded stream of batches and noise. */
  protected startTraining(x: Float32Array, labels: Int32Array, opts: NetworkTrainOptions): { grouped: Float32Array; rng: Rng } {
    this.checkAlive();
    checkTrainingData(x, labels, this.config.dataWidth, this.config.numClasses, `${this.format()}.train`);
    return { grouped: this.layout.toGrouped(x), rng: new Rng(opts.seed ?? deriveSeed(this.config.seed, 'train')) };
  }

  get numParameters(): number {
    return this.params.numParameters;
  }

  /**
   * n encoded records, record i of class labels[i]. Deterministic given (seed, labels): z, the numeric noise and
   * the category draws all come from one seeded stream.
   */
  async sample(n: number, labels: Int32Array, seed: number): Promise<Float32Array> {
    this.checkAlive();
    if (labels.length !== n) throw new Error(`${this.format()}.sample: ${labels.length} labels for ${n} records`);
    for (const y of labels) if (!(y >= 0 && y < this.config.numClasses)) throw new Error(`${this.format()}.sample: label ${y} is outside [0, ${this.config.numClasses})`);
    const { latentDim: Z, numClasses: C, dataWidth: W } = this.config;
    const rng = new Rng(seed);
    const std = this.numericNoiseStd();
    const N = this.layout.numericWidth;
    const out = new Float32Array(n * W);
    for (let start = 0; start < n; start += SAMPLE_BATCH) {
      const b = Math.min(SAMPLE_BATCH, n - start);
      const z = new Float32Array(b * Z);
      fillStandardNormal(z, rng.seed());
      const cond = classOneHot(labels.subarray(start, start + b), C);
      const [numericT, logitsT] = tf.tidy(() => {
        const g = this.generate(tf.tensor2d(z, [b, Z]), tf.tensor2d(cond, [b, C]));
        return [g.numeric, g.logits];
      });
      const numeric = numericT.dataSync() as Float32Array;
      const logits = logitsT.dataSync() as Float32Array;
      numericT.dispose();
      logitsT.dispose();
      if (std) {
        const eps = new Float32Array(b * N);
        fillStandardNormal(eps, rng.seed());
        for (let i = 0; i < b * N; i++) numeric[i] += std[i % N] * eps[i];
      }
      out.set(this.layout.fromGrouped(this.layout.assemble(numeric, logits, b, rng)), start * W);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return out;
  }

  async save(dir: string): Promise<void> {
    this.checkAlive();
    await this.params.save(dir, this.format(), this.config);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeOptimizers();
    this.params.dispose();
  }

  protected abstract disposeOptimizers(): void;

  protected checkAlive(): void {
    if (this.disposed) throw new Error(`${this.format()}: the model has been disposed`);
  }
}
