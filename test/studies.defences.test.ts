/**
 * The defence study (cli/studies/defences.ts): in a sweep over sharer.defences, broker.defences or receiver.defences, each defended
 * variant is paired with the variant that runs no defence and has the same other swept values, and its classifiers'
 * accuracy and DP gap are compared on the shared test records (paired bootstrap).
 */
import { defenceStudy, type PairedVariant } from '../cli/studies/defences';
import { Rng } from '../shared/random';

const N = 400;
const rng = new Rng(5);
const yTrue = Array.from({ length: N }, () => (rng.next() < 0.5 ? 1 : 0));
const s = Array.from({ length: N }, () => (rng.next() < 0.5 ? 1 : 0));
const interval = { estimate: 0, low: 0, high: 0 };

function variant(
  label: string,
  overrides: Record<string, unknown>,
  defences: { sharer?: string[]; broker?: string[]; receiver?: string[] },
  predictions: number[],
  poisoning?: { method: string; alpha: number },
): PairedVariant {
  return {
    label,
    seed: 3,
    testPredictions: { yTrue, s, predictions: { logistic: predictions } },
    result: {
      overrides,
      sharer: { defences: (defences.sharer ?? []).map((kind, index) => ({ kind, index })), moves: poisoning ? [poisoning] : [] },
      broker: { defences: (defences.broker ?? []).map((kind, index) => ({ kind, index })) },
      receiver: { downstream: { logistic: { evaluation: { dpGap: interval } } }, defences: (defences.receiver ?? []).map((kind, index) => ({ kind, index })) },
      fidelity: { logistic: { accuracyBelowReal: interval } },
    },
  };
}

// Right on 90% of the records undefended; the defended receiver's classifier is wrong on 20 more of them.
const undefendedPredictions = yTrue.map((y, i) => (i % 10 === 0 ? 1 - y : y));
const defendedPredictions = undefendedPredictions.map((p, i) => (i % 10 === 1 || i % 20 === 2 ? 1 - p : p));

test('each defended variant beside its undefended twin, the accuracy loss on a paired interval', () => {
  const study = defenceStudy([
    variant('defences=none', { 'sharer.defences': [] }, {}, undefendedPredictions),
    variant('defences=dp', { 'sharer.defences': [{ kind: 'dp-training' }] }, { sharer: ['dp-training'] }, defendedPredictions),
    variant('defences=same', { 'sharer.defences': [{ kind: 'deduplicate' }] }, { sharer: ['deduplicate'] }, undefendedPredictions),
  ])!;
  expect(Object.keys(study.rows)).toEqual(['defences=dp', 'defences=same']);
  const dp = study.rows['defences=dp'];
  expect(dp.undefendedLabel).toBe('defences=none');
  expect(dp.defences).toEqual({ sharer: ['dp-training'], broker: [], receiver: [] });
  const loss = dp.classifiers.logistic.accuracyLossVsUndefended;
  // 60 of 400 more mistakes: 0.15 of accuracy, and the paired interval excludes no loss.
  expect(loss.estimate).toBeCloseTo(0.15, 10);
  expect(loss.low).toBeGreaterThan(0.1);
  // The same predictions as the twin: no loss, exactly, on every resample.
  expect(study.rows['defences=same'].classifiers.logistic.accuracyLossVsUndefended).toEqual({ estimate: 0, low: 0, high: 0 });
});

test('twins are matched on the other swept values; broker defences count; no sweep of a defence list, no study', () => {
  const study = defenceStudy([
    variant('seed=1,defences=none', { seed: 1, 'broker.defences': [] }, {}, undefendedPredictions),
    variant('seed=2,defences=none', { seed: 2, 'broker.defences': [] }, {}, defendedPredictions),
    variant('seed=2,defences=noise', { seed: 2, 'broker.defences': [{ kind: 'output-noise' }] }, { broker: ['output-noise'] }, defendedPredictions),
  ])!;
  expect(study.rows['seed=2,defences=noise'].undefendedLabel).toBe('seed=2,defences=none');
  expect(study.rows['seed=2,defences=noise'].classifiers.logistic.accuracyLossVsUndefended.estimate).toBe(0);
  expect(defenceStudy([variant('alpha=0', { alpha: 0 }, {}, undefendedPredictions), variant('alpha=1', { alpha: 1 }, {}, defendedPredictions)])).toBeNull();
});

