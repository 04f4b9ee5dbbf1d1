/**
 * shake-to-leak's config (docs/shake-to-leak.md): the domain (a class of the task label), where the fine-tuning
 * records come from, the fine-tune spec sent through the broker's grant, and the membership attacks run on the base
 * model and on the fine-tuned version alike.
 */
import { z } from 'zod';
import { FINE_TUNE_METHODS } from '../../../shared/scenario/lists';
import { FINE_TUNE_DEFAULTS } from '../../../shared/scenario/fineTuneDefaults';

/**
 * Where the fine-tuning set comes from:
 *   self         S2L's SP set: records of the class drawn from the base model (black-box), the attack itself;
 *   other-class  the SP set of another class (`otherClass`; S2L's domain transfer, a control);
 *   real         records of the class from the receiver's own dataset `auxData` (fine-tuning per se, a control);
 *   scrambled    the SP set with every column but the class permuted independently across records: each column's
 *                values are kept, every record is destroyed (for images, every pixel): S2L's zero-prior control,
 *                a fine-tune that moves the model as far with nothing the model memorised in it.
 */
export const FINE_TUNE_SOURCES = ['self', 'other-class', 'real', 'scrambled'] as const;

export const fineTuneSpecSchema = z.strictObject({
  method: z.enum(FINE_TUNE_METHODS).default('lora'),
  steps: z.number().int().min(1),
  batchSize: z.number().int().min(1).default(64),
  /** Constant; 0 is the sham control, whose version must equal the base exactly (Δ = 0). */
  learningRate: z.number().min(0),
  /** LoRA r and α (S2L's r = 8, α = 32). */
  rank: z.number().int().min(1).default(FINE_TUNE_DEFAULTS.rank),
  loraAlpha: z.number().gt(0).default(FINE_TUNE_DEFAULTS.loraAlpha),
  /** Weight-name patterns to adapt (empty: every dense weight). */
  modules: z.array(z.string().min(1)).default(() => []),
});

export const shakeToLeakConfigSchema = z.strictObject({
  /** The domain c: a value of the task label; the attacks are scored on the challenge records of this class. */
  class: z.string().min(1),
  source: z.enum(FINE_TUNE_SOURCES).default('self'),
  /** Records of the fine-tuning set (S2L draws 2,000 per domain). */
  records: z.number().int().min(1).default(2000),
  /**
   * A memorisation-aware SP set (sources self and other-class): draw this many generations and keep the `records`
   * whose nearest other generation is closest. A record the model generates again and again is one it memorised
   * (Carlini et al. 2023 §4 find memorised images as cliques of near-identical generations), so the kept set carries
   * more of the memorised region S2L's intuition needs. Absent: the SP set is the first `records` generations.
   */
  selectDensestOf: z.number().int().min(2).optional(),
  /** source other-class: the class whose SP set is used. */
  otherClass: z.string().min(1).optional(),
  /** source real: the receiver's own dataset (a key of `datasets:`, handed to it) holding records of the class. */
  auxData: z.string().min(1).optional(),
  fineTune: fineTuneSpecSchema,
  /**
   * Which of several fine-tunes of the same base this is: it salts the SP set's draw and the fine-tune's seed, so the
   * same move listed with fineTuneSeed 0 … 4 makes five independent fine-tunes of one base model (S2L's design of
   * several fine-tune seeds per base seed).
   */
  fineTuneSeed: z.number().int().min(0).default(0),
  /**
   * The utility guard: records of the class drawn from the base and from the version (same seed), whose marginals the
   * referee compares with the training records of the class, so a fine-tune that broke the model is not read as one
   * that leaks less (or more). 0 turns it off.
   */
  guardSamples: z.number().int().min(0).default(1000),
  /**
   * The membership attacks, each `{ kind, ...its config }` as in receiver.attacks: run once on the base model and once
   * on the fine-tuned version with the same seeds (common random numbers), and scored as a paired difference.
   */
  attacks: z.array(z.object({ kind: z.string().min(1) }).passthrough()).min(1),
});

export type ShakeToLeakConfig = z.output<typeof shakeToLeakConfigSchema>;
