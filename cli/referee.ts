/**
 * The referee: the one place that sees every party's result and the scenario's ground truth. It scores the
 * receiver's view against what the sharer really had, and puts every result beside its baseline: the
 * classifier trained on synthetic records beside the same classifier trained on the sharer's real records.
 */
import { loadDataset } from '../shared/data/loadDataset';
import { imageSummaryTable } from '../shared/data/imageTable';
import { imagesPerClass, realVsSyntheticGrid } from '../shared/data/sampleGrid';
import { callsLeftOpen, readAuditTrail, type AuditRecord } from '../broker/audit';
import { trainAndEvaluate } from '../shared/evaluation/downstream';
import { receiverTestSplit } from '../shared/evaluation/testSplit';
import type { ClassifierKind } from '../shared/evaluation/classifiers';
import type { Scenario } from '../shared/scenario';
import { brokerSlice, refereeSlice, sharerSlice, receiverSlice } from '../shared/scenario';
import type { BrokerResult, ReceiverResult, SharerResult } from '../shared/party/results';
import { marginalDistances, type MarginalDistance } from '../shared/metrics/marginals';
import type { JointFidelity } from '../shared/metrics/jointFidelity';
import { jointFidelitySections, type DependenceSection, type DetectionSection } from './jointFidelity';
import { initBackend } from '../shared/tf';
import type { PiaSection } from './studies/pia';
import { completeDecoySections } from './studies/decoy';
import { membershipSection, type MembershipMoveScores, type MembershipSection } from './studies/membership';
import { membershipGame } from '../shared/scenario/membership';
import { sharerTrainingSet } from '../sharer/trainingSet';
import { binaryColumn, dropColumns } from '../shared/data/table';
import { Rng, deriveSeed } from '../shared/random';
import { compareClassifiers, type Interval, type TestPredictions } from '../shared/metrics/fairnessReport';
import { resolveMoves, type ResolvedMove } from '../shared/moves/registry';
import { mergeReportFragments, moveLabels } from '../shared/moves/mergeScores';
import type { RefereeTruth } from '../shared/moves/truth';
import type { MoveEvidence } from '../shared/moves/move';

export interface ClassifierFidelity {
  /** Accuracy on the receiver's real test split of the classifier trained on synthetic records. */
  syntheticAccuracy: number;
  /** The same classifier trained on the records the sharer's model was trained on (the train-on-real baseline). */
  realAccuracy: number;
  /** How many real records that baseline was trained on: the sharer's training set (an FPA variant's N, not its file). */
  realTrainRows: number;
  /** |realAccuracy − syntheticAccuracy|. */
  accuracyGap: number;
  /**
   * realAccuracy − syntheticAccuracy with its paired bootstrap interval (both classifiers scored on the same resampled
   * test records): positive when synthetic data costs accuracy (not FPA's loss against honest).
   */
  accuracyBelowReal: Interval;
  syntheticDpGap: number;
  realDpGap: number;
  real: unknown;
}

export interface FidelitySection {
  [kind: string]: ClassifierFidelity | MarginalsSection | JointFidelity | DependenceSection | DetectionSection | undefined;
  /** Absent for an external receiver, whose draws are its own (docs/external-receiver.md). */
  marginals?: MarginalsSection;
  /** Pairwise dependences, real against synthetic, beside real halves (cli/jointFidelity.ts); absent as marginals, or with < 10 records a side. */
  joint?: JointFidelity;
  /** The records' label DP gap, synthetic against real, with intervals; absent as marginals. */
  dependence?: DependenceSection;
  /** A classifier's AUC telling synthetic from real records, beside chance and real halves; absent as marginals. */
  detection?: DetectionSection;
}

export interface MarginalsSection {
  maxTotalVariation: number;
  meanTotalVariation: number;
  columns: MarginalDistance[];
}

export interface AuditCheck {
  records: number;
  samplesReturned: number;
  refusedCalls: number;
  /** Samples in the audit log equal the samples the receiver says it received. */
  consistentWithReceiver: boolean;
  /** Streaming calls with an open line and no close line: in flight when the broker stopped (0 after a clean run). */
  callsLeftOpen: number;
}