test('a receiver defence against poisoning: paired with its twin, and judged on the rise it cuts (difference in differences)', () => {
  // Honest runs predict y itself; the undefended receiver of the poisoned run predicts s (DP gap 1); the defended one
  // predicts y again (the whole rise cut), another defended one keeps predicting s (nothing cut).
  const honest = { method: 'greedy-mi', alpha: 0 };
  const poisoned = { method: 'greedy-mi', alpha: 0.5 };
  const study = defenceStudy([
    variant('poisoning=honest,defences=none', { 'sharer.poisoning': honest, 'receiver.defences': [] }, {}, yTrue, honest),
    variant('poisoning=honest,defences=rw', { 'sharer.poisoning': honest, 'receiver.defences': [{ kind: 'reweighing' }] }, { receiver: ['reweighing'] }, yTrue, honest),
    variant('poisoning=p,defences=none', { 'sharer.poisoning': poisoned, 'receiver.defences': [] }, {}, s, poisoned),
    variant('poisoning=p,defences=rw', { 'sharer.poisoning': poisoned, 'receiver.defences': [{ kind: 'reweighing' }] }, { receiver: ['reweighing'] }, yTrue, poisoned),
    variant('poisoning=p,defences=idle', { 'sharer.poisoning': poisoned, 'receiver.defences': [{ kind: 'idle' }] }, { receiver: ['idle'] }, s, poisoned),
  ])!;
  expect(Object.keys(study.rows)).toEqual(['poisoning=honest,defences=rw', 'poisoning=p,defences=rw', 'poisoning=p,defences=idle']);
  expect(study.rows['poisoning=p,defences=rw'].undefendedLabel).toBe('poisoning=p,defences=none');
  expect(study.rows['poisoning=p,defences=rw'].defences).toEqual({ sharer: [], broker: [], receiver: ['reweighing'] });
  // The honest row has no poisoning to judge against; the price on the honest run is its classifiers' delta (0 here).
  expect(study.rows['poisoning=honest,defences=rw'].againstPoisoning).toBeUndefined();
  expect(study.rows['poisoning=honest,defences=rw'].classifiers.logistic.accuracyLossVsUndefended).toEqual({ estimate: 0, low: 0, high: 0 });
  const cut = study.rows['poisoning=p,defences=rw'].againstPoisoning!.logistic;
  expect(cut.honestDefendedLabel).toBe('poisoning=honest,defences=rw');
  expect(cut.honestUndefendedLabel).toBe('poisoning=honest,defences=none');
  // Predicting s has DP gap 1; predicting y has the test split's own label gap.
  const rate = (g: number) => yTrue.filter((y, i) => s[i] === g && y === 1).length / s.filter((v) => v === g).length;
  expect(cut.dpGapRiseUndefended.estimate).toBeCloseTo(1 - Math.abs(rate(1) - rate(0)), 12);
  expect(cut.dpGapRiseDefended).toEqual({ estimate: 0, low: 0, high: 0 });
  expect(cut.riseCut).toEqual({ estimate: 1, low: 1, high: 1 });
  // The defence gains what predicting s lost: accuracy cost = acc(s) − 1 − (1 − 1).
  const accuracyOfS = yTrue.filter((y, i) => y === s[i]).length / N;
  expect(cut.accuracyCostBeyondHonest.estimate).toBeCloseTo(accuracyOfS - 1, 12);
  // The honest counterpart with the same defences is matched by defence ids: none for 'idle', so no judgement.
  expect(study.rows['poisoning=p,defences=idle'].againstPoisoning).toBeUndefined();
});
