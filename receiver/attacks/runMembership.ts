/**
 * The receiver's run of the membership-inference attacks and of Carlini extraction on the game's challenge set
 * (docs/mia.md). Each attack holds only the capability its grant gives (a GrayBox or WhiteBox oracle from the
 * broker client, or black-box sampling) and returns raw evidence: one score per challenge record per score
 * name, or, for extraction, its generations. The referee, which alone knows who is a member, scores them.
 */
import { columnIndex, type Table } from '../../shared/data/table';
import { Rng, deriveSeed } from '../../shared/random';
import { attackConfigEntry } from '../../shared/scenario/attackRegistry';
import {
  EXTRACTION_KIND,
  MEMBERSHIP_ATTACK_KINDS,
  attackBudgetCost,
  type ExtractionConfig,
  type GenerationView,
  type LossAttackConfig,
  type NearestSyntheticAttackConfig,
  type PiaAttackConfig,
  type SecmiAttackConfig,
  type TrajectoryAttackConfig,
  type X0ErrorAttackConfig,
} from '../../shared/scenario/attacks/membership';
import type { BrokerClient, BrokerDescription } from '../brokerClient';
import { drawSynthetic, planDraw } from '../draw';
import { lossAttack, nearestSyntheticScores, piaAttack, secmiAttack, trajectoryAttack, x0ErrorAttack, type ScoredAttack } from './membership/scores';

export interface MembershipRunResult {
  kind: string;
  /** Index in receiver.attacks. */
  index: number;
  /** The grants the attack needs (its rung of the access ladder). */
  access: string[];
  /** Synthetic records sampled (black-box attacks); 0 for gray-/white-box queries. */
  samplesDrawn: number;
  /** Budget units spent on gray-/white-box queries (one per denoiser evaluation of one record). */
  queryUnits: number;
  seconds: number;
  /** Score lists by name, one score per challenge record (higher = member); absent for extraction. */
  scores?: Record<string, number[]>;
  details: Record<string, unknown>;
  /** Extraction only: the generations, for the referee to compare with the training set. */
  generations?: Table;
}

export function isGameAttack(kind: string): boolean {
  return (MEMBERSHIP_ATTACK_KINDS as readonly string[]).includes(kind) || kind === EXTRACTION_KIND;
}

/** Budget units all game attacks will spend (checked against the budget before anything is drawn). */
export function gameAttacksCost(attacks: Array<{ kind: string } & Record<string, unknown>>, challenge: number, T: number | null, generation: GenerationView | null = null): number {
  return attacks.filter((a) => isGameAttack(a.kind)).reduce((sum, a) => sum + attackBudgetCost(a, challenge, T, generation), 0);
}

/**
 * The sampler's steps and the number of distinct classes among the challenge records (their label column): what
 * the trajectory attack's cost depends on besides T. Null without a sampler schedule (no gray-/white-box grant).
 */
export function generationView(description: BrokerDescription, challenge: Table): GenerationView | null {
  const samplerTimesteps = description.schedule?.samplerTimesteps;
  if (!samplerTimesteps || samplerTimesteps.length === 0) return null;
  const label = columnIndex(challenge.schema, description.classes.column);
  return { samplerTimesteps, classes: new Set(challenge.rows.map((r) => r[label])).size };
}

export interface MembershipContext {
  broker: BrokerClient;
  description: BrokerDescription;
  /** The receiver's seed. */
  seed: number;
  challenge: Table;
}

async function drawShuffled(ctx: MembershipContext, count: number, seed: number): Promise<Table> {
  const plan = planDraw(count, ctx.description.classes.shares, 'match');
  const drawn = await drawSynthetic(ctx.broker, ctx.description, plan, deriveSeed(seed, 'draw'), () => undefined);
  const order = new Rng(deriveSeed(seed, 'shuffle')).shuffle(Array.from({ length: drawn.table.rows.length }, (_, i) => i));
  return { schema: drawn.table.schema, rows: order.map((i) => drawn.table.rows[i]) };
}

export async function runMembershipAttack(attack: { kind: string } & Record<string, unknown>, index: number, ctx: MembershipContext): Promise<MembershipRunResult> {
  const started = Date.now();
  const seed = deriveSeed(ctx.seed, `membership/${index}`);
  const rows = ctx.challenge.rows;
  const access = [...(attackConfigEntry(attack.kind)?.requiresAccess ?? [])];
  const T = ctx.description.schedule?.timesteps ?? null;
  const generation = generationView(ctx.description, ctx.challenge);
  const base = { kind: attack.kind, index, access };
  let scored: ScoredAttack;
  switch (attack.kind) {
    case 'mia-nearest-synthetic': {
      const c = attack as unknown as NearestSyntheticAttackConfig;
      const synthetic = await drawShuffled(ctx, c.samples, seed);
      scored = nearestSyntheticScores(ctx.challenge, synthetic);
      return { ...base, samplesDrawn: synthetic.rows.length, queryUnits: 0, seconds: (Date.now() - started) / 1000, ...scored };
    }
    case EXTRACTION_KIND: {
      const c = attack as unknown as ExtractionConfig;
      const generations = await drawShuffled(ctx, c.samples, seed);
      return {
        ...base,
        samplesDrawn: generations.rows.length,
        queryUnits: 0,
        seconds: (Date.now() - started) / 1000,
        details: { neighbours: c.neighbours, thresholds: c.thresholds },
        generations,
      };
    }
    case 'mia-loss':
      scored = await lossAttack(ctx.broker.whiteBoxOracle(), rows, attack as unknown as LossAttackConfig, seed);
      break;
    case 'mia-x0-error':
      scored = await x0ErrorAttack(ctx.broker.grayBoxOracle(), rows, attack as unknown as X0ErrorAttackConfig, seed);
      break;
    case 'mia-secmi':
      scored = await secmiAttack(ctx.broker.grayBoxOracle(), rows, attack as unknown as SecmiAttackConfig);
      break;
    case 'mia-pia':
      scored = await piaAttack(ctx.broker.grayBoxOracle(), rows, attack as unknown as PiaAttackConfig);
      break;
    case 'mia-trajectory':
      scored = await trajectoryAttack(ctx.broker.grayBoxOracle(), rows, attack as unknown as TrajectoryAttackConfig, seed);
      break;
    default:
      throw new Error(`receiver.attacks[${index}]: "${attack.kind}" is not a membership attack`);
  }
  return { ...base, samplesDrawn: 0, queryUnits: attackBudgetCost(attack, rows.length, T, generation), seconds: (Date.now() - started) / 1000, ...scored };
}