export async function referee(
  scenario: Scenario,
  results: { sharer: SharerResult; broker: BrokerResult; receiver: ReceiverResult },
  onProgress: (message: string) => void,
): Promise<{
  fidelity: FidelitySection;
  audit: AuditCheck;
  pia?: PiaSection;
  membership?: MembershipSection;
  rocFiles?: Record<string, unknown>;
  /** Sections of moves that are not part of a family study (e.g. `moves.<label>`), as their scorers wrote them. */
  moveSections: Record<string, unknown>;
  sampleGrid?: { png: Buffer; rows: string[] };
  /** The test split's truth and every classifier's predictions, for paired comparisons across variants (not reported). */
  testPredictions: TestPredictions;
}> {
  await initBackend();
  const sharerView = sharerSlice(scenario);
  const receiverView = receiverSlice(scenario);
  const seed = refereeSlice(scenario).seed;
  // The records the sharer's model was trained on, with every column (propertyShare applied by loadDataset): the
  // attacks' ground truth and the train-on-real baseline. In a membership game the sharer trained on the members
  // only (the same split the runner drew); a poisoning sharer on its selection, recomputed here by the sharer's own
  // function (sharer/trainingSet.ts), so an FPA variant is scored against the N records it trained on.
  const game = membershipGame(scenario);
  const trainingRecords = game
    ? game.members
    : (await sharerTrainingSet(loadDataset(sharerView.data, sharerView.data.seed), scenario.task, sharerView.poisoning, sharerView.seed)).table;
  const realData = dropColumns(trainingRecords, sharerView.hideColumns);
  // The receiver's exact test records (balanced the same way when receiver.balanceTest is set).
  const test = receiverTestSplit(receiverView);

  const yTrue = Array.from(binaryColumn(test, scenario.task.label, scenario.task.positive));
  const s = Array.from(binaryColumn(test, scenario.task.sensitive, scenario.task.privileged));
  const testPredictions: TestPredictions = { yTrue, s, predictions: {} };
  const fidelity = {} as FidelitySection;
  for (const [kind, summary] of Object.entries(results.receiver.downstream)) {
    if (summary.testPredictions.length !== yTrue.length) {
      throw new Error(`referee: the receiver's ${kind} classifier sent ${summary.testPredictions.length} test predictions for ${yTrue.length} test records`);
    }
    testPredictions.predictions[kind] = summary.testPredictions;
    onProgress(`referee: training the ${kind} train-on-real baseline`);
    const real = await trainAndEvaluate(realData, test, scenario.task, kind as ClassifierKind, {
      epochs: receiverView.classifierEpochs,
      seed,
    });
    const syntheticAccuracy = summary.evaluation.accuracy.estimate;
    const realAccuracy = real.evaluation.accuracy.estimate;
    // Both classifiers predict the same test records: the difference gets a paired interval.
    const realMinusSynthetic = compareClassifiers(yTrue, s, real.testPredictions, summary.testPredictions, new Rng(deriveSeed(seed, `fidelity/${kind}`)));
    fidelity[kind] = {
      syntheticAccuracy,
      realAccuracy,
      realTrainRows: realData.rows.length,
      accuracyGap: Math.abs(realAccuracy - syntheticAccuracy),
      accuracyBelowReal: realMinusSynthetic.accuracy,
      syntheticDpGap: summary.evaluation.dpGap.estimate,
      realDpGap: real.evaluation.dpGap.estimate,
      real: real.evaluation,
    };
  }

  // Image records arrive summarised (attributes and ink mass; shared/data/imageTable.ts): summarise the real ones alike.
  const synthetic = results.receiver.synthetic;
  if (synthetic) {
    const realSummary = imageSummaryTable(realData);
    const columns = marginalDistances(synthetic, realSummary);
    fidelity.marginals = {
      maxTotalVariation: Math.max(...columns.map((c) => c.totalVariation)),
      meanTotalVariation: columns.reduce((a, c) => a + c.totalVariation, 0) / Math.max(1, columns.length),
      columns,
    };
    Object.assign(fidelity, (await jointFidelitySections(synthetic, realSummary, scenario.task, seed, onProgress)) ?? {});
  }

  const trail = readAuditTrail(results.broker.auditLog);
  // One close line per call (broker/audit.ts); open lines only pair with them.
  const records = trail.filter((line): line is AuditRecord => line.phase !== 'open');
  const samplesReturned = records.filter((r) => r.status === 'OK').reduce((a, r) => a + r.samplesReturned, 0);
  const audit: AuditCheck = {
    records: records.length,
    samplesReturned,
    refusedCalls: records.filter((r) => r.status !== 'OK').length,
    // Units: a sampled record, or a gray-/white-box denoiser evaluation of one record (queryUnits).
    consistentWithReceiver:
      samplesReturned ===
      results.receiver.draw.received +
      [...(results.receiver.attacks ?? []), ...(results.receiver.defences ?? [])].reduce(
        (a, r) => a + ((r.samplesDrawn as number | undefined) ?? 0) + ((r.queryUnits as number | undefined) ?? 0),
        0,
      ),
    callsLeftOpen: callsLeftOpen(trail).length,
  };
  // Every move the sharer, the broker and the receiver ran, scored by its own scorer on what the referee knows.
  const truth: RefereeTruth = { seed, trainingRecords, game, hideColumns: sharerView.hideColumns, receiverDatasets: receiverView.attackData };
  // Each party's list as the scenario gave it, paired with the evidence its party returned for each entry.
  const withEvidence = (evidence: ReadonlyArray<{ kind: string; index: number }> | undefined, listed: ResolvedMove[]) =>
    (evidence ?? []).map((e) => {
      const entry = listed[e.index];
      if (!entry || entry.move.id !== e.kind) throw new Error(`referee: evidence of ${e.kind} at index ${e.index} matches no move the scenario lists there`);
      return { ...entry, evidence: e };
    });
  const ran = [
    ...withEvidence(results.sharer.defences, resolveMoves(sharerView.defences, 'sharer.defences')),
    ...withEvidence(results.broker.defences, resolveMoves(brokerSlice(scenario).defences, 'broker.defences')),
    ...withEvidence(results.receiver.attacks, resolveMoves(receiverView.attacks, 'receiver.attacks')),
    ...withEvidence(results.receiver.defences, resolveMoves(receiverView.defences, 'receiver.defences')),
  ];
  const labels = moveLabels(ran.map(({ move, evidence: e }) => ({ id: move.id, reportName: move.reportName, index: e.index })));
  const scored: Record<string, unknown> = {};
  const rocFiles: Record<string, unknown> = {};
  if (ran.length > 0) onProgress('referee: scoring the moves');
  ran.forEach(({ move, evidence, config }, i) => {
    // A move the broker refused stopped at the refusal: there is nothing to score, and the refusal is the result.
    const refusal = (evidence as MoveEvidence).brokerRefusal;
    if (refusal !== undefined) {
      mergeReportFragments(scored, { refused: { [labels[i]]: { kind: move.id, refused: 1, message: refusal } } });
      return;
    }
    // A move scored only across variants (fairness poisoning) has no scorer of its own.
    if (!move.score) return;
    const { report, files } = move.score(evidence, config, truth, labels[i]);
    mergeReportFragments(scored, report);
    Object.assign(rocFiles, files ?? {});
  });
  // A property decoy: how far the property-inference estimates followed its p₀ (cli/studies/decoy.ts).
  completeDecoySections(scored, ran.map(({ move, evidence }, i) => ({ id: move.id, evidence, label: labels[i] })));
  const receiverMoves = ran.map((r, i) => ({ ...r, label: labels[i] })).filter((r) => r.move.party === 'receiver');
  const { pia, membership: membershipScores, ...otherSections } = scored as { pia?: PiaSection; membership?: MembershipMoveScores } & Record<string, unknown>;
  let membership: { section: MembershipSection; files: Record<string, unknown> } | null = null;
  if (game) {
    const scoreLists = receiverMoves.map(({ evidence: e, label }) => ({ label, scores: (e as { scores?: Record<string, number[]> }).scores }));
    membership = membershipSection(game, membershipScores ?? {}, scoreLists, rocFiles);
    Object.assign(rocFiles, membership.files);
  }
  // Image models: real beside synthetic images per class, as a PNG for the run directory.
  const realImages = results.receiver.syntheticImages ? imagesPerClass(realData, scenario.task.label) : null;
  const sampleGrid = realImages && results.receiver.syntheticImages ? realVsSyntheticGrid(realImages, results.receiver.syntheticImages) : null;
  return {
    fidelity,
    audit,
    ...(pia ? { pia } : {}),
    ...(membership ? { membership: membership.section } : {}),
    ...(Object.keys(rocFiles).length > 0 ? { rocFiles } : {}),
    moveSections: otherSections,
    ...(sampleGrid ? { sampleGrid } : {}),
    testPredictions,
  };
}
