import { initBackend, tf } from '../shared/tf';
import { LossWindow, PeriodicYield, WeightAverage } from '../shared/tf/trainingBookkeeping';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('LossWindow', () => {
  test('records the mean loss of each window of `every` steps and of the last, shorter window', () => {
    const window = new LossWindow(3, 7);
    const means: (number | null)[] = [];
    for (let step = 1; step <= 7; step++) {
      tf.tidy(() => window.add(tf.scalar(step)));
      means.push(window.endStep(step));
    }
    window.dispose();
    expect(means).toEqual([null, null, 2, null, null, 5, 7]);
    expect(window.losses).toEqual([2, 5, 7]);
    expect(window.lossSteps).toEqual([3, 6, 7]);
  });

  test('leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const window = new LossWindow(2, 4);
    for (let step = 1; step <= 4; step++) {
      tf.tidy(() => window.add(tf.scalar(1)));
      window.endStep(step);
    }
    window.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('WeightAverage', () => {
  /** The average of a scalar weight after it takes the values `values` in turn (one update each). */
  function averageAfter(values: number[], decay: number, warmUp: boolean): number {
    const w = tf.variable(tf.scalar(100));
    const average = new WeightAverage([w], decay, warmUp);
    for (const v of values) {
      w.assign(tf.scalar(v));
      tf.tidy(() => average.update());
    }
    average.commit();
    const out = w.dataSync()[0];
    average.dispose();
    w.dispose();
    return out;
  }

  test('plain: a = d·a + (1 − d)·w from the initial weights', () => {
    // 100 → 0.9·100 + 0.1·0 = 90 → 0.9·90 + 0.1·0 = 81
    expect(averageAfter([0, 0], 0.9, false)).toBeCloseTo(81, 4);
  });

  test('warmed up: update n uses min(d, (1 + n)/(10 + n)), so the initial weights are forgotten fast', () => {
    // n = 0: decay 0.1 → 0.1·100 = 10; n = 1: decay 2/11 → 10·2/11 ≈ 1.818
    expect(averageAfter([0, 0], 0.999, true)).toBeCloseTo((0.1 * 100 * 2) / 11, 4);
    // With a small decay the warm-up never binds: the same as plain.
    expect(averageAfter([5, 7, 9], 0.05, true)).toBeCloseTo(averageAfter([5, 7, 9], 0.05, false), 6);
  });
});

describe('PeriodicYield', () => {
  test('yields only once the interval has passed', async () => {
    expect(await new PeriodicYield(60_000).maybeYield()).toBe(false);
    expect(await new PeriodicYield(0).maybeYield()).toBe(true);
  });
});
