/**
 * The membership game (docs/mia.md): the runner draws N members and M non-members i.i.d. (uniformly without
 * replacement) from ONE pool, the sharer's dataset, with a seed derived from the scenario seed; the sharer
 * trains on the members only; the receiver gets the challenge set (members and non-members shuffled together,
 * unlabelled, in the shared columns); the referee scores the receiver's scores against `isMember`.
 * Deterministic: the runner and the referee each call `membershipGame` and get the same split.
 * Non-members from another distribution would measure distribution shift, not membership
 * (paper notes mia-s2l.md §3.4), hence one pool.
 *
 * A pool with repeated records (UCI Adult repeats rows, more so once columns are dropped) would put exact copies of
 * members among the non-members: no attack can tell them apart, so they cap every rung's TPR at low FPR and make a
 * non-member "extracted" when its twin was. Non-members are therefore drawn among the pool records that have no
 * exact copy among the members in the shared columns (what the receiver sees); the game reports how many of the
 * plain i.i.d. draw it replaced (`nonMemberCopiesReplaced`).
 */
import { loadDataset } from '../data/loadDataset';
import { dropColumns, selectRows, type Table } from '../data/table';
import { Rng } from '../random';
import { rootSeed } from './rootSeeds';
import type { Scenario } from './schema';
import { resolvedDataset, sharedHiddenColumns } from './slices';

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
  /** Non-members of the plain i.i.d. draw that were exact copies of a member in the shared columns, replaced. */
  nonMemberCopiesReplaced: number;
  /**
   * What the sharer trains on: the members, each as many times as `memberCopies` says (`membership.duplicates`);
   * the members themselves when nothing is duplicated.
   */
  trainingSet: Table;
  /** By member index: how many times the member is in the training set (1 unless duplicated). */
  memberCopies: number[];
  /** By challenge position: the member's copies in the training set, 0 for a non-member (known to the referee only). */
  challengeCopies: number[];
}

export function membershipGame(scenario: Scenario): MembershipGame | null {
  const game = scenario.membership;
  if (!game) return null;
  const spec = resolvedDataset(scenario, scenario.sharer.data, 'membership: the pool sharer.data');
  const pool = loadDataset(spec, spec.seed);
  const wanted = game.members + game.nonMembers;
  const fromPool = game.nonMembersFrom ? game.members : wanted;
  if (fromPool > pool.rows.length) {
    throw new Error(
      `membership.members + membership.nonMembers: ${game.members} + ${game.nonMembers} = ${wanted} records asked, but the pool ` +
        `(sharer.data "${scenario.sharer.data}") has ${pool.rows.length}`,
    );
  }
  // One seeded permutation of the pool (a partial Fisher–Yates: its first N + M indices are the plain i.i.d. draw,
  // so the members, and the model trained on them, do not depend on the copy rule below).
  const permutation = new Rng(rootSeed(scenario, 'membership/split')).sampleIndices(pool.rows.length, pool.rows.length);
  // The pool in the columns the model is served in (slices.ts sharedHiddenColumns: an image model shares the label
  // and pixels only): copies are judged there, and the challenge records are its rows.
  const sharedPool = dropColumns(pool, sharedHiddenColumns(scenario));
  const memberIndices = permutation.slice(0, game.members);
  const members = selectRows(pool, memberIndices);
  const memberKeys = new Set(memberIndices.map((i) => recordKey(sharedPool.rows[i])));
  const { nonMembers, sharedNon, nonMemberCopiesReplaced } = game.nonMembersFrom
    ? shiftedNonMembers(scenario, pool, game.nonMembersFrom, game.nonMembers, memberKeys)
    : poolNonMembers(pool, sharedPool, permutation, game.members, game.nonMembers, memberKeys, scenario.sharer.data);
  const order = new Rng(rootSeed(scenario, 'membership/challenge')).shuffle(Array.from({ length: wanted }, (_, i) => i));
  const isMember = order.map((i) => i < game.members);
  const sourceIndex = order.map((i) => (i < game.members ? i : i - game.members));
  const sharedMembers = selectRows(sharedPool, memberIndices);
  const challenge: Table = {
    schema: sharedMembers.schema,
    rows: order.map((i) => (i < game.members ? sharedMembers.rows[i] : sharedNon.rows[i - game.members])),
  };
  const memberCopies = duplicatedCopies(scenario);
  const challengeCopies = order.map((i) => (i < game.members ? memberCopies[i] : 0));
  const trainingSet = memberCopies.some((c) => c > 1)
    ? selectRows(members, memberCopies.flatMap((c, i) => Array.from({ length: c }, () => i)))
    : members;
  return {
    pool: scenario.sharer.data,
    poolRows: pool.rows.length,
    members,
    nonMembers,
    challenge,
    isMember,
    sourceIndex,
    nonMemberCopiesReplaced,
    trainingSet,
    memberCopies,
    challengeCopies,
  };
}

