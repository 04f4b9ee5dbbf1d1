/**
 * What the broker hands its moves (shared/moves/move.ts has the contract): the broker's seed and the move's position.
 * A broker move's `run` returns its link in the chain (broker/chain.ts ChainLink), which stays in place for the whole
 * run; its evidence is what the link reports at the end (`report()`), scored by the referee like any other move's.
 */
import type { Move } from '../../shared/moves/move';
import type { RefereeTruth } from '../../shared/moves/truth';
import type { Scenario } from '../../shared/scenario/schema';
import type { ChainLink } from '../chain';

export interface BrokerMoveContext {
  /** The broker's seed (a move that draws noise derives its own from it and its index). */
  seed: number;
  /** The move's index in broker.defences. */
  index: number;
  /** The grants in force (broker.access): a link that acts on some RPCs knows which of them can be called. */
  access: readonly string[];
}

/** What the broker returns for each of its moves: the link's report, with the move's id and index. */
export type BrokerMoveEvidence = { kind: string; index: number } & Record<string, unknown>;

/** A broker move: run by the broker as a link of its chain, scored by the referee on the link's report. */
export type BrokerMove<Config> = Move<Config, BrokerMoveEvidence, BrokerMoveContext, RefereeTruth, Scenario, ChainLink> & { party: 'broker' };
