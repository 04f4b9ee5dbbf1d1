/**
 * The receiver process: sees only the broker. Draws a synthetic training set, trains downstream classifiers
 * on it, and measures them on its own real test split.
 */
import * as grpc from '@grpc/grpc-js';
import { runParty, type Party, type Emit } from '../shared/party/runtime';
import { initBackend } from '../shared/tf';
import { receiverTestSplit } from '../shared/evaluation/testSplit';
import { parseReceiverRuntimeConfig, type ReceiverRuntimeConfig } from './config';
import { BrokerClient } from './brokerClient';
import type { Transport } from '../shared/grpc/transport';
import { drawSynthetic, planDraw } from './draw';
import { trainAndEvaluate, type DownstreamResult } from '../shared/evaluation/downstream';
import { registerMoves, resolveMoves, type ResolvedMove } from '../shared/moves/registry';
import { loadMovePlugins } from '../shared/moves/plugins';
import type { MoveEvidence } from '../shared/moves/move';
import { costView, type ReceiverDefenceEvidence, type ReceiverDefenceMove, type ReceiverMoveContext } from './moves/context';
import type { TrainingPlan } from '../shared/evaluation/downstream';
import type { BrokerDescription } from './brokerClient';
import { deriveSeed } from '../shared/random';
import { RECEIVER_MOVES } from './moves';
import type { Table } from '../shared/data/table';
import { imageSummaryTable } from '../shared/data/imageTable';
import { imagesPerClass } from '../shared/data/sampleGrid';

/** Budget units a defence's evidence says it spent (records drawn and queries), as an attack's evidence does. */
function unitsSpent(evidence: object): number {
  const { samplesDrawn, queryUnits } = evidence as { samplesDrawn?: unknown; queryUnits?: unknown };
  return (typeof samplesDrawn === 'number' ? samplesDrawn : 0) + (typeof queryUnits === 'number' ? queryUnits : 0);
}

/**
 * Runs receiver.defences in list order on the synthetic records: their training plans combined (weights multiply; at
 * most one defence fits the classifiers itself) and each one's evidence.
 */
async function runDefences(
  config: ReceiverRuntimeConfig,
  listed: readonly ResolvedMove[],
  synthetic: Table,
  broker: BrokerClient,
  description: BrokerDescription,
  emit: Emit,
): Promise<{ plan: TrainingPlan | undefined; defences: ReceiverDefenceEvidence[] }> {
  let weights: Float64Array | undefined;
  let fit: TrainingPlan['fit'];
  let fitBy = '';
  const defences: ReceiverDefenceEvidence[] = [];
  for (const { move: resolved, config: moveConfig, index, where } of listed) {
    const move = resolved as ReceiverDefenceMove<unknown>;
    const stage = `defence:${move.id}`;
    const result = await move.run(moveConfig, {
      synthetic,
      task: config.task,
      broker,
      description,
      attackData: config.attackData,
      index,
      seed: deriveSeed(config.seed, `defences/${index}`),
      say: (message) => emit({ stage, current: 1, total: 1, message, level: 'info' }),
    });
    const next = result.plan;
    if (next?.sampleWeights) weights = weights ? weights.map((w, i) => w * next.sampleWeights![i]) : next.sampleWeights;
    if (next?.fit) {
      if (fit) throw new Error(`${where} (${move.id}): a second defence that fits the classifiers itself (${fitBy} does); list one`);
      fit = next.fit;
      fitBy = `${where} (${move.id})`;
    }
    // A defence that fits the classifiers itself chooses every weight of its own fits (a reduction's costs), so
    // weights from another defence would be dropped without a word: refuse the pair instead.
    if (fit && weights) {
      const weighting = next?.sampleWeights ? `${where} (${move.id})` : 'an earlier defence';
      throw new Error(`${weighting} weighs the records and ${fitBy} fits the classifiers itself, which does not take base weights yet; list one of them`);
    }
    defences.push({ kind: move.id, index, ...result.evidence });
    emit({ stage, current: 1, total: 1, message: 'done', level: 'info' });
  }
  return { plan: fit ? { fit } : weights ? { sampleWeights: weights } : undefined, defences };
}

class Receiver implements Party {
  readonly name = 'receiver' as const;
  private config: ReceiverRuntimeConfig | null = null;
  private broker: BrokerClient | null = null;

  async configure(raw: unknown, transport: Transport): Promise<Record<string, unknown>> {
    registerMoves(RECEIVER_MOVES);
    loadMovePlugins();
    this.config = parseReceiverRuntimeConfig(raw);
    this.broker = new BrokerClient(this.config.brokerAddress, this.config.token, transport);
    return {};
  }

