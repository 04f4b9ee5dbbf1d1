/**
 * A small U-Net denoiser ε̂_θ(x_t, t, y) for images (DDPM, Ho et al. 2020, §4 and appendix B; scaled down), written
 * with plain tf ops on `tf.variable`s (no tf.layers), NHWC:
 *
 *   time:  e = SiLU(sinusoidal(t)·W₁ + b₁ + onehot(y)·E) · W₂ + b₂          (E: (C+1) × D_t, row C = null class)
 *   in:    h = conv3×3(x_t)                                                   (channels → base)
 *   down:  per level l: h = Res(h, base·mult_l); skip_l = h; h = conv3×3 stride 2 (h) unless l is the last
 *   mid:   h = Res(h)
 *   up:    per level l (last … 0): h = Res(concat(h, skip_l), base·mult_l); unless l = 0: h = conv3×3(up2(h))
 *   out:   ε̂ = conv3×3(act(norm(h)))                                         (zero-initialised, as improved-diffusion)
 *   Res(x, c) = skip(x) + conv3×3(act(norm(conv3×3(act(norm(x))) + act(e)·W_e + b_e)));  skip: 1×1 conv when the
 *   channel count changes.
 *
 * Choices forced by tfjs 4.22 (stack.md §5, checked in test/imageDdpm.test.ts against the cpu backend):
 * - downsampling is a strided conv (maxPool's gradient is wrong on wasm);
 * - upsampling is nearest-neighbour by reshape + broadcast multiply (tf.layers.upSampling2d's gradient is wrong on
 *   cpu for batch > 1; this one's gradient is a plain Sum);
 * - the class embedding is a one-hot matmul (tf.layers.embedding's gradient needs UnsortedSegmentSum, which wasm
 *   lacks); the null class C gives the unconditional ε̂ for classifier-free guidance (Ho & Salimans 2022).
 * Normalisation: GroupNorm (`groups`, 0 for none) as in DDPM. Activation: SiLU (DDPM) or ReLU (cheaper on wasm).
 * Sampling speed: when no gradient is recorded and the native kernels serve wasm, `apply` runs the same function
 * through forward-only fused kernels (shared/tf/fusedForward.ts: act(norm(x)) as one kernel; each conv with its
 * bias, time embedding, residual and upsampling in one kernel) instead of ~150 separate ops.
 * Initialisation: He normal for convs and dense layers, zero biases, zero output conv; drawn in JS from seeds
 * derived per weight, so the same config gives the same weights on every backend (denoiserWeights.ts). The time
 * features are conditioning.ts's `sinusoidalTimeTable`.
 */
import { tf } from '../../shared/tf';
import { DenoiserNetwork, createWeightVariables, type WeightSpec } from './denoiserWeights';
import { groupNorm } from '../../shared/tf/groupNorm';
import { conv2dFused, fusedForwardAvailable, groupNormAct } from '../../shared/tf/fusedForward';

type Tensor = tf.Tensor;
type Tensor4D = tf.Tensor4D;
type Tensor2D = tf.Tensor2D;

export interface ImageUnetConfig {
  height: number;
  width: number;
  channels: number;
  /** Channels at the first resolution. */
  baseChannels: number;
  /** Channel multiplier per resolution; its length is the number of resolutions (28 → 14 → 7 for three). */
  channelMults: number[];
  /** Width of the sinusoidal time features (even). The time embedding has 4 × baseChannels units. */
  timeFeatures: number;
  /** Classes for conditioning (0: unconditional model); one more row is the null class. */
  numClasses: number;
  /** GroupNorm groups (must divide every channel count); 0 turns normalisation off. */
  groups: number;
  activation: 'silu' | 'relu';
  seed: number;
}

export const DEFAULT_UNET_CONFIG: Omit<ImageUnetConfig, 'height' | 'width' | 'channels' | 'numClasses' | 'seed'> = {
  baseChannels: 16,
  channelMults: [1, 2, 2],
  timeFeatures: 32,
  groups: 4,
  activation: 'silu',
};

export function validateUnetConfig(c: ImageUnetConfig): void {
  const fail = (field: string, why: string) => {
    throw new Error(`ImageUnet config: ${field} ${why}`);
  };
  for (const field of ['height', 'width', 'channels', 'baseChannels', 'timeFeatures'] as const) {
    if (!Number.isInteger(c[field]) || c[field] < 1) fail(field, `must be a positive integer, got ${c[field]}`);
  }
  if (c.timeFeatures % 2 !== 0) fail('timeFeatures', `must be even, got ${c.timeFeatures}`);
  if (!Number.isInteger(c.numClasses) || c.numClasses < 0) fail('numClasses', `must be an integer ≥ 0, got ${c.numClasses}`);
  if (!Array.isArray(c.channelMults) || c.channelMults.length < 1 || !c.channelMults.every((m) => Number.isInteger(m) && m >= 1)) {
    fail('channelMults', `must be a non-empty list of positive integers, got ${JSON.stringify(c.channelMults)}`);
  }
  const factor = 2 ** (c.channelMults.length - 1);
  if (c.height % factor !== 0 || c.width % factor !== 0) {
    fail('channelMults', `has ${c.channelMults.length} resolutions, so height and width must be divisible by ${factor} (got ${c.height}×${c.width})`);
  }
  if (!Number.isInteger(c.groups) || c.groups < 0) fail('groups', `must be an integer ≥ 0, got ${c.groups}`);
  if (c.groups > 0) {
    const counts = [c.baseChannels, ...c.channelMults.map((m) => m * c.baseChannels)];
    const bad = counts.find((ch) => ch % c.groups !== 0);
    if (bad !== undefined) fail('groups', `(${c.groups}) must divide every channel count (${bad} does not)`);
  }
  if (c.activation !== 'silu' && c.activation !== 'relu') fail('activation', `must be 'silu' or 'relu', got ${String(c.activation)}`);
}

