/**
 * What every membership move returns, and the run they share (docs/mia.md). Each attack holds only the capability
 * its grant gives (a GrayBox or WhiteBox oracle from the broker client, or black-box sampling) and returns raw
 * evidence: one score per challenge record per score name, or, for extraction, its generations. The referee, which
 * alone knows who is a member, scores them (score.ts).
 */
import type { Table } from '../../../shared/data/table';
import { deriveSeed } from '../../../shared/random';
import type { MoveEvidence } from '../../../shared/moves/move';
import { challengeOf, costView, drawShuffled, type ReceiverMoveContext } from '../context';
import type { ScoredAttack } from './scores';

export interface MembershipEvidence extends MoveEvidence {
  /** The grants the attack needs (its rung of the access ladder). */
  access: string[];
  /** Budget units spent on gray-/white-box queries (one per denoiser evaluation of one record); 0 for black-box attacks. */
  queryUnits: number;
  /** Score lists by name, one score per challenge record (higher = member); absent for extraction. */
  scores?: Record<string, number[]>;
  details: Record<string, unknown>;
  /** Extraction only: the generations, for the referee to compare with the training set. */
  generations?: Table;
}

/** The seed of the membership move at `index` (its draws and its noise derive from it). */
export function membershipSeed(ctx: ReceiverMoveContext): number {
  return deriveSeed(ctx.seed, `membership/${ctx.index}`);
}

/**
 * A gray- or white-box score family: `attack` queries the oracle its grant gives on the challenge records; the units
 * it spends are the move's own cost, which the broker metered.
 */
export async function runQueryAttack<Config>(
  move: { id: string; requires: { access: readonly string[] }; cost(config: Config, view: ReturnType<typeof costView>): number },
  config: Config,
  ctx: ReceiverMoveContext,
  attack: (rows: number[][], seed: number) => Promise<ScoredAttack>,
): Promise<MembershipEvidence> {
  const started = Date.now();
  const challenge = challengeOf(ctx, move.id);
  const scored = withheldAsLowest(await attack(challenge.rows, membershipSeed(ctx)));
  return {
    kind: move.id,
    index: ctx.index,
    access: [...move.requires.access],
    samplesDrawn: 0,
    queryUnits: move.cost(config, costView(ctx.description, challenge)),
    seconds: (Date.now() - started) / 1000,
    ...scored,
  };
}

/**
 * A score that came out NaN because the sharer withheld some of the answers it was computed from (a nearest-neighbour-
 * rejecting sharer returns withheld x̂₀ rows as NaN: docs/privacy.md) becomes the lowest finite number: the attacker
 * who does not know about refusals reads a withheld answer as no evidence of membership, the least member-like score.
 * Not −Infinity: evidence crosses to the referee as JSON, which writes ±Infinity as null. The count goes in the
 * details. Without withheld answers (every sharer without a release guard) nothing changes.
 */
export const WITHHELD_SCORE = -Number.MAX_VALUE;

function withheldAsLowest(scored: ScoredAttack): ScoredAttack {
  let withheld = 0;
  const scores: Record<string, number[]> = {};
  for (const [name, values] of Object.entries(scored.scores)) {
    scores[name] = values.map((v) => (Number.isNaN(v) ? (withheld++, WITHHELD_SCORE) : v));
  }
  return withheld === 0 ? scored : { scores, details: { ...scored.details, scoresFromWithheldAnswers: withheld } };
}

/**
 * A black-box membership move: `count` records drawn through the broker (shuffled, seeded by the move), then what it
 * makes of them beside the challenge: scores, or the generations themselves for the referee (extraction).
 */
export async function runDrawingAttack(
  move: { id: string; requires: { access: readonly string[] } },
  count: number,
  ctx: ReceiverMoveContext,
  finish: (drawn: Table, challenge: Table) => Pick<MembershipEvidence, 'details' | 'scores' | 'generations'>,
): Promise<MembershipEvidence> {
  const started = Date.now();
  const challenge = challengeOf(ctx, move.id);
  const { table: drawn } = await drawShuffled(ctx, count, membershipSeed(ctx));
  return {
    kind: move.id,
    index: ctx.index,
    access: [...move.requires.access],
    samplesDrawn: drawn.rows.length,
    queryUnits: 0,
    seconds: (Date.now() - started) / 1000,
    ...finish(drawn, challenge),
  };
}
