/**
 * What a move is (docs/moves.md). A move is one thing a party does in a scenario: an attack (property inference, a
 * membership score family, extraction, fairness poisoning) or, later, a defence. It is one folder, at the party that
 * runs it (`receiver/moves/<id>/`, `sharer/moves/<id>/`, `broker/moves/<id>/`), exporting one object that says
 * everything about it (the shape of ART's and LeakPro's attacks, ../shared/style.md):
 *
 * - `id`, `describe`, `paper`: what it is, for the report and the docs (garak's metadata);
 * - `party`: who runs it;
 * - `requires`: the broker grants it cannot run without, and whether it needs the membership game — checked when
 *   the scenario loads, before any process starts (the broker still enforces access at run time);
 * - `configSchema`: its own fields in the scenario, a zod strict object (the scenario schema looks the move up by its
 *   id, so the fields are declared here and nowhere else);
 * - `cost`: the budget units it spends (one unit = one sampled record or one denoiser evaluation of one record),
 *   which the loader and the receiver both check before anything is drawn;
 * - `check`: cross-field checks against the rest of the scenario, beyond its own schema;
 * - `run`: what the party does, returning raw evidence;
 * - `score`: what the referee, who alone knows the truth, makes of that evidence.
 *
 * This module holds only the contract; the registry is `registry.ts`, the built-in lists are each party's
 * `moves/index.ts`. Types only: the run and score contexts are the parties' and the referee's (generic here).
 */
import type { z } from 'zod';
import type { AccessGrant } from '../scenario/lists';

/** The parties a move can belong to (the processes of a run). */
export const MOVE_PARTIES = ['sharer', 'broker', 'receiver'] as const;
export type MoveParty = (typeof MOVE_PARTIES)[number];

/**
 * What an attacking move is after, against whom (TAPAS's *goal* axis of a threat model): the threat-model card
 * (cli/threatModel.ts) names the adversary by it. A defence has none.
 *   membership      which records were in the sharer's training set (docs/mia.md)
 *   property        a property's share in the sharer's training data (docs/pia.md)
 *   extraction      the sharer's training records themselves, from generations (docs/mia.md, Carlini et al.)
 *   shake-to-leak   membership and extraction amplified by fine-tuning the model (docs/shake-to-leak.md)
 *   fairness        the receiver's classifiers made unfair by what the model learns (docs/fpa.md)
 */
export const MOVE_GOALS = ['membership', 'property', 'extraction', 'shake-to-leak', 'fairness'] as const;
export type MoveGoal = (typeof MOVE_GOALS)[number];

export interface MoveRequirements {
  /** Broker grants the move cannot run without (all of them must be in `broker.access`). */
  access: readonly AccessGrant[];
  /** It works on the membership game's challenge set: the scenario needs the top-level `membership` section. */
  membershipGame?: boolean;
  /**
   * The kind of evidence an outside program submits from the receiver's seat for this move (`receiver.external`,
   * docs/external-receiver.md; the wire's AttackEvidence oneof): such a move is listed only in an external receiver's
   * attacks, never run by the built-in receiver, and scored like its built-in twin.
   */
  externalReceiver?: 'membership' | 'property';
}

/** What a generation-trajectory attack's cost depends on besides T: the sampler's steps and the classes it draws. */
export interface GenerationView {
  /** The sampler's timesteps (Describe: schedule.sampler_timesteps); S = their number. */
  samplerTimesteps: readonly number[];
  /** Classes the attack draws trajectories for: the distinct classes of the challenge records (an upper bound at load). */
  classes: number;
}

/**
 * What a move's cost depends on besides its own config. The loader fills it from the scenario (an upper bound where it
 * must guess), the receiver from the broker's Describe and its challenge set, so both check the same sum.
 */
export interface CostView {
  /** Challenge records of the membership game (0 without one). */
  challenge: number;
  /** The model's diffusion steps T, or null for a model without timesteps. */
  T: number | null;
  /** The sampler's steps and the challenge's classes; null without a sampler schedule. */
  generation: GenerationView | null;
}

/** A problem a move finds in the scenario: `path` is relative to the move's own config (e.g. ['auxData']), or [] for the move as a whole. */
export interface MoveIssue {
  path: Array<string | number>;
  message: string;
}

/** The evidence every run of a receiver move returns, beside its own fields (it crosses the process boundary as JSON). */
export interface MoveEvidence {
  /** The move's id. */
  kind: string;
  /** Its position in the party's list of moves (e.g. receiver.attacks). */
  index: number;
  /** Synthetic records it drew through the broker. */
  samplesDrawn: number;
  /** Gray-/white-box budget units it spent (one per denoiser evaluation of one record); absent when it queries none. */
  queryUnits?: number;
  seconds: number;
  /**
   * Set when the broker refused one of the move's calls (PERMISSION_DENIED: a platform defence): its message. The move
   * stopped there; the referee reports the refusal instead of scoring it (`refused.<label>`).
   */
  brokerRefusal?: string;
}

/**
 * What the referee makes of one run of a move: a fragment of the run's report, merged with the other moves'
 * fragments (objects key by key, arrays appended, in the order of the moves), plus files to write beside the
 * report. Family sections (`pia`, `membership`) are completed by their study (cli/studies/*); a move of its own
 * puts its scores under `moves.<label>`.
 */
export interface ScoredMove {
  report: Record<string, unknown>;
  files?: Record<string, unknown>;
}

/**
 * One move. `Scenario` is the validated scenario (generic so this contract imports nothing from the loader, which
 * imports the registry); `RunContext` is what its party hands it; `Truth` what the referee knows.
 */
export interface Move<Config = unknown, Evidence = MoveEvidence, RunContext = unknown, Truth = unknown, Scenario = unknown, RunResult = Evidence> {
  /** The value of `kind` in the scenario's list of the party's moves. Lowercase, digits, hyphens. */
  id: string;
  party: MoveParty;
  /**
   * Where the party's config lists it, when the party has more than one list: the sharer's poisoning methods are named
   * by `sharer.poisoning.method` (slot "poisoning"), its defences listed in `sharer.defences` (slot "defences").
   */
  slot?: string;
  /** One line for listings, the docs and the report. */
  describe: string;
  /** Paper or section the move implements, shown in the report. */
  paper?: string;
  /** What the move attacks, for an attack (absent for a defence): the threat-model card's adversary and its goal. */
  goal?: MoveGoal;
  /** The name its scores carry in the report (default: its id); `-a<index>` is added when the move is listed twice. */
  reportName?: string;
  requires: MoveRequirements;
  /** The move's own fields, WITHOUT `kind`: a `z.strictObject`, so a typo in a field name is an error. Defaults apply at load. */
  configSchema: z.ZodType<Config>;
  /** Budget units it spends. Throws `"<field>: <what was expected>"` when the config does not fit the model. */
  cost(config: Config, view: CostView): number;
  /** Cross-field checks against the scenario; none when absent. */
  check?(config: Config, scenario: Scenario): MoveIssue[];
  /**
   * What the party does. Its result is the evidence, except for a move that stays in place for the whole run (a
   * broker link), whose result is the link and whose evidence is what the link reports at the end.
   */
  run(config: Config, ctx: RunContext): Promise<RunResult>;
  /**
   * `label` names this run of the move in the report (unique among the moves of the run). Absent for a move that is
   * scored only across the variants of a sweep, against its honest twin (fairness poisoning: cli/studies/fpa.ts).
   */
  score?(evidence: Evidence, config: Config, truth: Truth, label: string): ScoredMove;
}

/** A move of any config and evidence, as the registry holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMove = Move<any, any, any, any, any, any>;
