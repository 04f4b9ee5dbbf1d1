/**
 * Moves that do not ship with sharebox (docs/moves.md, "A move of your own"): `SHAREBOX_MOVES` names modules, separated
 * like PATH entries, each exporting `moves`, an array of moves. The runner and every party load them at start, so a
 * plugin move is parsed, run and scored like a built-in one. The parties inherit the runner's environment, so one
 * variable reaches all of them. A module that cannot be loaded, or that exports no `moves`, fails the run loudly.
 */
import * as path from 'path';
import type { AnyMove } from './move';
import { registerMoves } from './registry';

export const MOVE_PLUGINS_ENV = 'SHAREBOX_MOVES';

/** Registers the moves of every module `SHAREBOX_MOVES` names; returns the modules' absolute paths. */
export function loadMovePlugins(env: NodeJS.ProcessEnv = process.env): string[] {
  const spec = env[MOVE_PLUGINS_ENV];
  if (!spec) return [];
  const files = spec.split(path.delimiter).filter((f) => f.trim() !== '').map((f) => path.resolve(f));
  for (const file of files) {
    let exported: { moves?: unknown };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exported = require(file);
    } catch (err) {
      throw new Error(`${MOVE_PLUGINS_ENV}: cannot load ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (!Array.isArray(exported.moves)) throw new Error(`${MOVE_PLUGINS_ENV}: ${file} exports no \`moves\` array (expected \`export const moves = [ ... ]\`)`);
    registerMoves(exported.moves as AnyMove[]);
  }
  return files;
}
