/**
 * The stealthy sharer (greedy-mi with `stealth`; docs/fairness-defences.md): it poisons with the largest α on its grid
 * whose selection's label DP gap stays under the receiver's published audit threshold, predicted on its own data.
 */
import { CENSUS_TASK, generateCensus } from '../shared/data/census';
import { poisonTrainingSet } from '../sharer/poisoningMove';
import { initBackend } from '../shared/tf';
import { poisoningSchema } from '../shared/scenario/schema';

beforeAll(async () => {
  await initBackend();
});

const data = generateCensus({ rows: 6000, seed: 4, dependence: 0 });
const config = (stealth?: { maxLabelParityGap: number; alphaStep?: number }) =>
  poisoningSchema.parse({ method: 'greedy-mi', alpha: 0.5, trainRows: 800, candidatesPerCell: 20, ...(stealth ? { stealth } : {}) });

test('picks the largest α on the grid whose selection stays under the threshold, and reports each α it tried', async () => {
  const plain = await poisonTrainingSet(data, CENSUS_TASK, config(), 9);
  const fullGap = (plain.move.report as { labelParityGap: number }).labelParityGap;
  const threshold = fullGap / 3;
  const { move } = await poisonTrainingSet(data, CENSUS_TASK, config({ maxLabelParityGap: threshold, alphaStep: 0.1 }), 9);
  const stealth = (move.report as unknown as { stealth: { chosenAlpha: number; tried: Array<{ alpha: number; labelParityGap: number }> } }).stealth;
  expect(move.alpha).toBe(stealth.chosenAlpha);
  expect(stealth.chosenAlpha).toBeLessThan(0.5);
  const chosen = stealth.tried[stealth.tried.length - 1];
  expect(chosen.alpha).toBe(stealth.chosenAlpha);
  expect(chosen.labelParityGap).toBeLessThanOrEqual(threshold);
  // Every larger α on the grid was tried first and would have shown more than the threshold.
  expect(stealth.tried.map((t) => t.alpha)).toEqual([0.5, 0.4, 0.3, 0.2, 0.1, 0].slice(0, stealth.tried.length));
  for (const t of stealth.tried.slice(0, -1)) expect(t.labelParityGap).toBeGreaterThan(threshold);
  // The same seed gives the same choice.
  const again = await poisonTrainingSet(data, CENSUS_TASK, config({ maxLabelParityGap: threshold, alphaStep: 0.1 }), 9);
  expect(again.move.alpha).toBe(move.alpha);
}, 120_000);

test('a threshold above the full attack keeps the whole α; only greedy-mi is stealthy', async () => {
  const { move } = await poisonTrainingSet(data, CENSUS_TASK, config({ maxLabelParityGap: 0.99 }), 9);
  expect(move.alpha).toBe(0.5);
  expect(() => poisoningSchema.parse({ method: 'greedy-mi', stealth: { maxLabelParityGap: 0 } })).toThrow(/stealth/);
  const { labelFlipping } = await import('../sharer/moves/label-flipping');
  expect(labelFlipping.check!({ ...config({ maxLabelParityGap: 0.1 }) } as never, {} as never)).toEqual([{ path: ['stealth'], message: expect.stringMatching(/only greedy-mi/) }]);
}, 120_000);
