/**
 * The GAN baseline (sharer/generative/tabularGan.ts, docs/generators.md) on a small known table: it reproduces the
 * class-conditional statistics (more roughly than the VAE), and the checks every network passes
 * (test/helpers/generatorTable.ts).
 */
import { TabularGan, type TabularGanConfig } from '../sharer/generative/tabularGan';
import { BLOCKS, WIDTH, describeGenerativeNetwork } from './helpers/generatorTable';

const GAN_CONFIG: TabularGanConfig = {
  dataWidth: WIDTH,
  oneHotBlocks: BLOCKS,
  numClasses: 2,
  latentDim: 8,
  generatorHidden: [64, 64],
  discriminatorHidden: [64, 64],
  gumbelTemperature: 0.2,
  seed: 12,
};

describe('TabularGan', () => {
  describeGenerativeNetwork(
    'TabularGan',
    () => new TabularGan(GAN_CONFIG),
    (dir) => TabularGan.load(dir),
    { steps: 1500, batchSize: 128, learningRate: 1e-3, progressEvery: 125 },
    // Two Adams (generator, discriminator): two moments per variable and two β-power scalars each.
    { trainedWithin: 0.4, optimizerTensors: (n) => 2 * n + 4 },
  );

  it('a bad configuration names the field', () => {
    expect(() => new TabularGan({ ...GAN_CONFIG, discriminatorHidden: [] })).toThrow(/discriminatorHidden must be a non-empty list/);
    expect(() => new TabularGan({ ...GAN_CONFIG, gumbelTemperature: 0 })).toThrow(/gumbelTemperature must be > 0/);
  });
});
