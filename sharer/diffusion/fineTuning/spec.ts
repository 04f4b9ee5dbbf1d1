/**
 * What a fine-tune of a copy of a trained DDPM is asked to do (docs/fine-tuning.md), its defaults and its checks.
 * The defaults are Shake-to-Leak's (Li et al., SaTML 2024, §5 "Implementation details" and its released scripts):
 * LoRA rank 8 and α = 32, a constant learning rate, gradients clipped to norm 1.0.
 */
import { FINE_TUNE_METHODS, type FineTuneMethod } from '../../../shared/scenario/lists';
import { FINE_TUNE_DEFAULTS } from '../../../shared/scenario/fineTuneDefaults';

// The list of methods and the defaults are the scenario's (the broker's caps and the receiver's move read them too).
export { FINE_TUNE_METHODS, FINE_TUNE_DEFAULTS, type FineTuneMethod };

export interface FineTuneSpec {
  method: FineTuneMethod;
  /** Adam steps at a constant learning rate (no warm-up, no decay). */
  steps: number;
  batchSize: number;
  /** ≥ 0; 0 is the sham control (weights bit-identical to the base). */
  learningRate: number;
  /** Clip the trained parameters' gradients to this global L2 norm (default 1.0; 0 = no clipping). */
  gradClipNorm?: number;
  /** LoRA rank r (default 8); only read by 'lora'. */
  rank?: number;
  /** LoRA α (default 32); the update is (α / r)·A·B. Only read by 'lora'. */
  loraAlpha?: number;
  /**
   * Which weights 'full' trains or 'lora' adapts, as glob patterns over the weight names ('*' = any run of characters
   * but '/', '**' = any run, '?' = one character but '/'; e.g. 'hidden*\/W', 'down*\/**'). Default: 'full' every
   * weight; 'lora' every dense weight and conv kernel but the class embedding whose matrix is at least r wide both
   * ways (weightSelection.ts). Not allowed with 'class-embedding', which trains the new class row only.
   */
  modules?: string[];
  /** Seed of the batches, timesteps, noise and label dropout, and of LoRA's A. */
  seed: number;
}

/** A checked spec with its defaults filled in. */
export interface ResolvedFineTuneSpec {
  method: FineTuneMethod;
  steps: number;
  batchSize: number;
  learningRate: number;
  gradClipNorm: number;
  rank: number;
  loraAlpha: number;
  /** null: the method's default selection. */
  modules: string[] | null;
  seed: number;
}

/** The prefix of every fine-tuning error. */
export const WHO = 'fineTuneCopy';

/** Checks a spec field by field (one-line errors naming the field and what was expected) and fills in the defaults. */
export function resolveFineTuneSpec(spec: FineTuneSpec): ResolvedFineTuneSpec {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new Error(`${WHO}: spec.${field} must be ${expected}, got ${JSON.stringify(got)}`);
  };
  if (!(FINE_TUNE_METHODS as readonly string[]).includes(spec.method)) fail('method', `one of ${FINE_TUNE_METHODS.join(', ')}`, spec.method);
  for (const field of ['steps', 'batchSize'] as const) {
    if (!Number.isInteger(spec[field]) || spec[field] < 1) fail(field, 'a positive integer', spec[field]);
  }
  if (!(Number.isFinite(spec.learningRate) && spec.learningRate >= 0)) fail('learningRate', 'a finite number ≥ 0 (0 = sham control)', spec.learningRate);
  const gradClipNorm = spec.gradClipNorm ?? FINE_TUNE_DEFAULTS.gradClipNorm;
  if (!(Number.isFinite(gradClipNorm) && gradClipNorm >= 0)) fail('gradClipNorm', 'a finite number ≥ 0 (0 = no clipping)', spec.gradClipNorm);
  const rank = spec.rank ?? FINE_TUNE_DEFAULTS.rank;
  if (!Number.isInteger(rank) || rank < 1) fail('rank', 'an integer ≥ 1', spec.rank);
  const loraAlpha = spec.loraAlpha ?? FINE_TUNE_DEFAULTS.loraAlpha;
  if (!(Number.isFinite(loraAlpha) && loraAlpha > 0)) fail('loraAlpha', 'a finite number > 0', spec.loraAlpha);
  if (!Number.isFinite(spec.seed)) fail('seed', 'a finite number', spec.seed);
  let modules: string[] | null = null;
  if (spec.modules !== undefined) {
    if (spec.method === 'class-embedding') fail('modules', 'absent for method class-embedding (it trains the new class row only)', spec.modules);
    if (!Array.isArray(spec.modules) || spec.modules.length === 0 || !spec.modules.every((m) => typeof m === 'string' && m.length > 0)) {
      fail('modules', 'a non-empty list of non-empty glob patterns', spec.modules);
    }
    modules = [...spec.modules];
  }
  return { method: spec.method, steps: spec.steps, batchSize: spec.batchSize, learningRate: spec.learningRate, gradClipNorm, rank, loraAlpha, modules, seed: spec.seed };
}
