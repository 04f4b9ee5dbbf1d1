/**
 * Fine-tuning a copy of a trained DDPM (sharer/diffusion/fineTune.ts, docs/fine-tuning.md): the base never changes,
 * the sham (learning rate 0) is bit-identical to it, runs are deterministic, LoRA's gradients are the chain rule of
 * its reparametrisation and its update has rank ≤ r, the class-embedding method grows one class and nothing else,
 * fine-tuning moves the model towards its data, and bad specs fail with one-line errors. Tiny models on wasm.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, tf } from '../shared/tf';
import { Rng } from '../shared/random';
import { TabularDdpm } from '../sharer/diffusion/tabularDdpm';
import { ImageDdpm, type ImageDdpmOptions } from '../sharer/diffusion/imageDdpm';
import { layersForTesting } from '../sharer/diffusion/tabularMlp';
import { FINE_TUNE_METHODS, fineTuneCopy, type FineTuneSpec } from '../sharer/diffusion/fineTune';
import { loraGradients } from '../sharer/diffusion/fineTuning/lora';
import { globToRegExp } from '../sharer/diffusion/fineTuning/weightSelection';

const WIDTH = 5;

/** Two classes: numeric columns around ∓centre, a 3-category one-hot block. */
function table(n: number, seed: number, classes: number[], centre = 2): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * WIDTH);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = classes[i % classes.length];
    labels[i] = y;
    const m = y === 0 ? -centre : centre;
    x[i * WIDTH] = m + 0.5 * rng.normal();
    x[i * WIDTH + 1] = m + 0.5 * rng.normal();
    x[i * WIDTH + 2 + rng.int(3)] = 1;
  }
  return { x, labels };
}

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/** Names of the weights whose bytes differ between two weight maps (same names expected). */
function changedWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  expect([...a.keys()]).toEqual([...b.keys()]);
  return [...a.keys()].filter((name) => !sameBytes(a.get(name)!, b.get(name)!));
}

/** Numerical rank of a rows × cols matrix (modified Gram–Schmidt on the columns, float64). */
function numericalRank(m: Float32Array, rows: number, cols: number, relTol = 1e-4): number {
  const basis: Float64Array[] = [];
  let largest = 0;
  for (let j = 0; j < cols; j++) {
    const v = new Float64Array(rows);
    for (let i = 0; i < rows; i++) v[i] = m[i * cols + j];
    largest = Math.max(largest, Math.hypot(...v));
  }
  for (let j = 0; j < cols; j++) {
    const v = new Float64Array(rows);
    for (let i = 0; i < rows; i++) v[i] = m[i * cols + j];
    for (const q of basis) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += q[i] * v[i];
      for (let i = 0; i < rows; i++) v[i] -= dot * q[i];
    }
    const norm = Math.hypot(...v);
    if (norm > relTol * largest) basis.push(v.map((x) => x / norm));
  }
  return basis.length;
}

function tabularModel(seed = 7): TabularDdpm {
  return new TabularDdpm({ dataWidth: WIDTH, numClasses: 2, oneHotBlocks: [[2, 5]], timesteps: 50, schedule: 'cosine', hidden: [32, 32], timeEmbedding: 16, seed });
}

const SPEC: Omit<FineTuneSpec, 'method'> = { steps: 30, batchSize: 16, learningRate: 2e-3, seed: 11 };

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', quiet: true });
});

