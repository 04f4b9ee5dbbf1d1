/**
 * The VAE baseline (sharer/generative/tabularVae.ts, docs/generators.md) on a small known table: its loss (the
 * negative ELBO) falls, it reproduces the class-conditional statistics, and the checks every network passes
 * (test/helpers/generatorTable.ts); plus the grouped record layout both baselines use.
 */
import { Rng } from '../shared/random';
import { TabularVae, type TabularVaeConfig } from '../sharer/generative/tabularVae';
import { GroupedLayout } from '../sharer/generative/tabularLayout';
import { BLOCKS, WIDTH, describeGenerativeNetwork } from './helpers/generatorTable';

const VAE_CONFIG: TabularVaeConfig = { dataWidth: WIDTH, oneHotBlocks: BLOCKS, numClasses: 2, latentDim: 4, hidden: [32, 32], klWeight: 1, seed: 11 };

describe('TabularVae', () => {
  const trained = describeGenerativeNetwork(
    'TabularVae',
    () => new TabularVae(VAE_CONFIG),
    (dir) => TabularVae.load(dir),
    { steps: 400, batchSize: 128, learningRate: 3e-3, progressEvery: 40 },
    // Adam: two moments per variable and its two β-power scalars.
    { trainedWithin: 0.1, optimizerTensors: (n) => 2 * n + 2 },
  );

  it('the loss (negative ELBO) goes down', () => {
    // Window means of 40 steps; it plateaus after ~200 steps.
    const losses = trained.losses();
    const first = losses[0];
    const last = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
    expect(last).toBeLessThan(first - 0.5);
    expect(Math.max(...losses.slice(1))).toBeLessThan(first);
  });

  it('a bad configuration names the field', () => {
    expect(() => new TabularVae({ ...VAE_CONFIG, latentDim: 0 })).toThrow(/latentDim must be ≥ 1/);
    expect(() => new TabularVae({ ...VAE_CONFIG, hidden: [] })).toThrow(/hidden must be a non-empty list/);
    expect(() => new TabularVae({ ...VAE_CONFIG, oneHotBlocks: [[5, 9]] })).toThrow(/one-hot block \[5, 9\)/);
  });
});

describe('GroupedLayout', () => {
  it('puts numeric coordinates first and blocks after, and round-trips', () => {
    const layout = new GroupedLayout(WIDTH, BLOCKS);
    expect(layout.numericWidth).toBe(2);
    expect(layout.categoricalWidth).toBe(5);
    expect(layout.blocks).toEqual([
      [0, 3],
      [3, 5],
    ]);
    const row = Float32Array.from([0.5, 0, 1, 0, -0.25, 1, 0]);
    const grouped = layout.toGrouped(row);
    expect(Array.from(grouped)).toEqual([0.5, -0.25, 0, 1, 0, 1, 0]);
    expect(Array.from(layout.fromGrouped(grouped))).toEqual(Array.from(row));
  });

  it('draws categories from softmax(logits): shares match the probabilities', () => {
    const layout = new GroupedLayout(WIDTH, BLOCKS);
    const n = 4000;
    const probs = [0.6, 0.3, 0.1];
    const logits = new Float32Array(n * 5);
    for (let i = 0; i < n; i++) {
      probs.forEach((p, c) => (logits[i * 5 + c] = Math.log(p)));
      logits[i * 5 + 4] = 5; // P(second category of the flag) = 1/(1+e^-5)
    }
    const grouped = layout.assemble(new Float32Array(n * 2), logits, n, new Rng(3));
    const counts = [0, 0, 0];
    let flag = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) counts[c] += grouped[i * WIDTH + 2 + c];
      flag += grouped[i * WIDTH + 6];
    }
    counts.forEach((c, k) => expect(Math.abs(c / n - probs[k])).toBeLessThan(0.03));
    expect(flag / n).toBeGreaterThan(0.98);
  });
});
