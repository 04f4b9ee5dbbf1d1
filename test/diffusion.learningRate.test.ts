import { learningRateAt } from '../sharer/diffusion/learningRate';

describe('learningRateAt (the schedule of both diffusion models)', () => {
  const run = { steps: 1100, learningRate: 2e-3, warmupSteps: 100 };

  test('linear warm-up from 0 reaches the peak at the last warm-up step', () => {
    expect(learningRateAt(0, run)).toBeCloseTo(2e-3 / 100, 15);
    expect(learningRateAt(49, run)).toBeCloseTo(1e-3, 15);
    expect(learningRateAt(99, run)).toBeCloseTo(2e-3, 15);
  });

  test('constant (the default) stays at the peak after warm-up', () => {
    for (const step of [100, 600, 1099]) expect(learningRateAt(step, run)).toBe(2e-3);
  });

  test('cosine decays from the peak to lrMinFactor · peak, half-way at the middle, never below the floor', () => {
    const cosine = { ...run, lrDecay: 'cosine' as const, lrMinFactor: 0.1 };
    expect(learningRateAt(100, cosine)).toBeCloseTo(2e-3, 15);
    expect(learningRateAt(600, cosine)).toBeCloseTo(2e-3 * (0.1 + 0.9 * 0.5), 15);
    expect(learningRateAt(1100, cosine)).toBeCloseTo(2e-4, 15);
    expect(learningRateAt(5000, cosine)).toBeCloseTo(2e-4, 15);
    let previous = Infinity;
    for (let step = 100; step < 1100; step += 50) {
      const lr = learningRateAt(step, cosine);
      expect(lr).toBeLessThanOrEqual(previous);
      previous = lr;
    }
  });

  test('no warm-up starts at the peak', () => {
    expect(learningRateAt(0, { steps: 10, learningRate: 1e-3 })).toBe(1e-3);
  });
});
