/**
 * What the receiver hands each of its moves when it runs it (shared/moves/move.ts has the contract): the broker
 * client, which holds only the granted services, what Describe said, the move's position and the receiver's seed,
 * the membership challenge when the scenario plays the game, and the receiver's own datasets. Nothing else of the
 * run reaches a move.
 */
import { columnIndex, type Table } from '../../shared/data/table';
import type { Move, MoveEvidence, CostView, GenerationView } from '../../shared/moves/move';
import type { RefereeTruth } from '../../shared/moves/truth';
import type { Scenario } from '../../shared/scenario/schema';
import { Rng, deriveSeed } from '../../shared/random';
import type { BrokerClient, BrokerDescription } from '../brokerClient';
import { drawSynthetic, planDraw } from '../draw';
import type { ReceiverRuntimeConfig } from '../config';
import type { TrainingPlan } from '../../shared/evaluation/downstream';

export interface ReceiverMoveContext {
  broker: BrokerClient;
  description: BrokerDescription;
  /** The receiver's seed (each move derives its own from it and its index). */
  seed: number;
  /** The move's index in receiver.attacks. */
  index: number;
  /** The membership game's challenge records (unlabelled), or null without a game. */
  challenge: Table | null;
  /** The receiver's own datasets by name (aux data), with their seeds. */
  attackData: ReceiverRuntimeConfig['attackData'];
  /** Progress of a draw, for the runner's progress bar. */
  onProgress: (received: number, total: number) => void;
  /** One line for the run's log. */
  say: (message: string) => void;
}

/** A receiver move: run by the receiver, scored by the referee on what it knows (every receiver move has a scorer). */
export type ReceiverMove<Config, Evidence extends MoveEvidence> = Move<Config, Evidence, ReceiverMoveContext, RefereeTruth, Scenario> & {
  party: 'receiver';
  score: NonNullable<Move<Config, Evidence, ReceiverMoveContext, RefereeTruth, Scenario>['score']>;
};

/**
 * What the receiver hands each of its defences (receiver.defences), in list order, once it has drawn its synthetic
 * records and before it trains its classifiers: the records, the task, the broker's description, its own datasets
 * (a trusted reference split, aux data) and the move's own seed. A defence protects the receiver from a poisoning
 * sharer (docs/fairness-defences.md); it may query the broker too (an audit that draws more), within the budget its
 * `cost` declares.
 */
export interface ReceiverDefenceContext {
  synthetic: Table;
  task: ReceiverRuntimeConfig['task'];
  broker: BrokerClient;
  description: BrokerDescription;
  attackData: ReceiverRuntimeConfig['attackData'];
  /** The move's index in receiver.defences. */
  index: number;
  /** The move's own seed, derived from the receiver's seed and its index. */
  seed: number;
  say: (message: string) => void;
}

/**
 * What a defence returns: how the receiver trains its classifiers on the synthetic records (shared/evaluation/
 * downstream.ts TrainingPlan: per-record weights, or a fit of its own; at most one defence may fit, and weights of
 * several defences multiply), and its evidence for the referee (an audit's flag and p-value, the weights' summary).
 */
export interface ReceiverDefenceResult {
  plan?: TrainingPlan;
  /**
   * Its evidence; a defence that draws or queries says how much in `samplesDrawn` / `queryUnits`, as a move's evidence
   * does. The receiver returns it after its classifiers are trained, so a plan's fit may add what it measured while
   * training to an object it holds inside the evidence (fair-reduction's `fits`, one entry per classifier kind).
   */
  evidence: Record<string, unknown>;
}

/** The evidence the receiver returns for each defence: its result's evidence, with the move's id and index. */
export type ReceiverDefenceEvidence = { kind: string; index: number } & Record<string, unknown>;

/** A defence of the receiver (listed in `receiver.defences`), scored by the referee on what it knows. */
export type ReceiverDefenceMove<Config> = Move<Config, ReceiverDefenceEvidence, ReceiverDefenceContext, RefereeTruth, Scenario, ReceiverDefenceResult> & {
  party: 'receiver';
  slot: 'defences';
};

/** The challenge set a game move works on; throws naming the move when the receiver was handed none. */
export function challengeOf(ctx: ReceiverMoveContext, id: string): Table {
  if (!ctx.challenge) {
    throw new Error(`receiver.attacks[${ctx.index}] (${id}): no membership challenge set was handed to the receiver (the scenario needs a \`membership\` section)`);
  }
  return ctx.challenge;
}

/**
 * `count` records drawn through the broker in the class shares it reports, shuffled: drawSynthetic returns them class
 * by class, and a move that uses the first n must see the class shares of all of them.
 */
export async function drawShuffled(ctx: ReceiverMoveContext, count: number, seed: number): Promise<{ table: Table; budgetSamplesLeft: number }> {
  const plan = planDraw(count, ctx.description.classes, 'match');
  const drawn = await drawSynthetic(ctx.broker, ctx.description, plan, deriveSeed(seed, 'draw'), ctx.onProgress);
  const order = new Rng(deriveSeed(seed, 'shuffle')).shuffle(Array.from({ length: drawn.table.rows.length }, (_, i) => i));
  return { table: { schema: drawn.table.schema, rows: order.map((i) => drawn.table.rows[i]) }, budgetSamplesLeft: drawn.budgetSamplesLeft };
}

/**
 * The sampler's steps and the number of distinct classes among the challenge records (their label column): what
 * the trajectory attack's cost depends on besides T. Null without a sampler schedule (no gray-/white-box grant).
 */
export function generationView(description: BrokerDescription, challenge: Table | null): GenerationView | null {
  const samplerTimesteps = description.schedule?.samplerTimesteps;
  if (!samplerTimesteps || samplerTimesteps.length === 0 || !challenge) return null;
  const label = columnIndex(challenge.schema, description.classes.column);
  return { samplerTimesteps, classes: new Set(challenge.rows.map((r) => r[label])).size };
}

/** What the moves' costs depend on, as the receiver knows it from Describe and its challenge set. */
export function costView(description: BrokerDescription, challenge: Table | null): CostView {
  return { challenge: challenge?.rows.length ?? 0, T: description.schedule?.timesteps ?? null, generation: generationView(description, challenge) };
}
