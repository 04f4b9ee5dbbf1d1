/**
 * The broker's built-in moves, one line each (docs/moves.md): links of its chain between meter and forward
 * (broker/chain.ts). None ships yet: the platform's defences (output noise, timestep floors, caps) are the next issue's.
 * Moves that do not ship with sharebox come through SHAREBOX_MOVES (shared/moves/plugins.ts).
 */
import type { AnyMove } from '../../shared/moves/move';

export const BROKER_MOVES: readonly AnyMove[] = [];