describe('spec checks', () => {
  let base: TabularDdpm;
  const { x, labels } = table(16, 1, [0, 1]);
  beforeAll(() => {
    base = tabularModel();
  });
  afterAll(() => base.dispose());

  it.each<[string, Partial<FineTuneSpec>, Int32Array | null, Float32Array | null, RegExp]>([
    ['unknown method', { method: 'dreambooth' as never }, null, null, /spec\.method must be one of full, lora, class-embedding, got "dreambooth"/],
    ['steps < 1', { method: 'full', steps: 0 }, null, null, /spec\.steps must be a positive integer, got 0/],
    ['negative learning rate', { method: 'full', learningRate: -1 }, null, null, /spec\.learningRate must be a finite number ≥ 0/],
    ['rank < 1', { method: 'lora', rank: 0 }, null, null, /spec\.rank must be an integer ≥ 1, got 0/],
    ['rank above min(d_in, d_out)', { method: 'lora', rank: 8, modules: ['out/W'] }, null, null, /spec\.rank \(8\) must be ≤ min\(d_in, d_out\) = 5 of "out\/W" \(32 × 5\)/],
    ['a pattern matching nothing', { method: 'full', modules: ['hidden*/W', 'decoder/*'] }, null, null, /pattern "decoder\/\*" matches no weight; they are: time\/W, time\/b, input\/Wx.*out\/b$/],
    ['a LoRA pattern on biases only', { method: 'lora', modules: ['*/b'] }, null, null, /pattern "\*\/b" matches no dense weight or conv kernel; they are: time\/W, input\/Wx/],
    ['modules with class-embedding', { method: 'class-embedding', modules: ['class/E'] }, null, null, /spec\.modules must be absent for method class-embedding/],
    ['labels of two classes for class-embedding', { method: 'class-embedding' }, null, null, /labels must all be one class for method class-embedding, got 0 \(record 0\) and 1 \(record 1\)/],
    ['data width mismatch', { method: 'full' }, null, new Float32Array(7), /data must be a non-empty Float32Array of whole records of 5 values .* got 7 values/],
    ['labels missing on a conditional model', { method: 'full' }, new Int32Array(0), null, /0 labels for 16 records/],
  ])('%s', async (_what, patch, labelsOverride, dataOverride, message) => {
    const spec = { ...SPEC, method: 'full', ...patch } as FineTuneSpec;
    await expect(fineTuneCopy(base, dataOverride ?? x, labelsOverride ?? labels, spec)).rejects.toThrow(message);
  });

  it('globs: * stays within a path segment, ** crosses them', () => {
    expect(globToRegExp('hidden*/W').test('hidden1/W')).toBe(true);
    expect(globToRegExp('hidden*/W').test('hidden1/b')).toBe(false);
    expect(globToRegExp('down*/W').test('down0/conv1/W')).toBe(false);
    expect(globToRegExp('down**/W').test('down0/conv1/W')).toBe(true);
    expect(globToRegExp('up?/skip/W').test('up1/skip/W')).toBe(true);
  });

  it('lists the methods once', () => {
    expect(FINE_TUNE_METHODS).toEqual(['full', 'lora', 'class-embedding']);
  });
});

describe('LoRA gradients are the chain rule of W = W₀ + (α/r)·A·B', () => {
  const random = (shape: number[], seed: number) => {
    const rng = new Rng(seed);
    return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
  };
  const maxRelDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / (tf.max(tf.abs(b)).dataSync()[0] + 1e-12));

  it('on a hand-written dense layer (the MLP path) and on a conv kernel (LoCon)', () => {
    const scale = 32 / 4;
    tf.tidy(() => {
      // Dense: the tabular MLP's SiLU layer with its hand-written gradient.
      const x = random([6, 10], 1) as tf.Tensor2D;
      const W0 = random([10, 7], 2) as tf.Tensor2D;
      const b = random([7], 3) as tf.Tensor1D;
      const A = tf.mul(random([10, 4], 4), 0.5) as tf.Tensor2D;
      const B = tf.mul(random([4, 7], 5), 0.1) as tf.Tensor2D;
      const weights = random([6, 7], 6);
      const denseLoss = (W: tf.Tensor2D) => tf.sum(tf.mul(layersForTesting.dense.silu(x, W, b), weights)) as tf.Scalar;
      const merged = (a: tf.Tensor2D, bb: tf.Tensor2D) => tf.add(W0, tf.mul(tf.matMul(a, bb), scale)) as tf.Tensor2D;
      const [gA, gB] = tf.grads((a: tf.Tensor, bb: tf.Tensor) => denseLoss(merged(a as tf.Tensor2D, bb as tf.Tensor2D)))([A, B]);
      const G = tf.grad((W: tf.Tensor) => denseLoss(W as tf.Tensor2D))(merged(A, B)) as tf.Tensor2D;
      const ours = loraGradients(G, A, B, scale);
      expect(maxRelDiff(ours.dA, gA)).toBeLessThan(1e-4);
      expect(maxRelDiff(ours.dB, gB)).toBeLessThan(1e-4);

      // Conv: a 3×3×2×5 kernel as the 18 × 5 matrix.
      const img = random([2, 6, 6, 2], 7) as tf.Tensor4D;
      const K0 = random([18, 5], 8) as tf.Tensor2D;
      const Ac = tf.mul(random([18, 4], 9), 0.5) as tf.Tensor2D;
      const Bc = tf.mul(random([4, 5], 10), 0.1) as tf.Tensor2D;
      const outWeights = random([2, 6, 6, 5], 11);
      const convLoss = (K: tf.Tensor2D) => tf.sum(tf.mul(tf.conv2d(img, tf.reshape(K, [3, 3, 2, 5]) as tf.Tensor4D, 1, 'same'), outWeights)) as tf.Scalar;
      const mergedC = (a: tf.Tensor2D, bb: tf.Tensor2D) => tf.add(K0, tf.mul(tf.matMul(a, bb), scale)) as tf.Tensor2D;
      const [cA, cB] = tf.grads((a: tf.Tensor, bb: tf.Tensor) => convLoss(mergedC(a as tf.Tensor2D, bb as tf.Tensor2D)))([Ac, Bc]);
      const Gc = tf.grad((K: tf.Tensor) => convLoss(K as tf.Tensor2D))(mergedC(Ac, Bc)) as tf.Tensor2D;
      const oursC = loraGradients(Gc, Ac, Bc, scale);
      expect(maxRelDiff(oursC.dA, cA)).toBeLessThan(1e-4);
      expect(maxRelDiff(oursC.dB, cB)).toBeLessThan(1e-4);
    });
  });
});

