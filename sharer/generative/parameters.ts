/**
 * Named, seeded weights of a small generative network (the tabular VAE and GAN baselines): one tf.variable per
 * weight, initialised in JS from the seed (so the start is the same on every backend), and a save/load format of
 * model.json (the network's config and a manifest) plus weights.bin (float32 little-endian, as TabularDdpm).
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { tf } from '../../shared/tf';
import { deriveSeed } from '../../shared/random';
import { fillStandardNormal } from '../diffusion/standardNormal';

export type Tensor = ReturnType<typeof tf.tensor>;
export type Tensor2D = ReturnType<typeof tf.tensor2d>;
export type Variable = ReturnType<typeof tf.variable>;

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

interface SavedJson {
  format: string;
  version: number;
  config: unknown;
  weights: Array<{ name: string; shape: number[] }>;
}

export class ParameterSet {
  private readonly entries: Array<{ name: string; shape: number[]; variable: Variable }> = [];
  private disposed = false;

  /** `initial` (by name) replaces the seeded initialisation: `load` uses it. */
  constructor(
    private readonly seed: number,
    private readonly initial?: Map<string, Float32Array>,
  ) {}

  /** A new weight of N(0, initStd²) entries (zeros for initStd 0), or its loaded values. */
  add(name: string, shape: number[], initStd: number, trainable = true): Variable {
    if (this.entries.some((e) => e.name === name)) throw new Error(`ParameterSet: weight "${name}" declared twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    let values: Float32Array = new Float32Array(size);
    if (this.initial) {
      const loaded = this.initial.get(name);
      if (!loaded || loaded.length !== size) {
        throw new Error(`ParameterSet: weight "${name}" missing or of wrong size (expected ${size}, got ${loaded?.length ?? 'none'})`);
      }
      values = loaded;
    } else if (initStd > 0) {
      fillStandardNormal(values, deriveSeed(this.seed, `init/${name}`));
      for (let i = 0; i < size; i++) values[i] *= initStd;
    }
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable));
    this.entries.push({ name, shape, variable });
    return variable;
  }

  /** The trainable variables whose names start with `prefix` (all of them for ''). */
  trainable(prefix = ''): Variable[] {
    return this.entries.filter((e) => e.name.startsWith(prefix) && e.variable.trainable).map((e) => e.variable);
  }

  get numParameters(): number {
    return this.entries.reduce((a, e) => a + e.variable.size, 0);
  }

  async save(dir: string, format: string, config: unknown): Promise<void> {
    await fsp.mkdir(dir, { recursive: true });
    const total = this.numParameters;
    const bytes = Buffer.alloc(total * 4);
    let offset = 0;
    for (const e of this.entries) {
      const values = e.variable.dataSync() as Float32Array;
      for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i], (offset + i) * 4);
      offset += values.length;
    }
    const json: SavedJson = { format, version: 1, config, weights: this.entries.map((e) => ({ name: e.name, shape: e.shape })) };
    await fsp.writeFile(path.join(dir, WEIGHTS_BIN), bytes);
    await fsp.writeFile(path.join(dir, MODEL_JSON), JSON.stringify(json, null, 2) + '\n');
  }

  /** Reads what `save` wrote: the config and the weights by name (pass them to a new ParameterSet). */
  static async read(dir: string, format: string): Promise<{ config: unknown; weights: Map<string, Float32Array> }> {
    const file = path.join(dir, MODEL_JSON);
    let json: SavedJson;
    try {
      json = JSON.parse(await fsp.readFile(file, 'utf8')) as SavedJson;
    } catch (err) {
      throw new Error(`${format}: cannot read ${file}: ${(err as Error).message}`);
    }
    if (json.format !== format || json.version !== 1) {
      throw new Error(`${format}: ${dir} holds format "${json.format}" v${json.version}, expected ${format} v1`);
    }
    const bytes = await fsp.readFile(path.join(dir, WEIGHTS_BIN));
    const weights = new Map<string, Float32Array>();
    let offset = 0;
    for (const w of json.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if ((offset + size) * 4 > bytes.length) throw new Error(`${format}: ${path.join(dir, WEIGHTS_BIN)} is truncated at weight "${w.name}"`);
      const values = new Float32Array(size);
      for (let i = 0; i < size; i++) values[i] = bytes.readFloatLE((offset + i) * 4);
      weights.set(w.name, values);
      offset += size;
    }
    return { config: json.config, weights };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.entries.forEach((e) => e.variable.dispose());
  }
}

/** One dense layer y = xW + b. */
export interface DenseLayer {
  W: Variable;
  b: Variable;
}

/**
 * Dense layers of widths sizes[0] → sizes[1] → … → sizes[L], named `<prefix>/<k>/W|b`. He initialisation
 * (std √(2/fan_in)) for the hidden layers, which feed a (leaky) ReLU; Glorot (√(2/(fan_in + fan_out))) for the
 * last, linear one; zero biases.
 */
export function denseStack(params: ParameterSet, prefix: string, sizes: number[]): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let k = 0; k + 1 < sizes.length; k++) {
    const last = k + 2 === sizes.length;
    const std = last ? Math.sqrt(2 / (sizes[k] + sizes[k + 1])) : Math.sqrt(2 / sizes[k]);
    layers.push({ W: params.add(`${prefix}/${k}/W`, [sizes[k], sizes[k + 1]], std), b: params.add(`${prefix}/${k}/b`, [sizes[k + 1]], 0) });
  }
  return layers;
}

/**
 * The stack applied to x: `activation` after every layer but the last, which is linear. `weightOf` may replace
 * a layer's W (the GAN's spectral normalisation). Call inside a tidy or a gradient function.
 */
export function applyStack(
  x: Tensor2D,
  layers: DenseLayer[],
  activation: (t: Tensor) => Tensor,
  weightOf: (layer: DenseLayer, k: number) => Tensor2D = (layer) => layer.W as unknown as Tensor2D,
): Tensor2D {
  let h: Tensor = x;
  layers.forEach((layer, k) => {
    h = tf.add(tf.matMul(h as Tensor2D, weightOf(layer, k)), layer.b);
    if (k + 1 < layers.length) h = activation(h);
  });
  return h as Tensor2D;
}

/** One-hot rows of the class labels, n × numClasses (the conditioning input of both networks). */
export function classOneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) out[i * numClasses + labels[i]] = 1;
  return out;
}
