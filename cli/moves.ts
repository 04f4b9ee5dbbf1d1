/**
 * Every built-in move, registered for the runner (docs/moves.md): the runner parses the whole scenario, so it knows
 * every party's moves; each party registers only its own list (and the plugins). A new move is one line in its
 * party's list.
 */
import { registerMoves } from '../shared/moves/registry';
import { loadMovePlugins } from '../shared/moves/plugins';
import { RECEIVER_MOVES } from '../receiver/moves';
import { SHARER_MOVES } from '../sharer/moves';
import { BROKER_MOVES } from '../broker/moves';

/** The built-in moves, then the plugins `SHAREBOX_MOVES` names (shared/moves/plugins.ts). Idempotent. */
export function registerBuiltInMoves(): void {
  registerMoves(SHARER_MOVES);
  registerMoves(RECEIVER_MOVES);
  registerMoves(BROKER_MOVES);
  loadMovePlugins();
}