/**
 * Which records are duplicated members (`membership.duplicates`), for the scorers that report them apart: by member
 * index (`members`) or by challenge position (`challenge`); null when no member is duplicated, so a game without
 * duplicates reports nothing extra.
 */
export function duplicatedFlags(game: Pick<MembershipGame, 'memberCopies' | 'challengeCopies'>, by: 'members' | 'challenge'): boolean[] | null {
  const copies = by === 'members' ? game.memberCopies : game.challengeCopies;
  return copies.some((c) => c > 1) ? copies.map((c) => c > 1) : null;
}

/**
 * Each member's copies in the training set (`membership.duplicates`): a seeded draw of members is repeated, the
 * rest appear once. The draw has its own seed, so the members and the non-members do not depend on it.
 */
function duplicatedCopies(scenario: Scenario): number[] {
  const game = scenario.membership!;
  const copies = new Array<number>(game.members).fill(1);
  if (!game.duplicates) return copies;
  const chosen = new Rng(rootSeed(scenario, 'membership/duplicates')).sampleIndices(game.members, game.duplicates.members);
  for (const i of chosen) copies[i] = game.duplicates.copies;
  return copies;
}

/**
 * The non-members of the i.i.d. split: the pool's records after the members in the seeded permutation, skipping any
 * that is an exact copy of a member in the shared columns (it would be a member to every attack).
 */
function poolNonMembers(
  pool: Table,
  sharedPool: Table,
  permutation: number[],
  members: number,
  wanted: number,
  memberKeys: Set<string>,
  poolName: string,
): { nonMembers: Table; sharedNon: Table; nonMemberCopiesReplaced: number } {
  const nonMemberIndices: number[] = [];
  let nonMemberCopiesReplaced = 0;
  for (let k = members; k < permutation.length && nonMemberIndices.length < wanted; k++) {
    if (!memberKeys.has(recordKey(sharedPool.rows[permutation[k]]))) nonMemberIndices.push(permutation[k]);
    else if (k < members + wanted) nonMemberCopiesReplaced++;
  }
  if (nonMemberIndices.length < wanted) {
    throw new Error(
      `membership.nonMembers: ${wanted} non-members asked, but only ${nonMemberIndices.length} records of the pool ` +
        `(sharer.data "${poolName}") are not copies of a member in the shared columns`,
    );
  }
  return { nonMembers: selectRows(pool, nonMemberIndices), sharedNon: selectRows(sharedPool, nonMemberIndices), nonMemberCopiesReplaced };
}

/** Non-members drawn from another dataset (`membership.nonMembersFrom`): a shifted split, copies of members skipped. */
function shiftedNonMembers(
  scenario: Scenario,
  pool: Table,
  name: string,
  wanted: number,
  memberKeys: Set<string>,
): { nonMembers: Table; sharedNon: Table; nonMemberCopiesReplaced: number } {
  const spec = resolvedDataset(scenario, name, 'membership.nonMembersFrom');
  const source = loadDataset(spec, spec.seed);
  const poolColumns = pool.schema.columns.map((c) => c.name).join(', ');
  const columns = source.schema.columns.map((c) => c.name).join(', ');
  if (poolColumns !== columns) {
    throw new Error(`membership.nonMembersFrom: "${name}" has columns ${columns}, the pool has ${poolColumns}: non-members need the pool's columns`);
  }
  const shared = dropColumns(source, sharedHiddenColumns(scenario));
  const permutation = new Rng(rootSeed(scenario, 'membership/non-members')).sampleIndices(source.rows.length, source.rows.length);
  const chosen: number[] = [];
  let replaced = 0;
  for (const i of permutation) {
    if (chosen.length >= wanted) break;
    if (memberKeys.has(recordKey(shared.rows[i]))) replaced++;
    else chosen.push(i);
  }
  if (chosen.length < wanted) {
    throw new Error(`membership.nonMembers: ${wanted} non-members asked, but "${name}" (membership.nonMembersFrom) has ${chosen.length} records that are not copies of a member`);
  }
  return { nonMembers: selectRows(source, chosen), sharedNon: selectRows(shared, chosen), nonMemberCopiesReplaced: replaced };
}

/** A record's values as a key: equal keys are exact copies. */
function recordKey(row: readonly number[]): string {
  return row.join(',');
}