/**
 * Nearest-neighbour ×2 upsampling: [B,h,w,c] → [B,h,1,w,1,c] · ones[1,1,2,1,2,1] → [B,2h,2w,c]. Its gradient is the
 * broadcast multiply's (a Sum over each 2×2 block), unlike tf.layers.upSampling2d's, which is wrong on cpu for
 * batch > 1 (stack.md §5).
 */
export function upsampleNearest2x(x: Tensor4D): Tensor4D {
  const [B, h, w, c] = x.shape;
  const spread = tf.mul(tf.reshape(x, [B, h, 1, w, 1, c]), tf.ones([1, 1, 2, 1, 2, 1]));
  return tf.reshape(spread, [B, 2 * h, 2 * w, c]);
}

/** The U-Net's weights (one variable each) and its forward pass. */
export class ImageUnet extends DenoiserNetwork {
  readonly config: ImageUnetConfig;
  readonly specs: WeightSpec[];
  readonly variables: tf.Variable[];
  private readonly byName: Map<string, tf.Variable>;
  private readonly timeDim: number;

  /** `initialWeights` (by name) replace the seeded initialisation. */
  constructor(config: ImageUnetConfig, initialWeights?: Map<string, Float32Array>) {
    super();
    validateUnetConfig(config);
    this.config = { ...config, channelMults: [...config.channelMults] };
    this.timeDim = 4 * config.baseChannels;
    this.specs = this.layout();
    this.variables = createWeightVariables(this.specs, config.seed, initialWeights, 'ImageUnet');
    this.byName = new Map(this.specs.map((spec, k) => [spec.name, this.variables[k]]));
  }

  private layout(): WeightSpec[] {
    const c = this.config;
    const specs: WeightSpec[] = [];
    const he = (fanIn: number) => Math.sqrt(2 / fanIn);
    const conv = (name: string, k: number, cin: number, cout: number, std = he(k * k * cin)) => {
      specs.push({ name: `${name}/W`, shape: [k, k, cin, cout], initStd: std });
      specs.push({ name: `${name}/b`, shape: [cout], initStd: 0 });
    };
    const dense = (name: string, fanIn: number, units: number) => {
      specs.push({ name: `${name}/W`, shape: [fanIn, units], initStd: he(fanIn) });
      specs.push({ name: `${name}/b`, shape: [units], initStd: 0 });
    };
    const norm = (name: string, ch: number) => {
      if (c.groups === 0) return;
      specs.push({ name: `${name}/gamma`, shape: [ch], initStd: -1 });
      specs.push({ name: `${name}/beta`, shape: [ch], initStd: 0 });
    };
    const res = (name: string, cin: number, cout: number) => {
      norm(`${name}/norm1`, cin);
      conv(`${name}/conv1`, 3, cin, cout);
      dense(`${name}/time`, this.timeDim, cout);
      norm(`${name}/norm2`, cout);
      // The second conv of a residual block starts small so each block starts near the identity.
      conv(`${name}/conv2`, 3, cout, cout, 0.1 * he(9 * cout));
      if (cin !== cout) conv(`${name}/skip`, 1, cin, cout);
    };
    dense('time/dense1', c.timeFeatures, this.timeDim);
    if (c.numClasses > 0) specs.push({ name: 'class/E', shape: [c.numClasses + 1, this.timeDim], initStd: he(c.timeFeatures) });
    dense('time/dense2', this.timeDim, this.timeDim);
    const chans = c.channelMults.map((m) => m * c.baseChannels);
    conv('in', 3, c.channels, c.baseChannels);
    let cur = c.baseChannels;
    chans.forEach((ch, l) => {
      res(`down${l}`, cur, ch);
      cur = ch;
      if (l < chans.length - 1) conv(`down${l}/downsample`, 3, ch, ch);
    });
    res('mid', cur, cur);
    for (let l = chans.length - 1; l >= 0; l--) {
      res(`up${l}`, cur + chans[l], chans[l]);
      cur = chans[l];
      if (l > 0) conv(`up${l}/upsample`, 3, cur, cur);
    }
    norm('out/norm', cur);
    conv('out', 3, cur, c.channels, 0);
    return specs;
  }

