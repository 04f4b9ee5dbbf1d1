/**
 * The sharer's built-in moves, one line each (docs/moves.md): the fairness-poisoning methods `sharer.poisoning.method`
 * names, and the defences `sharer.defences` lists. The registry (shared/moves/registry.ts) makes them known to the scenario format.
 */
import type { AnyMove } from '../../shared/moves/move';
import { greedyMi } from './greedy-mi';
import { labelFlipping } from './label-flipping';
import { dpTraining } from './dp-training';
import { deduplicate } from './deduplicate';
import { nnRejection } from './nn-rejection';
import { propertyDecoyMove } from './property-decoy';

export const SHARER_MOVES: readonly AnyMove[] = [
  // Poisoning methods (sharer.poisoning.method).
  greedyMi,
  labelFlipping,
  // Defences (sharer.defences).
  dpTraining,
  deduplicate,
  nnRejection,
  propertyDecoyMove,
];
