/**
 * A small class-conditional tabular GAN, the GAN baseline of the property-inference comparison
 * (docs/generators.md). The paper's GAN baselines are SNGAN and SSGAN (Luo et al. 2024, §4.2; Miyato et al. 2018);
 * this is their tabular analogue:
 *
 *   - generator G(z, y): MLP on [z, onehot(y)] → numeric values (linear) and categorical logits; in training each
 *     block is relaxed by the Gumbel-softmax with temperature τ (Jang et al. 2017), as in CTGAN (Xu et al. 2019),
 *     so the discriminator sees near-one-hot vectors; sampling draws each category from softmax(logits);
 *   - discriminator D(x, y): MLP on [x, onehot(y)] with LeakyReLU(0.2). No spectral normalisation: with it (one
 *     power iteration per step, Miyato et al. 2018, Alg. 1) D's outputs stayed near 0 (hinge loss 2.00 throughout)
 *     for 1,500 steps on the table of test/helpers/generatorTable.ts and G learnt nothing useful; without it G learns;
 *   - hinge loss (SNGAN): L_D = E[relu(1 − D(x, y))] + E[relu(1 + D(G(z, y), y))], L_G = −E[D(G(z, y), y)];
 *     `discriminatorSteps` D updates per G update; Adam with β₁ = 0.5, β₂ = 0.9 (CTGAN's choice).
 *
 * Fake records are generated with the classes of the real batch, so D compares the two class-conditionally.
 *
 * Sampling uses an exponential moving average of G's weights, not G's last iterate (Yazıcı et al. 2019, "The
 * Unusual Effectiveness of Averaging in GAN Training"; as BigGAN and StyleGAN do). Without it the generator keeps
 * circling the data's statistics instead of converging (hinge loss without a gradient penalty, Mescheder et al.
 * 2018): on the test table the last iterate after 1,500 steps missed a class-conditional statistic by 0.22-0.93
 * depending on the seed and on float rounding (docs/generators.md), the average by ~0.05.
 */
import { tf } from '../../shared/tf';
import { fillStandardNormal } from '../diffusion/standardNormal';
import { ParameterSet, applyStack, classOneHot, denseStack, type DenseLayer, type Tensor, type Tensor2D } from './parameters';
import { TabularGenerativeNetwork, type NetworkTrainOptions, type NetworkTrainResult, type TabularNetworkConfig } from './network';
import { drawBatch, gumbelNoise, runTrainingLoop } from './tabularLayout';

export interface TabularGanConfig extends TabularNetworkConfig {
  generatorHidden: number[];
  discriminatorHidden: number[];
  /** Gumbel-softmax temperature τ of the relaxed categories in training. */
  gumbelTemperature: number;
}

export interface GanTrainOptions extends NetworkTrainOptions {
  /** Discriminator updates per generator update (default 1). `steps` counts generator updates. */
  discriminatorSteps?: number;
}

const FORMAT = 'sharebox-tabular-gan';
const ADAM_BETA1 = 0.5;
const ADAM_BETA2 = 0.9;
/** Decay of the generator's weight average (horizon ~200 generator updates), warmed up as min(β, (1 + t)/(10 + t)). */
const AVERAGE_DECAY = 0.995;
/** Prefix of the averaged generator weights (non-trainable; saved with the model; used for sampling). */
const AVERAGE_PREFIX = 'generatorAverage';

export class TabularGan extends TabularGenerativeNetwork<TabularGanConfig> {
  private readonly generator: DenseLayer[];
  /** The exponential moving average of `generator`'s weights, what `sample` uses. */
  private readonly generatorAverage: DenseLayer[];
  /** Generator updates averaged so far (drives the warm-up of the average's decay). */
  private averagedUpdates = 0;
  private readonly discriminator: DenseLayer[];
  private optimizers: { g: ReturnType<typeof tf.train.adam>; d: ReturnType<typeof tf.train.adam> } | null = null;