  async start(emit: Emit): Promise<unknown> {
    const config = this.config!;
    const broker = this.broker!;
    const backend = await initBackend();
    const description = await broker.describe();
    emit({
      stage: 'describe',
      current: 0,
      total: 0,
      message: `access ${description.access.join(', ')}; budget ${description.budgetSamplesLeft}/${description.budgetSamplesTotal}`,
      level: 'info',
    });

    // Each move's config as its own type (re-read by the move's schema: it crossed the process boundary).
    const moves = resolveMoves(config.attacks, 'receiver.attacks');
    const challenge = (config.membershipChallenge as Table | undefined) ?? null;
    const gameMove = moves.find(({ move }) => move.requires.membershipGame);
    if (gameMove && !challenge) {
      throw new Error(`receiver.attacks[${gameMove.index}] (${gameMove.move.id}): no membership challenge set was handed to the receiver (the scenario needs a \`membership\` section)`);
    }
    // Check the whole run's budget before drawing anything: the moves draw and query after receiver.draw. One check of
    // the whole spend, naming each part (the loader's check in consistency.ts is the same sum).
    const view = costView(description, challenge);
    // The defences spend too (an audit may draw); they run before the attacks' draws, after the receiver's own.
    const defenceMoves = resolveMoves(config.defences, 'receiver.defences');
    const spenders = [...moves.map((m) => ({ ...m, list: 'attacks' })), ...defenceMoves.map((m) => ({ ...m, list: 'defences' }))];
    const costs = spenders.map(({ move, config: moveConfig }) => move.cost(moveConfig, view));
    const spend = config.draw.samples + costs.reduce((a, c) => a + c, 0);
    if (spend > description.budgetSamplesLeft) {
      const parts = [`receiver.draw.samples (${config.draw.samples})`, ...spenders.map(({ move, index, list }, i) => `receiver.${list}[${index}] (${move.id}) ${costs[i]}`)];
      throw new Error(
        `receiver: ${parts.join(' + ')} need ${spend} units, but broker.budget.samples leaves ` +
          `${description.budgetSamplesLeft} of ${description.budgetSamplesTotal}: raise broker.budget.samples or lower the attacks' spend`,
      );
    }

    const plan = planDraw(config.draw.samples, description.classes, config.draw.classBalance);
    const drawStarted = Date.now();
    const { table: synthetic, budgetSamplesLeft } = await drawSynthetic(broker, description, plan, config.seed, (got, total) =>
      emit({ stage: 'draw', current: got, total, message: 'synthetic records', level: 'progress' }),
    );
    const drawSeconds = (Date.now() - drawStarted) / 1000;

    const syntheticImages = imagesPerClass(synthetic, description.classes.column);
    const test = receiverTestSplit(config);
    // The receiver's defences against a poisoning sharer, on the records it drew, before its classifiers train.
    const { plan: trainingPlan, defences } = await runDefences(config, defenceMoves, synthetic, broker, description, emit);
    const downstream: Record<string, DownstreamResult> = {};
    for (const kind of config.classifiers) {
      downstream[kind] = await trainAndEvaluate(synthetic, test, config.task, kind, {
        ...(trainingPlan ? { plan: trainingPlan } : {}),
        epochs: config.classifierEpochs,
        seed: config.seed,
        onEpoch: (epoch, loss) =>
          emit({ stage: `classifier:${kind}`, current: epoch + 1, total: config.classifierEpochs, message: `loss ${loss.toFixed(4)}`, level: 'progress' }),
      });
    }
    // The moves, in the order the scenario lists them; each returns raw evidence for the referee. The budget left
    // before each move: every move spends exactly what its evidence says (the referee checks it against the audit).
    const evidence: MoveEvidence[] = [];
    let budgetLeft = budgetSamplesLeft - defences.reduce((a, d) => a + unitsSpent(d), 0);
    for (const { move, config: moveConfig, index } of moves) {
      const stage = `attack:${move.id}`;
      emit({ stage, current: 0, total: 1, message: challenge && move.requires.membershipGame ? `${challenge.rows.length} challenge records` : 'started', level: 'info' });
      const ctx: ReceiverMoveContext = {
        broker,
        description,
        seed: config.seed,
        index,
        challenge,
        attackData: config.attackData,
        onProgress: (got, total) => emit({ stage, current: got, total, message: 'synthetic records', level: 'progress' }),
        say: (message) => emit({ stage, current: 1, total: 1, message, level: 'info' }),
      };
      const started = Date.now();
      let result: MoveEvidence;
      try {
        result = await move.run(moveConfig, ctx);
      } catch (err) {
        // A call the platform refuses (a timestep floor, a cap: PERMISSION_DENIED) ends the move, not the run: the
        // refusal is the evidence, and what the move spent before it is read back from the broker's meter.
        if ((err as { code?: number }).code !== grpc.status.PERMISSION_DENIED) throw err;
        const message = (err as { details?: string }).details || (err as Error).message;
        const left = (await broker.describe()).budgetSamplesLeft;
        result = { kind: move.id, index, samplesDrawn: 0, queryUnits: budgetLeft - left, seconds: (Date.now() - started) / 1000, brokerRefusal: message } as MoveEvidence;
        emit({ stage, current: 1, total: 1, message: `refused by the broker: ${message}`, level: 'info' });
      }
      budgetLeft -= unitsSpent(result);
      evidence.push(result);
      emit({ stage, current: 1, total: 1, message: `done in ${result.seconds.toFixed(1)} s`, level: 'info' });
    }
    return {
      backend,
      attacks: evidence,
      describe: { access: description.access, modelKind: description.modelKind, columns: description.schema.columns.map((c) => c.name), classes: description.classes },
      draw: { plan, received: synthetic.rows.length, seconds: drawSeconds, budgetSamplesLeft },
      testRows: test.rows.length,
      testBalanced: config.balanceTest,
      downstream,
      // Each defence's evidence (absent when the scenario lists none, so reports without defences stay as they were).
      ...(defences.length > 0 ? { defences } : {}),
      // The referee compares these with the sharer's real data (marginals); the receiver owns them anyway. Image
      // records go as their attributes and ink mass (not 784 pixels each), plus a few images per class for the grid.
      synthetic: imageSummaryTable(synthetic),
      ...(syntheticImages ? { syntheticImages } : {}),
    };
  }

  async shutdown(): Promise<void> {
    this.broker?.close();
  }
}

if (require.main === module) {
  runParty(new Receiver()).catch((err) => {
    console.error(`[receiver] ${err?.stack ?? err}`);
    process.exit(1);
  });
}