describe('tabular DDPM', () => {
  let base: TabularDdpm;
  let baseWeights: Map<string, Float32Array>;
  let tensorsBefore: number;
  // Fine-tuning data: class 0 records from a shifted distribution (centre −3 instead of −2).
  const tune = table(64, 5, [0], 3);

  beforeAll(async () => {
    tensorsBefore = tf.memory().numTensors;
    base = tabularModel();
    const { x, labels } = table(512, 2, [0, 1]);
    await base.train(x, labels, { steps: 300, batchSize: 64, learningRate: 3e-3, seed: 3 });
    baseWeights = base.getWeights();
  });

  afterAll(() => {
    expect(changedWeights(base.getWeights(), baseWeights)).toEqual([]);
    base.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it.each(FINE_TUNE_METHODS.map((m) => [m]))('%s: the base is unchanged, the run is deterministic, the sham is the base', async (method) => {
    const spec: FineTuneSpec = { ...SPEC, method, rank: 4 };
    const a = await fineTuneCopy(base, tune.x, tune.labels, spec);
    expect(changedWeights(base.getWeights(), baseWeights)).toEqual([]);
    const b = await fineTuneCopy(base, tune.x, tune.labels, spec);
    expect(changedWeights(a.model.getWeights(), b.model.getWeights())).toEqual([]);
    expect(a.outcome.deltaSha256).toBe(b.outcome.deltaSha256);
    expect(a.outcome.deltaSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.outcome.deltaNorm).toBeGreaterThan(0);
    expect(a.outcome.losses.length).toBeGreaterThan(0);
    expect(a.model.stepsTrained).toBe(base.stepsTrained + SPEC.steps);
    expect(a.model.dataBounds).toEqual(base.dataBounds);
    const other = await fineTuneCopy(base, tune.x, tune.labels, { ...spec, seed: 12 });
    expect(other.outcome.deltaSha256).not.toBe(a.outcome.deltaSha256);

    const sham = await fineTuneCopy(base, tune.x, tune.labels, { ...spec, learningRate: 0 });
    expect(sham.outcome.deltaNorm).toBe(0);
    if (method === 'class-embedding') {
      // Everything but the grown table is the base's; the table is the base's rows with class 0's copied in as row 2.
      const shamWeights = sham.model.getWeights();
      const E = baseWeights.get('class/E')!;
      const H = 32;
      expect(sameBytes(shamWeights.get('class/E')!, Float32Array.from([...E.subarray(0, 2 * H), ...E.subarray(0, H), ...E.subarray(2 * H)]))).toBe(true);
      shamWeights.delete('class/E');
      const rest = new Map(baseWeights);
      rest.delete('class/E');
      expect(changedWeights(shamWeights, rest)).toEqual([]);
      // The new class samples as class 0 of the base; the old classes as before.
      const fromBase = await base.sample(6, Int32Array.from([0, 0, 0, 1, 1, 1]), { seed: 4, sampler: 'ddim', steps: 10 });
      const fromSham = await sham.model.sample(6, Int32Array.from([2, 2, 2, 1, 1, 1]), { seed: 4, sampler: 'ddim', steps: 10 });
      expect(sameBytes(fromBase, fromSham)).toBe(true);
    } else {
      expect(changedWeights(sham.model.getWeights(), baseWeights)).toEqual([]);
      const labelsOut = Int32Array.from([0, 1, 0]);
      const fromBase = await base.sample(3, labelsOut, { seed: 4, sampler: 'ddim', steps: 10, guidanceScale: 2 });
      const fromSham = await sham.model.sample(3, labelsOut, { seed: 4, sampler: 'ddim', steps: 10, guidanceScale: 2 });
      expect(sameBytes(fromBase, fromSham)).toBe(true);
    }
    [a, b, other, sham].forEach((r) => r.model.dispose());
  });

  it('full: only the selected weights move', async () => {
    const { model, outcome } = await fineTuneCopy(base, tune.x, tune.labels, { ...SPEC, method: 'full', modules: ['hidden*/W', 'out/**'] });
    expect(outcome.adaptedWeights).toEqual(['hidden1/W', 'out/W', 'out/b']);
    expect(outcome.trainableParameters).toBe(32 * 32 + 32 * 5 + 5);
    expect(changedWeights(model.getWeights(), baseWeights)).toEqual(['hidden1/W', 'out/W', 'out/b']);
    model.dispose();
  });

  it('lora: only the adapted weights move, each by an update of rank ≤ r', async () => {
    const rank = 2;
    const { model, outcome } = await fineTuneCopy(base, tune.x, tune.labels, { ...SPEC, method: 'lora', rank, learningRate: 1e-2 });
    // Default: every dense weight at least r wide both ways but the class embedding.
    expect(outcome.adaptedWeights).toEqual(['time/W', 'input/Wx', 'input/Wt', 'hidden1/W', 'out/W']);
    expect(outcome.trainableParameters).toBe(rank * (16 + 16 + 5 + 32 + 16 + 32 + 32 + 32 + 32 + 5));
    const weights = model.getWeights();
    expect(changedWeights(weights, baseWeights)).toEqual(outcome.adaptedWeights);
    for (const [name, rows, cols] of [['hidden1/W', 32, 32], ['input/Wt', 16, 32], ['time/W', 16, 16]] as const) {
      const w = weights.get(name)!;
      const w0 = baseWeights.get(name)!;
      const delta = w.map((v, i) => v - w0[i]);
      expect(numericalRank(delta, rows, cols)).toBe(rank);
    }
    model.dispose();
  });

  it('class-embedding: one class more, only its row trains; the copy saves and loads', async () => {
    const { model, outcome } = await fineTuneCopy(base, tune.x, tune.labels, { ...SPEC, method: 'class-embedding', learningRate: 5e-2 });
    expect(outcome.newClass).toBe(2);
    expect(outcome.trainableParameters).toBe(32);
    expect(model.config.numClasses).toBe(3);
    expect(model.nullClass).toBe(3);
    expect(base.config.numClasses).toBe(2);
    const E = model.getWeights().get('class/E')!;
    const E0 = baseWeights.get('class/E')!;
    const H = 32;
    expect(sameBytes(E.subarray(0, 2 * H), E0.subarray(0, 2 * H))).toBe(true);
    expect(sameBytes(E.subarray(3 * H), E0.subarray(2 * H))).toBe(true);
    expect(sameBytes(E.subarray(2 * H, 3 * H), E0.subarray(0, H))).toBe(false);
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'sharebox-finetune-'));
    try {
      await model.save(path.join(dir, 'model'));
      const loaded = await TabularDdpm.load(path.join(dir, 'model'));
      expect(loaded.config).toEqual(model.config);
      expect(changedWeights(loaded.getWeights(), model.getWeights())).toEqual([]);
      expect((loaded.metadata.fineTuning as { deltaSha256: string }).deltaSha256).toBe(outcome.deltaSha256);
      const samples = await loaded.sample(4, Int32Array.from([2, 2, 0, 1]), { seed: 1, sampler: 'ddim', steps: 5 });
      expect(samples).toHaveLength(4 * WIDTH);
      loaded.dispose();
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
    model.dispose();
  });

  it('full, LoRA and class-embedding fine-tuning lower the DDPM loss on the fine-tuning records; the sham does not', async () => {
    const timesteps = [2, 10, 20, 30, 40];
    const meanLoss = (m: TabularDdpm, labels: Int32Array) => {
      const losses = m.perTimestepLoss(tune.x, labels, timesteps, { seed: 9, noiseDraws: 8 });
      return losses.reduce((a, b) => a + b, 0) / losses.length;
    };
    const spec = { ...SPEC, steps: 100 };
    const sham = await fineTuneCopy(base, tune.x, tune.labels, { ...spec, method: 'full', learningRate: 0 });
    const full = await fineTuneCopy(base, tune.x, tune.labels, { ...spec, method: 'full', learningRate: 2e-3 });
    const lora = await fineTuneCopy(base, tune.x, tune.labels, { ...spec, method: 'lora', rank: 4, learningRate: 1e-2 });
    const cls = await fineTuneCopy(base, tune.x, tune.labels, { ...spec, method: 'class-embedding', learningRate: 5e-2 });
    const baseLoss = meanLoss(base, tune.labels);
    const shamLoss = meanLoss(sham.model, tune.labels);
    const fullLoss = meanLoss(full.model, tune.labels);
    const loraLoss = meanLoss(lora.model, tune.labels);
    const clsLoss = meanLoss(cls.model, new Int32Array(tune.labels.length).fill(2));
    expect(shamLoss).toBe(baseLoss);
    // Measured: base 0.540, full 0.360, LoRA 0.393, class-embedding 0.376 (100 steps).
    expect(fullLoss).toBeLessThan(0.8 * shamLoss);
    expect(loraLoss).toBeLessThan(0.85 * shamLoss);
    expect(clsLoss).toBeLessThan(0.9 * shamLoss);
    [sham, full, lora, cls].forEach((r) => r.model.dispose());
  });
});

describe('image DDPM (tiny U-Net)', () => {
  const TINY: ImageDdpmOptions = { height: 8, width: 8, channels: 1, numClasses: 2, seed: 3, baseChannels: 4, channelMults: [1, 2], timeFeatures: 8, groups: 2, timesteps: 20, schedule: 'cosine' };
  const images = (n: number, seed: number) => {
    const rng = new Rng(seed);
    return Float32Array.from({ length: n * 64 }, () => rng.next());
  };

  it.each(FINE_TUNE_METHODS.map((m) => [m]))('%s: base unchanged, deterministic, sham identical', async (method) => {
    const before = tf.memory().numTensors;
    const base = new ImageDdpm(TINY);
    await base.train(images(8, 1), Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]), { steps: 3, batchSize: 4, learningRate: 1e-3, seed: 1 });
    const baseWeights = base.getWeights();
    const data = images(4, 2);
    const labels = new Int32Array(4).fill(1);
    const spec: FineTuneSpec = { method, steps: 3, batchSize: 4, learningRate: 1e-2, rank: 2, seed: 5 };
    const a = await fineTuneCopy(base, data, labels, spec);
    const b = await fineTuneCopy(base, data, labels, spec);
    const sham = await fineTuneCopy(base, data, labels, { ...spec, learningRate: 0 });
    expect(changedWeights(base.getWeights(), baseWeights)).toEqual([]);
    expect(a.outcome.deltaSha256).toBe(b.outcome.deltaSha256);
    expect(a.outcome.deltaNorm).toBeGreaterThan(0);
    expect(sham.outcome.deltaNorm).toBe(0);
    if (method === 'class-embedding') {
      expect(a.model.config.numClasses).toBe(3);
      expect(a.outcome.newClass).toBe(2);
      const w = a.model.getWeights();
      expect([...w.keys()].filter((name) => name !== 'class/E' && !sameBytes(w.get(name)!, baseWeights.get(name)!))).toEqual([]);
    } else {
      expect(changedWeights(a.model.getWeights(), b.model.getWeights())).toEqual([]);
      expect(changedWeights(sham.model.getWeights(), baseWeights)).toEqual([]);
      const changed = changedWeights(a.model.getWeights(), baseWeights);
      if (method === 'lora') expect(changed).toEqual(a.outcome.adaptedWeights);
      if (method === 'lora') expect(changed.every((name) => name.endsWith('/W'))).toBe(true);
    }
    const sampled = await a.model.sample(2, Int32Array.from([1, method === 'class-embedding' ? 2 : 0]), { seed: 1, steps: 3 });
    expect(sampled).toHaveLength(2 * 64);
    [a, b, sham].forEach((r) => r.model.dispose());
    base.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
