/**
 * The sharer's built-in moves, one line each (docs/moves.md): the fairness-poisoning methods `sharer.poisoning.method`
 * names. The registry (shared/moves/registry.ts) makes them known to the scenario format.
 */
import type { AnyMove } from '../../shared/moves/move';
import { greedyMi } from './greedy-mi';
import { labelFlipping } from './label-flipping';

export const SHARER_MOVES: readonly AnyMove[] = [greedyMi, labelFlipping];