  private w<R extends Tensor>(name: string): R {
    const v = this.byName.get(name);
    if (v === undefined) throw new Error(`ImageUnet: no weight "${name}"`);
    return v as unknown as R;
  }

  private act(x: Tensor): Tensor {
    return this.config.activation === 'relu' ? tf.relu(x) : tf.mul(x, tf.sigmoid(x));
  }

  /**
   * conv3×3 (or the 1×1 skip) + bias, of x upsampled ×2 first when `upsample`, then + rowBias[n] (the time
   * embedding) and + residual when given. `fused`: one forward-only kernel (fusedForward.ts) for all of it.
   */
  private conv(name: string, x: Tensor4D, fused: boolean, opts: { stride?: number; upsample?: boolean; rowBias?: Tensor2D; residual?: Tensor4D } = {}): Tensor4D {
    const W = this.w<tf.Tensor4D>(`${name}/W`);
    const b = this.w<tf.Tensor1D>(`${name}/b`);
    const stride = opts.stride ?? 1;
    if (fused) return conv2dFused(x, W, b, { strides: stride, pad: 'same', upsample: opts.upsample ? 2 : 1, rowBias: opts.rowBias, residual: opts.residual });
    let y: Tensor = tf.add(tf.conv2d(opts.upsample ? upsampleNearest2x(x) : x, W, stride, 'same'), b);
    if (opts.rowBias !== undefined) y = tf.add(y, tf.reshape(opts.rowBias, [opts.rowBias.shape[0], 1, 1, opts.rowBias.shape[1]]));
    if (opts.residual !== undefined) y = tf.add(opts.residual, y);
    return y as Tensor4D;
  }

  /** act(GroupNorm(x)) (shared/tf/groupNorm.ts: native kernels on wasm when installed, tf ops elsewhere). */
  private normAct(name: string, x: Tensor4D, fused: boolean): Tensor4D {
    const G = this.config.groups;
    if (G === 0) return this.act(x) as Tensor4D;
    const gamma = this.w<tf.Tensor1D>(`${name}/gamma`);
    const beta = this.w<tf.Tensor1D>(`${name}/beta`);
    if (fused) return groupNormAct(x, gamma, beta, G, this.config.activation);
    return this.act(groupNorm(x, gamma, beta, G)) as Tensor4D;
  }

  private res(name: string, x: Tensor4D, emb: Tensor2D, cout: number, fused: boolean): Tensor4D {
    const cin = x.shape[3];
    const t = tf.add(tf.matMul(emb, this.w<Tensor2D>(`${name}/time/W`)), this.w<tf.Tensor1D>(`${name}/time/b`)) as Tensor2D;
    const h = this.conv(`${name}/conv1`, this.normAct(`${name}/norm1`, x, fused), fused, { rowBias: t });
    const skip = cin === cout ? x : this.conv(`${name}/skip`, x, fused);
    return this.conv(`${name}/conv2`, this.normAct(`${name}/norm2`, h, fused), fused, { residual: skip });
  }

  /**
   * ε̂ for x_t [B,H,W,C], the time features [B, timeFeatures] (rows of `sinusoidalTimeTable`) and the class
   * one-hots [B, numClasses + 1] (null for an unconditional model). Call inside a tidy. Outside a gradient tape on
   * wasm with the native kernels it runs the fused forward kernels (same values up to float rounding).
   */
  apply(xt: Tensor4D, timeFeatures: Tensor2D, classOneHot: Tensor2D | null): Tensor4D {
    const c = this.config;
    const fused = fusedForwardAvailable() && xt.dtype === 'float32';
    let e = tf.add(tf.matMul(timeFeatures, this.w<Tensor2D>('time/dense1/W')), this.w<tf.Tensor1D>('time/dense1/b'));
    if (c.numClasses > 0) {
      if (classOneHot === null) throw new Error('ImageUnet.apply: a conditional model needs class one-hots');
      e = tf.add(e, tf.matMul(classOneHot, this.w<Tensor2D>('class/E')));
    }
    e = tf.add(tf.matMul(this.act(e) as Tensor2D, this.w<Tensor2D>('time/dense2/W')), this.w<tf.Tensor1D>('time/dense2/b'));
    const emb = this.act(e) as Tensor2D;

    const chans = c.channelMults.map((m) => m * c.baseChannels);
    let h = this.conv('in', xt, fused);
    const skips: Tensor4D[] = [];
    chans.forEach((ch, l) => {
      h = this.res(`down${l}`, h, emb, ch, fused);
      skips.push(h);
      if (l < chans.length - 1) h = this.conv(`down${l}/downsample`, h, fused, { stride: 2 });
    });
    h = this.res('mid', h, emb, h.shape[3], fused);
    for (let l = chans.length - 1; l >= 0; l--) {
      h = this.res(`up${l}`, tf.concat([h, skips[l]], 3), emb, chans[l], fused);
      if (l > 0) h = this.conv(`up${l}/upsample`, h, fused, { upsample: true });
    }
    return this.conv('out', this.normAct('out/norm', h, fused), fused);
  }
}
