/**
 * Which of a denoiser's weights a fine-tune touches: glob patterns over the weight names (spec.modules), and the
 * matrix view LoRA adapts (a dense weight d_in × d_out as it is; a conv kernel k×k×c_in×c_out as the
 * (k·k·c_in) × c_out matrix, which makes LoRA on it LoCon's k×k c_in→r conv followed by a 1×1 r→c_out conv).
 */
import type { WeightSpec } from '../denoiserWeights';
import { WHO } from './spec';

/** '**' = any run of characters, '*' = any run without '/', '?' = one character but '/'; everything else literal. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** The weight as the matrix LoRA adapts (rows = d_in, cols = d_out), or null for a bias or a norm's scale. */
export function loraMatrixShape(spec: Pick<WeightSpec, 'shape'>): { rows: number; cols: number } | null {
  const s = spec.shape;
  if (s.length === 2) return { rows: s[0], cols: s[1] };
  if (s.length === 4) return { rows: s[0] * s[1] * s[2], cols: s[3] };
  return null;
}

/** The class embedding: a table read by a one-hot matmul, not a dense layer, so LoRA leaves it alone by default. */
export const CLASS_EMBEDDING = 'class/E';

/**
 * Indices (spec order) of the candidates that match any of `patterns`; every pattern must match at least one
 * candidate, else the error lists the candidates' names.
 */
export function selectByPatterns(specs: readonly Pick<WeightSpec, 'name'>[], candidates: readonly number[], patterns: readonly string[], what: string): number[] {
  const chosen = new Set<number>();
  for (const pattern of patterns) {
    const re = globToRegExp(pattern);
    const hits = candidates.filter((k) => re.test(specs[k].name));
    if (hits.length === 0) {
      throw new Error(`${WHO}: spec.modules pattern "${pattern}" matches no ${what}; they are: ${candidates.map((k) => specs[k].name).join(', ')}`);
    }
    hits.forEach((k) => chosen.add(k));
  }
  return [...chosen].sort((a, b) => a - b);
}

/** The weights full fine-tuning trains: those `patterns` select, or every weight. */
export function selectFullWeights(specs: readonly WeightSpec[], patterns: readonly string[] | null): number[] {
  const all = specs.map((_, k) => k);
  return patterns ? selectByPatterns(specs, all, patterns, 'weight') : all;
}

/**
 * The weights LoRA adapts at rank r. With patterns: the dense weights and conv kernels they select, each of which
 * must be at least r wide both ways (a rank-r update of a thinner matrix restricts nothing). Without: every dense
 * weight and conv kernel but the class embedding that is at least r wide both ways.
 */
export function selectLoraWeights(specs: readonly WeightSpec[], patterns: readonly string[] | null, rank: number): number[] {
  const matrices = specs.map((_, k) => k).filter((k) => loraMatrixShape(specs[k]) !== null);
  const wideEnough = (k: number) => {
    const { rows, cols } = loraMatrixShape(specs[k])!;
    return Math.min(rows, cols) >= rank;
  };
  if (patterns) {
    const chosen = selectByPatterns(specs, matrices, patterns, 'dense weight or conv kernel');
    const thin = chosen.find((k) => !wideEnough(k));
    if (thin !== undefined) {
      const { rows, cols } = loraMatrixShape(specs[thin])!;
      throw new Error(`${WHO}: spec.rank (${rank}) must be ≤ min(d_in, d_out) = ${Math.min(rows, cols)} of "${specs[thin].name}" (${rows} × ${cols}); lower rank or leave it out of spec.modules`);
    }
    return chosen;
  }
  const chosen = matrices.filter((k) => specs[k].name !== CLASS_EMBEDDING && wideEnough(k));
  if (chosen.length === 0) throw new Error(`${WHO}: spec.rank (${rank}) is wider than every dense weight and conv kernel of the model; lower it`);
  return chosen;
}
