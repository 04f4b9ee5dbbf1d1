/**
 * The scenario's closed lists, each spelled once: the schema, the parties and the referee import them from here.
 * A module of its own (no imports) so that the attack schemas, the receiver and the sharer can use them without the
 * import loop that going through schema.ts would make.
 */

/** What the broker may grant the receiver (the "knowledge of the generator" axis of the threat model). */
export const ACCESS_GRANTS = [
  /** Sample records (Describe + Sample RPCs). */
  'black-box',
  /** Intermediate outputs: the model's x̂₀ for given x₀, t, noise seed or x_t, t (GrayBox RPCs; docs/mia.md). */
  'gray-box',
  /** Per-timestep losses ‖ε_θ(x_t, t) − ε‖² (WhiteBox RPC; docs/mia.md). Does not imply gray-box. */
  'white-box',
  /**
   * Fine-tune a copy of the model on records the receiver uploads (FineTune RPC; docs/shake-to-leak.md): the sharer
   * keeps the weights and serves the copy as a new model version through the other grants.
   */
  'fine-tune',
  /**
   * Gateway.Describe includes the exact share of each class in the sharer's training data (issue 19). Those shares are
   * a property of the private data (what Luo et al.'s property inference estimates), so without this grant Describe
   * gives none, and a draw in the model's proportions is one unconditional Sample whose classes the sharer picks
   * from its shares at random: the receiver then sees the shares only through a sample (±1/√n), as any generative
   * model gives them. Registers no service.
   */
  'class-shares',
] as const;
export type AccessGrant = (typeof ACCESS_GRANTS)[number];
/** The query grants in order of how much of the model they show: the rungs of the membership ladder. */
export const ACCESS_LADDER: readonly AccessGrant[] = ['black-box', 'gray-box', 'white-box'];

/** The receiver's classifiers (shared/evaluation/classifiers), for its downstream task and as PIA discriminators. */
export const CLASSIFIER_KINDS = ['logistic', 'mlp', 'cnn'] as const;
export type ClassifierKind = (typeof CLASSIFIER_KINDS)[number];

/** The I(X;Y) estimators of the greedy selection (`sharer.poisoning.estimator`). */
export const POISONING_ESTIMATORS = ['logistic-ce', 'mine-expected', 'mine-permutation'] as const;

/** The sharer's generators (`sharer.model.kind`; sharer/generators.ts). */
export const MODEL_KINDS = ['tabular-ddpm', 'tabular-vae', 'tabular-gan', 'image-ddpm'] as const;
/** Model kinds that generate image records (their data must be an image dataset, e.g. `source: mnist`). */
export const IMAGE_MODEL_KINDS: readonly string[] = ['image-ddpm'];

/**
 * How a fine-tune adapts the model (FineTuneSpec.method; sharer/diffusion/fineTune.ts): every selected weight (S2L's
 * DreamBooth analogue), low-rank adapters (LoRA), or a new class embedding row alone (textual inversion's analogue).
 */
export const FINE_TUNE_METHODS = ['full', 'lora', 'class-embedding'] as const;
export type FineTuneMethod = (typeof FINE_TUNE_METHODS)[number];
