/** What a registered move costs for a config as a scenario would write it (defaults applied by the move's schema). */
import { moveById, parseMoveConfig } from '../../shared/moves/registry';
import type { GenerationView } from '../../shared/moves/move';

export function moveCost(config: { kind: string } & Record<string, unknown>, challenge: number, T: number | null, generation: GenerationView | null = null): number {
  const move = moveById(config.kind);
  if (!move) throw new Error(`moveCost: no move "${config.kind}" is registered`);
  return move.cost(parseMoveConfig(move, config, 'test'), { challenge, T, generation });
}