  constructor(config: TabularGanConfig, initialWeights?: Map<string, Float32Array>) {
    super({ ...config, generatorHidden: [...config.generatorHidden], discriminatorHidden: [...config.discriminatorHidden] }, withAverage(initialWeights));
    for (const field of ['generatorHidden', 'discriminatorHidden'] as const) {
      const widths = config[field];
      if (widths.length === 0 || !widths.every((h) => Number.isInteger(h) && h >= 1)) {
        throw new Error(`${FORMAT}: ${field} must be a non-empty list of positive integers, got [${widths.join(', ')}]`);
      }
    }
    if (!(config.gumbelTemperature > 0)) throw new Error(`${FORMAT}: gumbelTemperature must be > 0, got ${config.gumbelTemperature}`);
    const { dataWidth: W, numClasses: C, latentDim: Z, generatorHidden, discriminatorHidden } = this.config;
    this.generator = denseStack(this.params, 'generator', [Z + C, ...generatorHidden, W]);
    this.generatorAverage = this.generator.map((layer, k) => {
      const copy = (name: string, v: ReturnType<typeof tf.variable>) => {
        const average = this.params.add(`${AVERAGE_PREFIX}/${k}/${name}`, v.shape, 0, false);
        if (!initialWeights) average.assign(v); // a new model starts its average at its initial weights
        return average;
      };
      return { W: copy('W', layer.W), b: copy('b', layer.b) };
    });
    this.discriminator = denseStack(this.params, 'discriminator', [W + C, ...discriminatorHidden, 1]);
  }

  protected format(): string {
    return FORMAT;
  }

  static async load(dir: string): Promise<TabularGan> {
    const { config, weights } = await ParameterSet.read(dir, FORMAT);
    return new TabularGan(config as TabularGanConfig, weights);
  }

  /** The trained weights (the generator's average is a copy, not counted). */
  override get numParameters(): number {
    return this.params.trainable().reduce((a, v) => a + v.size, 0);
  }

  /** The sampling map: the averaged generator. */
  protected generate(z: Tensor2D, cond: Tensor2D): { numeric: Tensor2D; logits: Tensor2D } {
    return this.generateWith(this.generatorAverage, z, cond);
  }

  private generateWith(layers: DenseLayer[], z: Tensor2D, cond: Tensor2D): { numeric: Tensor2D; logits: Tensor2D } {
    return this.layout.split(applyStack(tf.concat([z, cond], 1) as Tensor2D, layers, tf.relu));
  }

  /** The trained generator's output as D sees it: numeric values and Gumbel-softmax relaxed blocks (inside a tidy). */
  private fakeRecords(z: Tensor2D, cond: Tensor2D, gumbel: Tensor2D): Tensor2D {
    const { numeric, logits } = this.generateWith(this.generator, z, cond);
    const tau = this.config.gumbelTemperature;
    if (this.layout.categoricalWidth === 0) return numeric;
    const relaxed = this.layout.blockwise(tf.div(tf.add(logits, gumbel), tau) as Tensor2D, (block) => tf.softmax(block));
    return (this.layout.numericWidth === 0 ? relaxed : tf.concat([numeric, relaxed], 1)) as Tensor2D;
  }

  /** D(x, y): one score per record (inside a tidy or a gradient function). */
  private discriminate(x: Tensor2D, cond: Tensor2D): Tensor2D {
    return applyStack(tf.concat([x, cond], 1) as Tensor2D, this.discriminator, (t) => tf.leakyRelu(t, 0.2));
  }

