/**
 * The membership game (docs/mia.md): the runner draws N members and M non-members i.i.d. (uniformly without
 * replacement) from ONE pool, the sharer's dataset, with a seed derived from the scenario seed; the sharer
 * trains on the members only; the receiver gets the challenge set (members and non-members shuffled together,
 * unlabelled, in the shared columns); the referee scores the receiver's scores against `isMember`.
 * Deterministic: the runner and the referee each call `membershipGame` and get the same split.
 * Non-members from another distribution would measure distribution shift, not membership
 * (../shared/papers/mia-s2l.md §3.4), hence one pool.
 */
import { loadDataset } from '../data/loadDataset';
import { dropColumns, selectRows, type Table } from '../data/table';
import { Rng, deriveSeed } from '../random';
import type { Scenario } from './schema';
import { sharedHiddenColumns } from './slices';

export interface MembershipGame {
  /** The pool's dataset name (`sharer.data`). */
  pool: string;
  poolRows: number;
  /** The sharer's training set: every column of the pool (the sharer hides its hideColumns itself). */
  members: Table;
  nonMembers: Table;
  /**
   * Members and non-members shuffled together, in the shared columns (without the sharer's hidden columns, and
   * for an image model without any attribute but the label): what the receiver gets.
   */
  challenge: Table;
  /** Ground truth, by challenge position: known to the referee only. */
  isMember: boolean[];
  /** Index into `members` (or `nonMembers`) of each challenge record. */
  sourceIndex: number[];
}

export function membershipGame(scenario: Scenario): MembershipGame | null {
  const game = scenario.membership;
  if (!game) return null;
  const spec = scenario.datasets[scenario.sharer.data];
  if (!spec) throw new Error(`membership: the pool sharer.data ("${scenario.sharer.data}") is not a declared dataset`);
  const pool = loadDataset(spec, deriveSeed(scenario.seed, `dataset/${scenario.sharer.data}`));
  const wanted = game.members + game.nonMembers;
  if (wanted > pool.rows.length) {
    throw new Error(
      `membership.members + membership.nonMembers: ${game.members} + ${game.nonMembers} = ${wanted} records asked, but the pool ` +
        `(sharer.data "${scenario.sharer.data}") has ${pool.rows.length}`,
    );
  }
  const rng = new Rng(deriveSeed(scenario.seed, 'membership/split'));
  const drawn = rng.sampleIndices(pool.rows.length, wanted);
  const members = selectRows(pool, drawn.slice(0, game.members));
  const nonMembers = selectRows(pool, drawn.slice(game.members));
  const order = new Rng(deriveSeed(scenario.seed, 'membership/challenge')).shuffle(Array.from({ length: wanted }, (_, i) => i));
  const isMember = order.map((i) => i < game.members);
  const sourceIndex = order.map((i) => (i < game.members ? i : i - game.members));
  // The columns the model is served in (slices.ts sharedHiddenColumns): an image model shares the label and pixels only.
  const hidden = sharedHiddenColumns(scenario);
  const shared = (t: Table) => dropColumns(t, hidden);
  const sharedMembers = shared(members);
  const sharedNon = shared(nonMembers);
  const challenge: Table = {
    schema: sharedMembers.schema,
    rows: order.map((i) => (i < game.members ? sharedMembers.rows[i] : sharedNon.rows[i - game.members])),
  };
  return { pool: scenario.sharer.data, poolRows: pool.rows.length, members, nonMembers, challenge, isMember, sourceIndex };
}
