/**
 * The registry of moves (docs/moves.md): one map from id to move. The scenario schema looks a move up by its id when
 * it parses `receiver.attacks[i].kind` (so registrations made after this module loads count), the loader asks it
 * what each move requires and costs, the parties run the moves it holds and the referee scores them. No other list
 * of moves exists, and no code switches on a move's id.
 *
 * The registry starts empty: `shared/` imports no party. The built-in moves are each party's list
 * (`receiver/moves/index.ts`, …), registered by the runner (`cli/moves.ts`) and by each party for its own; a test
 * registers a move of its own with `registerMove` and removes it with `unregisterMove`.
 */
import { z } from 'zod';
import type { AnyMove, MoveParty } from './move';

const MOVE_ID_PATTERN = /^[a-z][a-z0-9-]*$/;

const registry = new Map<string, AnyMove>();

/**
 * Registers a move. Throws on a duplicate id, a malformed id, or a config schema that is not a strict object
 * without `kind` (programming errors, not scenario errors).
 */
export function registerMove(move: AnyMove): void {
  if (!MOVE_ID_PATTERN.test(move.id)) throw new Error(`move id "${move.id}" must match ${MOVE_ID_PATTERN}`);
  if (registry.has(move.id)) throw new Error(`move "${move.id}" is already registered`);
  const def = (move.configSchema as z.ZodType)._zod.def as { type: string; shape?: Record<string, unknown>; catchall?: z.ZodType };
  if (def.type !== 'object') throw new Error(`move "${move.id}": configSchema must be a z.strictObject`);
  if (def.shape && 'kind' in def.shape) throw new Error(`move "${move.id}": configSchema must not declare \`kind\` (the registry adds it)`);
  if (!def.catchall || def.catchall._zod.def.type !== 'never') {
    throw new Error(`move "${move.id}": configSchema must be a z.strictObject so unknown fields are errors`);
  }
  registry.set(move.id, move);
}

/** Registers each move of a list that is not registered yet (the same object): a party's built-ins, idempotently. */
export function registerMoves(moves: readonly AnyMove[]): void {
  for (const move of moves) {
    const known = registry.get(move.id);
    if (known === move) continue;
    registerMove(move);
  }
}

/** Removes a registered move (for tests that register their own). Returns whether it was registered. */
export function unregisterMove(id: string): boolean {
  return registry.delete(id);
}

export function moveById(id: string): AnyMove | undefined {
  return registry.get(id);
}

/** The move of a parsed config, or a thrown error naming where it was listed (a config reaches here only after parsing). */
export function moveOf(config: { kind: string }, where: string): AnyMove {
  const move = registry.get(config.kind);
  if (!move) throw new Error(`${where}: "${config.kind}" is not a registered move (${expectedKinds(undefined)})`);
  return move;
}

/**
 * Registered ids of a party's moves in one of its lists, sorted, for messages and docs: those of `slot`, or those
 * without a slot when none is given (the receiver's attacks, the broker's defences); every move when no party is given.
 */
export function registeredMoveIds(party?: MoveParty, slot?: string): string[] {
  return [...registry.values()]
    .filter((m) => party === undefined || (m.party === party && m.slot === slot))
    .map((m) => m.id)
    .sort();
}

/** Registered ids of the evidence kinds an external receiver submits (requires.externalReceiver), sorted. */
export function externalMoveIds(): string[] {
  return [...registry.values()].filter((m) => m.requires.externalReceiver).map((m) => m.id).sort();
}

function expectedKinds(party: MoveParty | undefined, slot?: string): string {
  const ids = registeredMoveIds(party, slot);
  return ids.length === 0 ? `no ${party ?? ''} moves are registered`.replace('  ', ' ') : `expected one of ${ids.join(' | ')}`;
}

/** A parsed move config: its kind plus the fields its move's `configSchema` produced. */
export type MoveConfig = { kind: string } & Record<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The schema of one element of a party's list of moves (`receiver.attacks`): dispatches on `kind` to the registered
 * move's schema at parse time. Issues from the move's schema keep their paths, prefixed by the element's path.
 */
export function moveConfigSchema(party: MoveParty, slot?: string): z.ZodType<MoveConfig, unknown> {
  return z.unknown().transform((raw, ctx): MoveConfig => {
    if (!isPlainObject(raw)) {
      ctx.addIssue({ code: 'invalid_type', expected: 'object', input: raw, message: `expected a ${party} move config` });
      return z.NEVER;
    }
    const { kind, ...fields } = raw;
    if (typeof kind !== 'string') {
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        input: kind,
        message: kind === undefined ? `required field is missing (${expectedKinds(party, slot)})` : `expected a move id (${expectedKinds(party, slot)})`,
      });
      return z.NEVER;
    }
    const move = registry.get(kind);
    if (!move || move.party !== party || move.slot !== slot) {
      const other = !move ? '' : move.party !== party ? `: "${kind}" is a ${move.party} move` : `: "${kind}" belongs in ${move.slot ? `the ${move.slot} slot` : 'another list'}`;
      ctx.addIssue({ code: 'custom', path: ['kind'], input: kind, message: `unknown ${party} move${other} (${expectedKinds(party, slot)})` });
      return z.NEVER;
    }
    const parsed = (move.configSchema as z.ZodType).safeParse(fields, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
      return z.NEVER;
    }
    return { kind, ...(parsed.data as Record<string, unknown>) };
  });
}

/** One entry of a party's list of moves, resolved: the move, its config as the move's own type, where it was listed. */
export interface ResolvedMove {
  move: AnyMove;
  config: unknown;
  index: number;
  /** e.g. "receiver.attacks[2]", for messages. */
  where: string;
}

/**
 * A list of move configs (receiver.attacks, broker.defences, sharer.defences) as registered moves with their configs
 * parsed again by each move's schema, in order: what every party does with its list, and the referee with each.
 */
export function resolveMoves(list: readonly MoveConfig[], listName: string): ResolvedMove[] {
  return list.map((raw, index) => {
    const where = `${listName}[${index}]`;
    const move = moveOf(raw, where);
    return { move, config: parseMoveConfig(move, raw, where), index, where };
  });
}

/** A config as its move's own type: parsed again by the move's schema (a party re-reads what crossed the process boundary). */
export function parseMoveConfig<Config>(move: { id: string; configSchema: z.ZodType<Config> }, raw: MoveConfig, where: string): Config {
  const { kind: _kind, ...fields } = raw;
  const parsed = move.configSchema.safeParse(fields);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`${where} (${move.id}): ${[...first.path].join('.') || 'config'}: ${first.message}`);
  }
  return parsed.data;
}
