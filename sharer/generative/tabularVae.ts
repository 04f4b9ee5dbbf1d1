/**
 * A small class-conditional tabular VAE, the VAE baseline of the property-inference comparison (docs/generators.md;
 * Luo et al. 2024 compare diffusion models with VAEs and GANs). TVAE-style (Xu et al. 2019, "Modeling Tabular
 * Data using Conditional GAN", §4): MLP encoder q(z | x, y) = N(μ, diag σ²_z), MLP decoder p(x | z, y) with a
 * Gaussian of learned per-column σ for the numeric coordinates and a softmax per categorical block; loss the
 * negative ELBO (Kingma & Welling 2014) with the KL term weighted by β (β-VAE, Higgins et al. 2017; 1 = the ELBO).
 *
 * Sampling draws z ~ N(0, I), decodes, adds the numeric noise σ·ε and draws each category from its softmax (TVAE
 * instead takes the argmax, which over-draws majority categories): records are samples of p(x | y).
 */
import { tf } from '../../shared/tf';
import { fillStandardNormal } from '../diffusion/standardNormal';
import { ParameterSet, applyStack, classOneHot, denseStack, type DenseLayer, type Tensor, type Tensor2D, type Variable } from './parameters';
import { TabularGenerativeNetwork, type NetworkTrainOptions, type NetworkTrainResult, type TabularNetworkConfig } from './network';
import { drawBatch, runTrainingLoop } from './tabularLayout';

export interface TabularVaeConfig extends TabularNetworkConfig {
  /** Hidden widths of the encoder; the decoder mirrors them. */
  hidden: number[];
  /** Weight β of the KL term (1 = the ELBO). */
  klWeight: number;
}

const FORMAT = 'sharebox-tabular-vae';
/** Bounds of the learned numeric log σ (TVAE clamps σ to [0.01, 1]). */
const LOG_SIGMA_MIN = Math.log(0.01);
const LOG_SIGMA_MAX = 0;

export class TabularVae extends TabularGenerativeNetwork<TabularVaeConfig> {
  private readonly encoder: DenseLayer[];
  private readonly decoder: DenseLayer[];
  /** log σ of each numeric coordinate's observation noise. */
  private readonly logSigma: Variable;
  private optimizer: ReturnType<typeof tf.train.adam> | null = null;

  constructor(config: TabularVaeConfig, initialWeights?: Map<string, Float32Array>) {
    super({ ...config, hidden: [...config.hidden] }, initialWeights);
    if (config.hidden.length === 0 || !config.hidden.every((h) => Number.isInteger(h) && h >= 1)) {
      throw new Error(`${FORMAT}: hidden must be a non-empty list of positive integers, got [${config.hidden.join(', ')}]`);
    }
    const { dataWidth: W, numClasses: C, latentDim: Z, hidden } = this.config;
    this.encoder = denseStack(this.params, 'encoder', [W + C, ...hidden, 2 * Z]);
    this.decoder = denseStack(this.params, 'decoder', [Z + C, ...[...hidden].reverse(), W]);
    this.logSigma = this.params.add('decoder/logSigma', [Math.max(1, this.layout.numericWidth)], 0);
  }

  protected format(): string {
    return FORMAT;
  }

  static async load(dir: string): Promise<TabularVae> {
    const { config, weights } = await ParameterSet.read(dir, FORMAT);
    return new TabularVae(config as TabularVaeConfig, weights);
  }

  protected generate(z: Tensor2D, cond: Tensor2D): { numeric: Tensor2D; logits: Tensor2D } {
    return this.layout.split(applyStack(tf.concat([z, cond], 1) as Tensor2D, this.decoder, tf.relu));
  }

  protected override numericNoiseStd(): Float32Array {
    const logSigma = this.logSigma.dataSync() as Float32Array;
    return logSigma.map((v) => Math.exp(Math.min(LOG_SIGMA_MAX, Math.max(LOG_SIGMA_MIN, v))));
  }

  /**
   * Per-record negative ELBO, averaged over the batch: numeric Gaussian NLL Σ (x−μ)²/(2σ²) + log σ (constant
   * dropped), categorical cross-entropy per block, and β·KL(q(z|x,y) ‖ N(0, I)). One z draw per record
   * (reparameterised, z = μ + σ_z ε).
   */
  private negativeElbo(x: Tensor2D, cond: Tensor2D, eps: Tensor2D): Tensor {
    const Z = this.config.latentDim;
    const layout = this.layout;
    const enc = applyStack(tf.concat([x, cond], 1) as Tensor2D, this.encoder, tf.relu);
    const mu = tf.slice(enc, [0, 0], [-1, Z]);
    const logVar = tf.clipByValue(tf.slice(enc, [0, Z], [-1, Z]), -10, 10);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as Tensor2D;
    const { numeric, logits } = this.generate(z, cond);
    const target = layout.split(x);
    const terms: Tensor[] = [];
    if (layout.numericWidth > 0) {
      const logSigma = tf.clipByValue(this.logSigma, LOG_SIGMA_MIN, LOG_SIGMA_MAX);
      const sq = tf.squaredDifference(target.numeric, numeric);
      terms.push(tf.sum(tf.add(tf.mul(sq, tf.mul(tf.exp(tf.mul(logSigma, -2)), 0.5)), logSigma), 1));
    }
    if (layout.categoricalWidth > 0) {
      const logProbs = layout.blockwise(logits, (block) => tf.logSoftmax(block));
      terms.push(tf.neg(tf.sum(tf.mul(target.logits, logProbs), 1)));
    }
    const kl = tf.mul(tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(logVar, 1)), 1), 0.5 * this.config.klWeight);
    return tf.mean(tf.addN([...terms, kl]));
  }

  async train(x: Float32Array, labels: Int32Array, opts: NetworkTrainOptions): Promise<NetworkTrainResult> {
    const { grouped, rng } = this.startTraining(x, labels, opts);
    const { dataWidth: W, numClasses: C, latentDim: Z } = this.config;
    const B = opts.batchSize;
    if (!this.optimizer) this.optimizer = tf.train.adam(opts.learningRate);
    const optimizer = this.optimizer;
    const vars = this.params.trainable();
    const losses = await runTrainingLoop({ ...opts, what: `${FORMAT}.train` }, () => {
      const batch = drawBatch(grouped, labels, W, B, rng);
      const eps = new Float32Array(B * Z);
      fillStandardNormal(eps, rng.seed());
      return tf.tidy(() => {
        const xT = tf.tensor2d(batch.rows, [B, W]);
        const condT = tf.tensor2d(classOneHot(batch.labels, C), [B, C]);
        const epsT = tf.tensor2d(eps, [B, Z]);
        const { value, grads } = tf.variableGrads(() => this.negativeElbo(xT, condT, epsT) as ReturnType<typeof tf.scalar>, vars);
        optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
        return value;
      });
    });
    return { losses };
  }

  protected disposeOptimizers(): void {
    this.optimizer?.dispose();
    this.optimizer = null;
  }
}
