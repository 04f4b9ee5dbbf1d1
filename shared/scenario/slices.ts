/**
 * Per-party config slices: the only part of the scenario each process receives (data flows one way:
 * scenario → slices → processes). A slice is plain JSON (it crosses a process boundary) and holds only what
 * that party may know:
 *   - sharer: its own dataset (and the public one its encoder is fitted on, if any), the task, the model, hideColumns,
 *     its poisoning move (if any), its seed;
 *   - broker: grants, budget, chunking, its seed — no datasets, no task;
 *   - receiver: its own test dataset, the task, draw/classifier config, attacks, its seed — never the sharer's
 *     dataset or model;
 *   - referee: the assertions and its seed.
 * Seeds are derived, never the scenario seed itself, so no party can re-derive another party's randomness.
 */
import { rootSeed, type SeedRoot } from './rootSeeds';
import type { Table } from '../data/table';
import { datasetColumns } from './sources';
import { datasetRefProblem, declaredDataset, parseDatasetRef } from './datasetRefs';
import { isPixelColumnName } from '../data/imageTable';
import { z } from 'zod';
import { IMAGE_MODEL_KINDS } from './lists';
import { datasetSchema } from './schema';
import type { AccessGrant, AttackConfig, ClassifierKind, DatasetConfig, DrawConfig, Expectation, ModelConfig, PoisoningConfig, Scenario, TaskConfig } from './schema';

export type Party = 'sharer' | 'broker' | 'receiver' | 'referee';
export const PARTIES: readonly Party[] = ['sharer', 'broker', 'receiver', 'referee'];

/** A dataset as a party receives it: its config (absolute path if any), its name and its generation/subsample seed. */
export type ResolvedDataset = DatasetConfig & {
  /** The key under `datasets:`. */
  name: string;
  /**
   * Seed for generating (census), subsampling (`take`) and splitting (`split`) this dataset: rootSeed(scenario,
   * "dataset/<key>"), the whole dataset's for a part, so that every part is cut by the same partition.
   */
  seed: number;
  /** The part of the dataset's `split` a reference `<key>.<part>` names (datasetRefs.ts); not mnist's own `part`. */
  splitPart?: string;
};

/**
 * A ResolvedDataset read again where it crosses a process boundary: the scenario's own dataset schema (defaults are
 * already applied, so parsing again changes nothing), beside its name and seed. One contract for the message.
 */
export const resolvedDatasetSchema: z.ZodType<ResolvedDataset, unknown> = z.unknown().transform((raw, ctx): ResolvedDataset => {
  const { name, seed, splitPart, ...config } = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const parsed = datasetSchema.safeParse(config);
  if (typeof name !== 'string' || name === '') ctx.addIssue({ code: 'custom', path: ['name'], input: name, message: 'expected the dataset\'s name' });
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) ctx.addIssue({ code: 'custom', path: ['seed'], input: seed, message: 'expected an integer seed ≥ 0' });
  if (splitPart !== undefined && typeof splitPart !== 'string') ctx.addIssue({ code: 'custom', path: ['splitPart'], input: splitPart, message: 'expected the name of a part of the dataset\'s split' });
  if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
  if (!parsed.success || typeof name !== 'string' || typeof seed !== 'number') return z.NEVER;
  return { ...parsed.data, name, seed, ...(typeof splitPart === 'string' ? { splitPart } : {}) };
});

export interface SharerConfig {
  /** Scenario name, for logs. */
  scenario: string;
  seed: number;
  data: ResolvedDataset;
  /** sharer.encoderData: the dataset the owner treats as public, which the encoder is fitted on; absent when not set. */
  encoderData?: ResolvedDataset;
  task: TaskConfig;
  model: ModelConfig;
  hideColumns: string[];
  /** Fairness poisoning of the training set; absent when the scenario has none. Only the sharer knows it. */
  poisoning?: PoisoningConfig;
  /** The sharer's defences (sharer.defences), as the scenario lists them. */
  defences: AttackConfig[];
  /** sharer.maxUnitsPerCall: the sharer's own bound on one ModelHost call. */
  maxUnitsPerCall: number;
}

export interface BrokerConfig {
  scenario: string;
  seed: number;
  access: AccessGrant[];
  budgetSamples: number;
  maxChunkRecords: number;
  /** The broker's own moves (links of its chain), as the scenario lists them. */
  defences: AttackConfig[];
}

export interface ReceiverConfig {
  scenario: string;
  seed: number;
  testData: ResolvedDataset;
  task: TaskConfig;
  /** Absent for an external receiver (receiver.external), which draws what it wants. */
  draw?: DrawConfig;
  classifiers: ClassifierKind[];
  classifierEpochs: number;
  attacks: AttackConfig[];
  /** The receiver's defences (receiver.defences), as the scenario lists them. */
  defences: AttackConfig[];
  /** The receiver's own datasets named by its moves (attacks' `auxData`, defences' `auxData`/`reference`), resolved with their seeds, by name. */
  attackData: Record<string, ResolvedDataset>;
  /** Balance the test split into equal (s, y) cells before evaluating. */
  balanceTest: boolean;
}

export interface RefereeConfig {
  scenario: string;
  seed: number;
  expect: Expectation[];
}

export type PartySeeds = Record<Party, number>;

/** Each party's seed: rootSeed(scenario, party name). Deterministic, and distinct across parties. */
export function partySeeds(scenario: SeedRoot): PartySeeds {
  return {
    sharer: rootSeed(scenario, 'sharer'),
    broker: rootSeed(scenario, 'broker'),
    receiver: rootSeed(scenario, 'receiver'),
    referee: rootSeed(scenario, 'referee'),
  };
}

