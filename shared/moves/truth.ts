/**
 * What the referee knows when it scores a move (cli/referee.ts builds it; each move's `score` reads it). Only the
 * referee holds it: no party is handed any of it.
 */
import type { Table } from '../data/table';
import type { MembershipGame } from '../scenario/membership';
import type { ResolvedDataset } from '../scenario/slices';

export interface RefereeTruth {
  /** The referee's seed (every bootstrap of a score derives its own from it). */
  seed: number;
  /** The records the sharer's model was trained on, with every column (hidden ones included). */
  trainingRecords: Table;
  /** The membership game (members, non-members, the challenge and who is a member), when the scenario plays one. */
  game: MembershipGame | null;
  /** Columns the sharer hid from its model: the receiver's records lack them. */
  hideColumns: readonly string[];
  /** The receiver's own datasets named by its moves (aux data), as the receiver was handed them: its prior knowledge. */
  receiverDatasets: Record<string, ResolvedDataset>;
}