  async train(x: Float32Array, labels: Int32Array, opts: GanTrainOptions): Promise<NetworkTrainResult> {
    const { grouped, rng } = this.startTraining(x, labels, opts);
    const { dataWidth: W, numClasses: C, latentDim: Z } = this.config;
    const K = this.layout.categoricalWidth;
    const B = opts.batchSize;
    const dSteps = opts.discriminatorSteps ?? 1;
    if (!(Number.isInteger(dSteps) && dSteps >= 1)) throw new Error(`${FORMAT}.train: discriminatorSteps must be a positive integer, got ${dSteps}`);
    if (!this.optimizers) {
      this.optimizers = {
        g: tf.train.adam(opts.learningRate, ADAM_BETA1, ADAM_BETA2),
        d: tf.train.adam(opts.learningRate, ADAM_BETA1, ADAM_BETA2),
      };
    }
    const { g: gOpt, d: dOpt } = this.optimizers;
    const gVars = this.params.trainable('generator/');
    const dVars = this.params.trainable('discriminator/');

    // Latent and Gumbel noise for one batch, and its classes' one-hots, as tensors (inside the step's tidy).
    const noise = (classes: Int32Array) => {
      const z = new Float32Array(B * Z);
      fillStandardNormal(z, rng.seed());
      const g = gumbelNoise(B * K, rng);
      return { z: tf.tensor2d(z, [B, Z]), gumbel: tf.tensor2d(g, [B, K]), cond: tf.tensor2d(classOneHot(classes, C), [B, C]) };
    };

    const losses = await runTrainingLoop({ ...opts, what: `${FORMAT}.train` }, () => {
      let dLoss: Tensor | null = null;
      for (let s = 0; s < dSteps; s++) {
        const batch = drawBatch(grouped, labels, W, B, rng);
        dLoss?.dispose();
        dLoss = tf.tidy(() => {
          const real = tf.tensor2d(batch.rows, [B, W]);
          const { z, gumbel, cond } = noise(batch.labels);
          const fake = this.fakeRecords(z, cond, gumbel);
          const { value, grads } = tf.variableGrads(() => {
            const realScore = this.discriminate(real, cond);
            const fakeScore = this.discriminate(fake, cond);
            return tf.add(tf.mean(tf.relu(tf.sub(1, realScore))), tf.mean(tf.relu(tf.add(1, fakeScore)))) as ReturnType<typeof tf.scalar>;
          }, dVars);
          dOpt.applyGradients(grads as Parameters<typeof dOpt.applyGradients>[0]);
          return value;
        });
      }
      const classes = drawBatch(grouped, labels, W, B, rng).labels;
      tf.tidy(() => {
        const { z, gumbel, cond } = noise(classes);
        const { grads } = tf.variableGrads(
          () => tf.neg(tf.mean(this.discriminate(this.fakeRecords(z, cond, gumbel), cond))) as ReturnType<typeof tf.scalar>,
          gVars,
        );
        gOpt.applyGradients(grads as Parameters<typeof gOpt.applyGradients>[0]);
        this.averagedUpdates++;
        const decay = Math.min(AVERAGE_DECAY, (1 + this.averagedUpdates) / (10 + this.averagedUpdates));
        this.generator.forEach((layer, k) => {
          for (const name of ['W', 'b'] as const) {
            const average = this.generatorAverage[k][name];
            average.assign(tf.add(tf.mul(average, decay), tf.mul(layer[name], 1 - decay)));
          }
        });
      });
      return dLoss!;
    });
    return { losses };
  }

  protected disposeOptimizers(): void {
    this.optimizers?.g.dispose();
    this.optimizers?.d.dispose();
    this.optimizers = null;
  }
}

/**
 * Loaded weights with the generator's average: a model saved before the average existed (only `generator/…`)
 * samples from its generator's weights, as it did then.
 */
function withAverage(weights: Map<string, Float32Array> | undefined): Map<string, Float32Array> | undefined {
  if (!weights) return weights;
  const out = new Map(weights);
  for (const [name, values] of weights) {
    const average = name.replace(/^generator\//, `${AVERAGE_PREFIX}/`);
    if (average !== name && !out.has(average)) out.set(average, values);
  }
  return out;
}