/** Deep copy through JSON: slices share no objects with the scenario and are guaranteed serialisable. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The dataset a reference (`<key>` or `<key>.<part>`) names, as a party receives it; `field` names the reference in errors. */
export function resolvedDataset(scenario: Scenario, ref: string, field: string): ResolvedDataset {
  const dataset = declaredDataset(scenario.datasets, ref);
  if (!dataset) {
    // loadScenario rejects dangling references; this guards scenarios built by hand.
    throw new Error(`${field}: ${datasetRefProblem(scenario.datasets, ref)} in scenario "${scenario.name}"`);
  }
  const { name, part } = parseDatasetRef(ref);
  return { ...plain(dataset), name: ref, seed: rootSeed(scenario, `dataset/${name}`), ...(part !== undefined ? { splitPart: part } : {}) };
}

/**
 * The columns the sharer strips before training: `sharer.hideColumns`, and for an image model every attribute
 * column but the label (it generates the image and its class, nothing else), in the data's column order.
 */
export function sharedHiddenColumns(scenario: Pick<Scenario, 'sharer' | 'datasets' | 'task'>): string[] {
  const declared = scenario.sharer.hideColumns;
  const data = declaredDataset(scenario.datasets, scenario.sharer.data);
  if (!IMAGE_MODEL_KINDS.includes(scenario.sharer.model.kind) || !data) return [...declared];
  return datasetColumns(data)
    .map((c) => c.name)
    .filter((name) => !isPixelColumnName(name) && name !== scenario.task.label);
}

export function sharerSlice(scenario: Scenario): SharerConfig {
  return {
    scenario: scenario.name,
    seed: partySeeds(scenario).sharer,
    data: resolvedDataset(scenario, scenario.sharer.data, 'sharer.data'),
    ...(scenario.sharer.encoderData !== undefined ? { encoderData: resolvedDataset(scenario, scenario.sharer.encoderData, 'sharer.encoderData') } : {}),
    task: plain(scenario.task),
    model: plain(scenario.sharer.model),
    hideColumns: sharedHiddenColumns(scenario),
    ...(scenario.sharer.poisoning ? { poisoning: plain(scenario.sharer.poisoning) } : {}),
    defences: plain(scenario.sharer.defences),
    maxUnitsPerCall: scenario.sharer.maxUnitsPerCall,
  };
}

export function brokerSlice(scenario: Scenario): BrokerConfig {
  return {
    scenario: scenario.name,
    seed: partySeeds(scenario).broker,
    access: [...scenario.broker.access],
    budgetSamples: scenario.broker.budget.samples,
    maxChunkRecords: scenario.broker.maxChunkRecords,
    defences: plain(scenario.broker.defences),
  };
}

/**
 * The receiver's own datasets its moves name, with the field naming each: an attack's `auxData` (property inference's
 * discriminator data) and a defence's `auxData` or `reference` (the fairness audit's trusted split; a `reference`
 * that is an object is a published number, not a dataset). Every one reaches the receiver as `attackData`, by name.
 */
export function receiverDatasetRefs(scenario: Pick<Scenario, 'receiver'>): Array<[field: string, name: string]> {
  const refs: Array<[string, string]> = [];
  scenario.receiver.attacks.forEach((attack, i) => {
    if (typeof attack.auxData === 'string') refs.push([`receiver.attacks.${i}.auxData`, attack.auxData]);
  });
  scenario.receiver.defences.forEach((defence, i) => {
    for (const key of ['auxData', 'reference'] as const) {
      if (typeof defence[key] === 'string') refs.push([`receiver.defences.${i}.${key}`, defence[key] as string]);
    }
  });
  return refs;
}

export function receiverSlice(scenario: Scenario): ReceiverConfig {
  return {
    scenario: scenario.name,
    seed: partySeeds(scenario).receiver,
    testData: resolvedDataset(scenario, scenario.receiver.testData, 'receiver.testData'),
    task: plain(scenario.task),
    ...(scenario.receiver.draw ? { draw: plain(scenario.receiver.draw) } : {}),
    classifiers: [...scenario.receiver.classifiers],
    classifierEpochs: scenario.receiver.classifierEpochs,
    attacks: plain(scenario.receiver.attacks),
    defences: plain(scenario.receiver.defences),
    attackData: Object.fromEntries(receiverDatasetRefs(scenario).map(([field, name]) => [name, resolvedDataset(scenario, name, field)])),
    balanceTest: scenario.receiver.balanceTest,
  };
}

export function refereeSlice(scenario: Scenario): RefereeConfig {
  return {
    scenario: scenario.name,
    seed: partySeeds(scenario).referee,
    expect: plain(scenario.expect),
  };
}

/**
 * The sharer's slice in a membership game (docs/mia.md): its training records are the members, handed over as
 * records; the pool's declaration is withheld (`data` only names it), so the sharer cannot know the non-members.
 * `encoderData`, a dataset of its own that is not the pool, is handed over as declared and loaded by the sharer.
 */
export type SharerGameConfig = Omit<SharerConfig, 'data'> & {
  data: { source: 'membership'; name: string; seed: number };
  trainingRecords: Table;
};

export function sharerGameSlice(scenario: Scenario, members: Table): SharerGameConfig {
  const { data, ...rest } = sharerSlice(scenario);
  return { ...rest, data: { source: 'membership', name: data.name, seed: data.seed }, trainingRecords: plain(members) };
}

/** The receiver's slice in a membership game: its own slice plus the challenge records, shuffled, unlabelled. */
export type ReceiverGameConfig = ReceiverConfig & { membershipChallenge: Table };

export function receiverGameSlice(scenario: Scenario, challenge: Table): ReceiverGameConfig {
  return { ...receiverSlice(scenario), membershipChallenge: plain(challenge) };
}
